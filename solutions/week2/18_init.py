"""Exercise 18 — weight initialization: Xavier (Glorot) and He (reference solution)."""

import numpy as np


def xavier_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Weights of shape (fan_in, fan_out) drawn from N(0, σ²), σ = sqrt(2 / (fan_in + fan_out))."""
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def he_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Weights of shape (fan_in, fan_out) drawn from N(0, σ²), σ = sqrt(2 / fan_in)."""
    std = np.sqrt(2.0 / fan_in)
    return rng.normal(0.0, std, size=(fan_in, fan_out))
