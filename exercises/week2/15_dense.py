"""Exercise 15 — a fully connected (dense) layer, forward and backward.

A dense layer maps each example (a row of x) to M outputs with one matrix
product and a bias:

    out = x @ W + b        x: (N, D)   W: (D, M)   b: (M,)   out: (N, M)

N is the batch size, D the number of input features, M the number of outputs.
b is added to every row (numpy broadcasting does that for you).

Backward pass.  Some loss L sits on top of the layer; the layer receives the
upstream gradient dout = ∂L/∂out, shape (N, M), and returns the gradients of L
with respect to its three inputs, each with the shape of that input:

    dx = dout @ Wᵀ                  (N, D)   like x
    dW = xᵀ @ dout                  (D, M)   like W  (not dout.T @ x, which is (M, D))
    db = Σₙ dout[n]  (sum over N)   (M,)     like b

db is a SUM over the batch, not a mean: if the loss is an average over the
examples, its 1/N is already inside dout, and dividing again would count it twice.

Conventions:
    dense_forward returns the pair (out, cache).  The cache is whatever your
    backward pass needs (for example the tuple (x, W)); nobody but your
    dense_backward looks inside it.  Keep everything in the cache (no global
    variables): two layers may be in flight at once.
    dense_backward returns the triple (dx, dW, db), in the order of the forward
    function's parameters (x, W, b), as float64 arrays.
    Use numpy matrix products, no loops, and do not modify x, W, b or dout.
"""

import numpy as np


def dense_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """out = x @ W + b, shape (N, M), and the cache for the backward pass."""
    # TODO: out = x @ W + b
    # TODO: cache = what dense_backward will need (x and W)
    # TODO: return out, cache
    raise NotImplementedError("dense_forward")


def dense_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx, dW, db) of the loss, given dout = ∂L/∂out of shape (N, M)."""
    # TODO: unpack the cache
    # TODO: dx = dout @ W.T, shape (N, D)
    # TODO: dW = x.T @ dout, shape (D, M)
    # TODO: db = dout summed over the batch axis, shape (M,)
    # TODO: return dx, dW, db
    raise NotImplementedError("dense_backward")
