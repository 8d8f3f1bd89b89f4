"""Exercise 45 — sampling the next token with a temperature (reference solution)."""

import numpy as np


def sample_next(logits: np.ndarray, temperature: float, rng: np.random.Generator):
    """A token id drawn from softmax(logits / temperature): an int for (V,) logits, an (N,) int array for (N, V)."""
    rows = np.atleast_2d(np.asarray(logits, dtype=float))
    if temperature == 0:
        tokens = np.argmax(rows, axis=1)
    else:
        z = rows / temperature
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        u = rng.random((rows.shape[0], 1))
        tokens = np.minimum((np.cumsum(p, axis=1) < u).sum(axis=1), rows.shape[1] - 1)
    return int(tokens[0]) if np.ndim(logits) == 1 else tokens
