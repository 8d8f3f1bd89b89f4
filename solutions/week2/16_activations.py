"""Exercise 16 — activation functions: ReLU and tanh, forward and backward (reference solution)."""

import numpy as np


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """out = max(x, 0) elementwise, and the cache for relu_backward."""
    out = np.maximum(x, 0.0)
    return out, x


def relu_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dx = dout where x > 0, and 0 where x ≤ 0 (the gradient at x = 0 is 0)."""
    x = cache
    return dout * (x > 0)


def tanh_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """out = tanh(x) elementwise, and the cache for tanh_backward."""
    out = np.tanh(x)
    return out, out


def tanh_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dx = dout ⊙ (1 − tanh(x)²)."""
    out = cache
    return dout * (1.0 - out**2)
