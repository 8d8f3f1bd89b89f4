"""Exercise 42 — one step of an LSTM cell in Keras' layout (reference solution)."""

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, given (stable for large |z|)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def lstm_step_forward(x, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One LSTM step: (h, c, cache) with h, c of shape (N, H)."""
    hidden = h_prev.shape[1]
    z = x @ kernel + h_prev @ recurrent_kernel + bias
    i = sigmoid(z[:, :hidden])
    f = sigmoid(z[:, hidden : 2 * hidden])
    g = np.tanh(z[:, 2 * hidden : 3 * hidden])
    o = sigmoid(z[:, 3 * hidden :])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, (x, h_prev, c_prev, kernel, recurrent_kernel, i, f, g, o, c)


def lstm_step_backward(dh, dc, cache):
    """Gradients (dx, dh_prev, dc_prev, dkernel, drecurrent_kernel, dbias) of one LSTM step."""
    x, h_prev, c_prev, kernel, recurrent_kernel, i, f, g, o, c = cache
    tanh_c = np.tanh(c)
    dc_total = dc + dh * o * (1.0 - tanh_c**2)
    do = dh * tanh_c
    di = dc_total * g
    dg = dc_total * i
    df = dc_total * c_prev
    dc_prev = dc_total * f
    dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1)
    dx = dz @ kernel.T
    dh_prev = dz @ recurrent_kernel.T
    dkernel = x.T @ dz
    drecurrent_kernel = h_prev.T @ dz
    dbias = dz.sum(axis=0)
    return dx, dh_prev, dc_prev, dkernel, drecurrent_kernel, dbias
