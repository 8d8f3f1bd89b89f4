"""Exercise 06 — mini-batches, one epoch at a time (reference solution)."""

import numpy as np


def iterate_minibatches(X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator | None = None):
    """Yield (X_batch, y_batch) pairs that cover every row of X and y once."""
    n = X.shape[0]
    order = np.arange(n) if rng is None else rng.permutation(n)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]
