"""Exercise 40 — one step of a vanilla recurrent network (reference solution)."""

import numpy as np


def rnn_step_forward(x: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray):
    """h_next = tanh(x @ Wx + h_prev @ Wh + b), shape (N, H), and the cache for the backward pass."""
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)


def rnn_step_backward(dh: np.ndarray, cache):
    """Gradients (dx, dh_prev, dWx, dWh, db), given dh = ∂L/∂h_next of shape (N, H)."""
    x, h_prev, Wx, Wh, h_next = cache
    da = dh * (1.0 - h_next**2)
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db
