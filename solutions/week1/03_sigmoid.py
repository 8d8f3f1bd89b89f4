"""Exercise 03 — the logistic sigmoid, computed without overflow (reference solution)."""

import numpy as np


def sigmoid(z):
    """The logistic function 1 / (1 + e^(−z)), elementwise and without overflow."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow
    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out[()]  # a 0-d result becomes a numpy scalar, like np.exp gives
