"""Exercise 31 — principal component analysis: fit, encode, decode.

PCA finds the k directions along which the data varies most, and describes
every example by its k coordinates along them (its "code").  It is the linear
autoencoder: encoding is a projection, decoding maps the code back, and no
other k-dimensional linear code reconstructs the data better (in squared error).

Shapes:

    X           (N, D)   N examples in rows, D features
    mean        (D,)     the mean example, X.mean(axis=0)
    components  (k, D)   one principal direction per ROW: components[0] is the
                         direction of largest variance, components[1] the next...
    codes       (N, k)   the coordinates of each example along the k directions

Fit.  Centre the data first, Xc = X − mean (without centring, the first
"component" mostly points at the mean instead of along the spread).  The thin
singular value decomposition of the centred data

    Xc = U · diag(S) · Vt        U (N, r), S (r,) sorted largest first, Vt (r, D),  r = min(N, D)

gives the directions as the rows of Vt, already orthonormal and ordered by
explained variance S² / N, largest first.  So components = Vt[:k]
(np.linalg.svd(Xc, full_matrices=False)).  Equivalently they are the
eigenvectors of the covariance Xcᵀ Xc / N with the k largest eigenvalues,
as rows, each of length 1 — careful: np.linalg.eigh returns the eigenvectors
as COLUMNS, with the eigenvalues in INCREASING order.

A direction and its negative describe the same axis: either sign is right.

Encode and decode (for any rows X, not only the ones PCA was fitted on):

    codes = (X − mean) @ componentsᵀ              (N, k)
    X̂     = codes @ components + mean              (N, D)

The reconstruction error Σᵢ ‖xᵢ − x̂ᵢ‖² / N of the fitted data then equals the
sum of the discarded squared singular values, Σ_{j ≥ k} S[j]² / N: the best any
k-dimensional linear code can do.  Assume 1 ≤ k ≤ min(N, D).  Use numpy, no
loops over examples, and do not modify X, codes, mean or components.
"""

import numpy as np


def pca_fit(X: np.ndarray, k: int):
    """The mean (D,) and the top-k principal directions as orthonormal rows (k, D)."""
    # TODO: mean = the mean of the rows of X, shape (D,); Xc = X - mean
    # TODO: the thin SVD of Xc: U, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    # TODO: return mean, the first k rows of Vt
    raise NotImplementedError("pca_fit")


def pca_encode(X: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """The codes (N, k) of the rows of X: their coordinates along the components."""
    # TODO: return (X - mean) @ components.T
    raise NotImplementedError("pca_encode")


def pca_decode(codes: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """The rows (N, D) that the codes (N, k) stand for: codes @ components + mean."""
    # TODO: return codes @ components + mean
    raise NotImplementedError("pca_decode")
