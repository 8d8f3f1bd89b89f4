"""Exercise 16 — activation functions: ReLU and tanh, forward and backward.

An activation is applied elementwise, so its input and output have the same
shape, whatever that shape is: (N, M) after a dense layer, (N, H, W, C) after a
convolution.  Its backward pass multiplies the upstream gradient dout = ∂L/∂out
(same shape as x) elementwise by the local derivative:

    dx = dout ⊙ f′(x)

ReLU
    out = max(x, 0)                              use np.maximum(x, 0), not np.max
    f′(x) = 1 where x > 0, and 0 where x ≤ 0
    ReLU has no derivative at exactly x = 0; the convention here (as in
    TensorFlow) is f′(0) = 0: the gradient passes only where x > 0 strictly.

tanh
    out = tanh(x)                                np.tanh; it must stay finite for
                                                 x = ±1000, where tanh is ±1
    f′(x) = 1 − tanh(x)²                         the square of the OUTPUT, not of x

Conventions:
    A forward function returns the pair (out, cache); the cache is whatever its
    backward pass needs (x, or out: for tanh, out already holds tanh(x)).
    Nobody but your backward pass looks inside the cache.  Keep everything in
    the cache (no global variables).
    A backward function returns dx, a float64 array of x's shape.
    Do not modify x or dout: no in-place tricks like np.maximum(x, 0, out=x),
    x[x < 0] = 0 or dout[x <= 0] = 0 on the arrays you were given (the caller
    still needs them).  Build new arrays instead.
"""

import numpy as np


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """out = max(x, 0) elementwise, and the cache for relu_backward."""
    # TODO: out = np.maximum(x, 0): a new array, x stays as it was
    # TODO: return out, cache (cache = x)
    raise NotImplementedError("relu_forward")


def relu_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dx = dout where x > 0, and 0 where x ≤ 0 (the gradient at x = 0 is 0)."""
    # TODO: x = cache
    # TODO: dx = dout times the mask (x > 0), a new array
    raise NotImplementedError("relu_backward")


def tanh_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """out = tanh(x) elementwise, and the cache for tanh_backward."""
    # TODO: out = np.tanh(x)
    # TODO: return out, cache (cache = out: the backward pass needs tanh(x), not x)
    raise NotImplementedError("tanh_forward")


def tanh_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dx = dout ⊙ (1 − tanh(x)²)."""
    # TODO: out = cache, which is tanh(x)
    # TODO: dx = dout * (1 - out**2)
    raise NotImplementedError("tanh_backward")
