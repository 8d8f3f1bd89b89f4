"""Exercise 18 — weight initialization: Xavier (Glorot) and He.

A dense layer's weight matrix W has shape (fan_in, fan_out): fan_in inputs
(rows), fan_out outputs (columns), as in out = x @ W.  Its starting values are
random, and their SCALE matters: too small and the signal fades layer after
layer, too large and it explodes.  Both schemes below draw every entry
independently from a normal (Gaussian) distribution with mean 0; they differ in
the standard deviation σ:

    Xavier / Glorot normal:   σ = sqrt(2 / (fan_in + fan_out))    for tanh or sigmoid layers
    He normal:                σ = sqrt(2 / fan_in)                for ReLU layers

Careful: σ is the square root of the variance.  The variance of Xavier is
2 / (fan_in + fan_out), its standard deviation is the square root of that.
He uses fan_in only (the number of inputs each output sums over).

Conventions:
    Draw a plain, untruncated normal distribution (not a uniform one and not a
    truncated normal), using the generator you are given: rng.normal(0.0, σ,
    size=(fan_in, fan_out)), or σ * rng.standard_normal((fan_in, fan_out)).
    rng is a numpy.random.Generator and the only source of randomness: never
    np.random.randn / np.random.normal (the global state), so that the same
    seed gives the same weights.
    Return a float64 array of shape (fan_in, fan_out).
    The checks test statistics on large matrices (the mean, the standard
    deviation, the shape of the distribution), not particular values.
"""

import numpy as np


def xavier_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Weights of shape (fan_in, fan_out) drawn from N(0, σ²), σ = sqrt(2 / (fan_in + fan_out))."""
    # TODO: std = the square root of 2 / (fan_in + fan_out)
    # TODO: return rng.normal(0.0, std, size=(fan_in, fan_out))
    raise NotImplementedError("xavier_init")


def he_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Weights of shape (fan_in, fan_out) drawn from N(0, σ²), σ = sqrt(2 / fan_in)."""
    # TODO: std = the square root of 2 / fan_in
    # TODO: return rng.normal(0.0, std, size=(fan_in, fan_out))
    raise NotImplementedError("he_init")
