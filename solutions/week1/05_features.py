"""Exercise 05 — polynomial features for a linear model (reference solution)."""

import numpy as np


def expand_features(X: np.ndarray) -> np.ndarray:
    """The (N, 6) features [x0, x1, x0², x1², x0·x1, 1] of the (N, 2) points X."""
    X = np.asarray(X, dtype=np.float64)
    x0, x1 = X[:, 0], X[:, 1]
    return np.column_stack([x0, x1, x0**2, x1**2, x0 * x1, np.ones(len(X))])
