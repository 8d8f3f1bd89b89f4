"""Hidden checks for exercise 31 (pca).

Expected values come from numpy's SVD of the centred data, computed here
independently of the learner's code.  A principal direction is only defined up
to its sign, so components are compared row by row with either sign accepted.
The data are drawn with well separated variances (a random rotation of axes
whose spreads shrink geometrically) and a mean far from the origin, so that the
directions are well defined and PCA without centring gives other ones.  The
reconstruction error is held against the optimum Σ_{j ≥ k} S[j]² / N.
Misconceptions named: no centring, components as columns (transposed), not
sorted by variance (or the k smallest of np.linalg.eigh's increasing order),
rows of the eigenvector matrix taken instead of its columns, directions scaled
by the singular values or the eigenvalues (not of length 1), a forgotten mean in
encode or decode.
"""

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, call_unchanged, fail, fmt, rng, type_name

NO_CENTRING = (
    "PCA without centring: subtract the mean first (Xc = X − X.mean(axis=0)) and take the SVD of Xc. "
    "Without it the first direction mostly points from the origin to the mean of the data, not along its spread."
)
COLUMNS = (
    "the components are columns (shape (D, k)), the result is transposed. Return one direction per ROW: "
    "components has shape (k, D), so Vt[:k] from the SVD, or the eigenvectors' matrix sliced and transposed."
)
ASCENDING = (
    "the right directions, in increasing order of variance. They must be sorted largest variance first: "
    "np.linalg.eigh returns the eigenvalues in INCREASING order (reverse it); the SVD's S is already decreasing."
)
SMALLEST = (
    "these are the directions of SMALLEST variance: np.linalg.eigh sorts the eigenvalues in increasing order, so "
    "its first columns belong to the smallest ones. Take the last k columns, reversed, as rows."
)
EIG_ROWS = (
    "the ROWS of the eigenvector matrix were taken: np.linalg.eigh returns the eigenvectors as its COLUMNS, "
    "eigvecs[:, j] goes with eigvals[j]. Slice columns and transpose: eigvecs[:, ::-1][:, :k].T."
)
SCALED_S = (
    "each direction is scaled by its singular value S[j] (not of length 1). Components are unit vectors: "
    "the rows of Vt, not diag(S) @ Vt."
)
SCALED_EIG = (
    "each direction is scaled by its eigenvalue (not of length 1). Components are unit vectors: "
    "the eigenvectors themselves, not multiplied by the eigenvalues."
)
SCALED_SQRT = (
    "each direction is scaled by the square root of its eigenvalue, its standard deviation (not of length 1). "
    "Components are unit vectors: the eigenvectors themselves."
)


def _data(seed, n, d, offset=4.0):
    """N rows with a mean far from 0 and variances that fall by 0.6 per direction, in rotated axes."""
    g = rng(seed)
    rotation, _ = np.linalg.qr(g.normal(size=(d, d)))
    spreads = 3.0 * 0.6 ** np.arange(d)
    return g.normal(size=(n, d)) * spreads @ rotation.T + offset + g.normal(size=d)


def _svd(X):
    """mean, S and Vt of the centred data (the reference)."""
    mean = X.mean(axis=0)
    _, s, vt = np.linalg.svd(X - mean, full_matrices=False)
    return mean, s, vt


def _same_up_to_sign(got, expected, atol=1e-6):
    """Whether got and expected have the same shape and each row of got is ± the row of expected."""
    if got.shape != expected.shape:
        return False
    if not np.all(np.isfinite(got)):
        return False
    plus = np.abs(got - expected).max(axis=-1)
    minus = np.abs(got + expected).max(axis=-1)
    return bool(np.all(np.minimum(plus, minus) <= atol))


def _component_mistakes(X, k):
    """What the usual mistakes would return as components, by description."""
    n, d = X.shape
    mean, s, vt = _svd(X)
    xc = X - mean
    eigvals, eigvecs = np.linalg.eigh(xc.T @ xc / n)  # increasing, eigenvectors in columns
    _, _, vt_raw = np.linalg.svd(X, full_matrices=False)
    mistakes = {
        NO_CENTRING: vt_raw[:k],
        ASCENDING: vt[:k][::-1],
        SMALLEST: eigvecs[:, :k].T,
        EIG_ROWS: eigvecs[:, ::-1][:k],
        "the rows of the eigenvector matrix were taken, in increasing order (np.linalg.eigh returns the "
        "eigenvectors as its COLUMNS, eigenvalues increasing): use eigvecs[:, ::-1][:, :k].T.": eigvecs[:k],
        SCALED_S: s[:k, None] * vt[:k],
        SCALED_EIG: np.abs(eigvals[::-1][:k, None]) * eigvecs[:, ::-1][:, :k].T,
        SCALED_SQRT: np.sqrt(np.abs(eigvals[::-1][:k, None])) * eigvecs[:, ::-1][:, :k].T,
    }
    if k == d:
        mistakes[COLUMNS] = vt[:k].T
    return mistakes


def _show(arrays):
    """One aligned `name = value` line per array, as the toolkit's messages show them."""
    return "\n".join(f"  {name} = " + fmt(v).replace("\n", "\n" + " " * (len(name) + 5)) for name, v in arrays.items())


def _fit(ex, X, k, what):
    """Call the learner's pca_fit (inputs guarded), check the pair and the shapes; return (mean, components)."""
    result = call_unchanged(ex.pca_fit, X, k, what="pca_fit", names=["X", "k"])
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        fail(f"{what} returned {type_name(result)}, expected a pair (mean, components).\nEnd with `return mean, components`.")
    n, d = X.shape
    mean = assert_array(result[0], what=f"{what}, its first result (mean),", shape=(d,))
    components = assert_array(result[1], what=f"{what}, its second result (components),")
    if components.shape == (d, k) and d != k:
        fail(f"{what} returned components of shape {components.shape}, expected ({k}, {d}).\nLikely mistake: {COLUMNS}")
    if components.shape != (k, d):
        fail(
            f"{what} returned components of shape {components.shape}, expected (k, D) = ({k}, {d}): "
            "one direction of length D per row, k rows."
        )
    return mean, components


def _check_components(components, X, k, what, inputs=None):
    """The components equal the SVD's first k rows of Vt, each up to its sign; mistakes named."""
    _, _, vt = _svd(X)
    expected = vt[:k]
    if _same_up_to_sign(components, expected):
        return
    for text, wrong in _component_mistakes(X, k).items():
        if _same_up_to_sign(components, wrong):
            fail(
                f"{what} returned the wrong components.\n"
                + (f"on the input\n{_show(inputs)}\n" if inputs else "")
                + f"expected (each row may also have the opposite sign):\n{_show({'components': expected})}\n"
                f"got:\n{_show({'components': components})}\nLikely mistake: {text}"
            )
    gram = components @ components.T
    if not np.allclose(gram, np.eye(k), atol=1e-6):
        fail(
            f"{what} returned components whose rows are not orthonormal: components @ components.T should be "
            f"the identity, got\n{fmt(gram)}\nEach direction must have length 1 and be perpendicular to the others."
        )
    # Same sign as the reference on each row (a row and its negative are equally right), then compare.
    signs = np.where(np.sum(components * expected, axis=1) < 0, -1.0, 1.0)
    assert_close(
        components * signs[:, None],
        expected,
        what=f"{what}, its components (each row's sign matched to the expected one),",
        inputs=inputs,
        atol=1e-6,
        rtol=1e-6,
        hint="The rows must be the k directions of largest variance of the CENTRED data, largest first.",
    )


def test_tiny_example(ex):
    """four points on a line that misses the origin: one component along the line"""
    X = np.array([[0.0, 2.0], [1.0, 3.0], [2.0, 4.0], [3.0, 5.0]])
    mean, components = _fit(ex, X, 1, "pca_fit(X, k=1)")
    assert_close(
        mean,
        [1.5, 3.5],
        what="pca_fit(X, k=1), its mean,",
        inputs={"X": X},
        mistakes={"the mean was taken over each row (axis=1); the mean example is X.mean(axis=0).": X.mean(axis=1)},
    )
    # The centred points are multiples of (1, 1), so the direction is ±(1, 1)/√2.
    _check_components(components, X, 1, "pca_fit(X, k=1)", inputs={"X": X})


CASES = [(30, 5, 2), (12, 4, 4), (6, 10, 3), (50, 8, 1), (7, 7, 3), (9, 3, 2)]


@pytest.mark.parametrize("n, d, k", CASES)
def test_fit_for_several_shapes(ex, n, d, k):
    """mean and components against numpy's SVD, for N > D, N < D, k = 1 and k = D"""
    X = _data(100 * n + 10 * d + k, n, d)
    what = f"pca_fit(X, k={k}) with X of shape {X.shape}"
    mean, components = _fit(ex, X, k, what)
    assert_close(mean, X.mean(axis=0), what=f"{what}, its mean,")
    _check_components(components, X, k, what)


def _given(seed, n, d, k):
    """X, a mean and k orthonormal directions chosen by the check (not by pca_fit)."""
    g = rng(seed)
    q, _ = np.linalg.qr(g.normal(size=(d, d)))
    return g.normal(size=(n, d)) + 3.0, g.normal(size=d) + 3.0, q[:k]


@pytest.mark.parametrize("n, d, k", [(5, 4, 2), (1, 6, 3), (8, 3, 3)])
def test_encode_with_given_components(ex, n, d, k):
    """pca_encode projects the centred rows on the given directions"""
    X, mean, components = _given(n + d + k, n, d, k)
    got = call_unchanged(ex.pca_encode, X, mean, components, what="pca_encode", names=["X", "mean", "components"])
    what = f"pca_encode(X, mean, components) with X of shape {X.shape} and components of shape {components.shape}"
    got = assert_array(got, what=what, shape=(n, k))
    assert_close(
        got,
        (X - mean) @ components.T,
        what=what,
        inputs={"X": X, "mean": mean, "components": components} if n * d <= 20 else None,
        mistakes={
            "the mean was not subtracted: codes = (X − mean) @ components.T.": X @ components.T,
            "the mean was added instead of subtracted: codes = (X − mean) @ components.T.": (X + mean) @ components.T,
        },
    )


@pytest.mark.parametrize("n, d, k", [(5, 4, 2), (1, 6, 3), (8, 3, 3)])
def test_decode_with_given_components(ex, n, d, k):
    """pca_decode maps codes back: codes @ components + mean"""
    _, mean, components = _given(10 + n + d + k, n, d, k)
    codes = rng(n * d * k).normal(size=(n, k))
    got = call_unchanged(ex.pca_decode, codes, mean, components, what="pca_decode", names=["codes", "mean", "components"])
    what = f"pca_decode(codes, mean, components) with codes of shape {codes.shape} and components of shape {components.shape}"
    got = assert_array(got, what=what, shape=(n, d))
    assert_close(
        got,
        codes @ components + mean,
        what=what,
        inputs={"codes": codes, "mean": mean, "components": components} if n * d <= 20 else None,
        mistakes={
            "the mean was not added back: X̂ = codes @ components + mean.": codes @ components,
            "the mean was subtracted instead of added: X̂ = codes @ components + mean.": codes @ components - mean,
        },
    )


@pytest.mark.parametrize("n, d, k", CASES)
def test_reconstruction_error_is_the_svd_optimum(ex, n, d, k):
    """decode(encode(X)) loses exactly the discarded variance, Σ_{j ≥ k} S[j]² / N"""
    X = _data(7 + 100 * n + 10 * d + k, n, d)
    _, s, _ = _svd(X)
    mean, components = _fit(ex, X, k, f"pca_fit(X, k={k}) with X of shape {X.shape}")
    codes = call_unchanged(ex.pca_encode, X, mean, components, what="pca_encode", names=["X", "mean", "components"])
    codes = assert_array(codes, what=f"pca_encode(X, mean, components) with X of shape {X.shape}", shape=(n, k))
    back = call_unchanged(ex.pca_decode, codes, mean, components, what="pca_decode", names=["codes", "mean", "components"])
    back = assert_array(back, what=f"pca_decode(codes, mean, components) with codes of shape {codes.shape}", shape=(n, d))
    error = float(np.sum((X - back) ** 2) / n)
    optimum = float(np.sum(s[k:] ** 2) / n)
    _, _, vt_raw = np.linalg.svd(X, full_matrices=False)
    raw = vt_raw[:k]
    xc = X - X.mean(axis=0)
    assert_close(
        error,
        optimum,
        what=f"the reconstruction error Σᵢ ‖xᵢ − x̂ᵢ‖² / N with k = {k} on X of shape {X.shape}",
        rtol=1e-6,
        atol=1e-9,
        mistakes={
            NO_CENTRING: float(np.sum((X - X @ raw.T @ raw) ** 2) / n),
            NO_CENTRING + " (Here the mean is subtracted before encoding, but the directions came from the "
            "uncentred X.)": float(np.sum((xc - xc @ raw.T @ raw) ** 2) / n),
        },
        hint=(
            f"The best k = {k} linear code loses Σ_(j ≥ k) S[j]² / N = {optimum:.6g}, with S the singular values of "
            "the centred X. A larger error means the components, encode or decode are off."
        ),
    )


def test_encode_decode_round_trip_on_new_rows(ex):
    """rows in the span of the components come back exactly, even rows pca_fit never saw"""
    X = _data(3, 40, 6)
    mean, components = _fit(ex, X, 3, "pca_fit(X, k=3) with X of shape (40, 6)")
    codes = rng(4).normal(size=(5, 3))
    inside = codes @ components + mean  # five new rows in the plane of the components
    back = ex.pca_decode(ex.pca_encode(inside, mean, components), mean, components)
    assert_close(
        back,
        inside,
        what="pca_decode(pca_encode(x)) for five new rows x lying in the span of the components",
        atol=1e-9,
        hint="Encoding then decoding a row that already lies in mean + span(components) must give it back.",
    )
