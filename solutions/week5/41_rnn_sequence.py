"""Exercise 41 — a vanilla RNN over a sequence and BPTT (reference solution)."""

import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """Exercise 40's answer, given: one step, h_next = tanh(x @ Wx + h_prev @ Wh + b), and its cache."""
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)


def rnn_step_backward(dh, cache):
    """Exercise 40's answer, given: (dx, dh_prev, dWx, dWh, db) of one step."""
    x, h_prev, Wx, Wh, h_next = cache
    da = dh * (1.0 - h_next**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def rnn_forward(x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray):
    """Every state h of shape (N, T, H) for inputs x of shape (N, T, D), and the cache."""
    n, steps, _ = x.shape
    h = np.zeros((n, steps, h0.shape[1]))
    caches = []
    state = h0
    for t in range(steps):
        state, step_cache = rnn_step_forward(x[:, t], state, Wx, Wh, b)
        h[:, t] = state
        caches.append(step_cache)
    return h, (caches, x.shape[2])


def rnn_backward(dh: np.ndarray, cache):
    """Gradients (dx, dh0, dWx, dWh, db), given dh = ∂L/∂h of shape (N, T, H)."""
    caches, d = cache
    n, steps, hidden = dh.shape
    dx = np.zeros((n, steps, d))
    dWx, dWh, db = np.zeros((d, hidden)), np.zeros((hidden, hidden)), np.zeros(hidden)
    dh_next = np.zeros((n, hidden))
    for t in reversed(range(steps)):
        dx_t, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, caches[t])
        dx[:, t] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
