"""Exercise 27 — inverted dropout (reference solution)."""

import numpy as np


def dropout_forward(x: np.ndarray, p_drop: float, training: bool, rng: np.random.Generator) -> tuple[np.ndarray, tuple]:
    """Zero each entry with probability p_drop and scale the rest by 1/(1 − p_drop); identity at test time."""
    if not training:
        return x.copy(), (None, 1.0)
    mask = rng.random(x.shape) >= p_drop  # keep with probability 1 − p_drop
    scale = 1.0 / (1.0 - p_drop)
    return x * mask * scale, (mask, scale)


def dropout_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """The gradient through the same mask and scale as the forward pass (dout itself at test time)."""
    mask, scale = cache
    if mask is None:
        return dout.copy()
    return dout * mask * scale
