"""Exercise 31 — principal component analysis: fit, encode, decode (reference solution)."""

import numpy as np


def pca_fit(X: np.ndarray, k: int):
    """The mean (D,) and the top-k principal directions as orthonormal rows (k, D)."""
    mean = X.mean(axis=0)
    _, _, vt = np.linalg.svd(X - mean, full_matrices=False)
    return mean, vt[:k]


def pca_encode(X: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """The codes (N, k) of the rows of X: their coordinates along the components."""
    return (X - mean) @ components.T


def pca_decode(codes: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """The rows (N, D) that the codes (N, k) stand for: codes @ components + mean."""
    return codes @ components + mean
