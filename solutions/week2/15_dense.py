"""Exercise 15 — a fully connected (dense) layer, forward and backward (reference solution)."""

import numpy as np


def dense_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """out = x @ W + b, shape (N, M), and the cache for the backward pass."""
    out = x @ W + b
    return out, (x, W)


def dense_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx, dW, db) of the loss, given dout = ∂L/∂out of shape (N, M)."""
    x, W = cache
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db
