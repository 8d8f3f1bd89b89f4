"""Exercise 43 — one step of a GRU cell in Keras' layout, reset_after=True (reference solution)."""

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, given (stable for large |z|)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def gru_step_forward(x, h_prev, kernel, recurrent_kernel, bias):
    """One GRU step (Keras' reset_after=True): the new state h, shape (N, H)."""
    hidden = h_prev.shape[1]
    from_x = x @ kernel + bias[0]
    from_h = h_prev @ recurrent_kernel + bias[1]
    z = sigmoid(from_x[:, :hidden] + from_h[:, :hidden])
    r = sigmoid(from_x[:, hidden : 2 * hidden] + from_h[:, hidden : 2 * hidden])
    hh = np.tanh(from_x[:, 2 * hidden :] + r * from_h[:, 2 * hidden :])
    return z * h_prev + (1.0 - z) * hh
