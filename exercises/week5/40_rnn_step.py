"""Exercise 40 — one step of a vanilla recurrent network, forward and backward.

A recurrent network reads a sequence one step at a time and carries a hidden
state h from step to step.  One step takes the input of this step x and the
previous state h_prev, and makes the next state:

    a      = x @ Wx + h_prev @ Wh + b        (N, H)
    h_next = tanh(a)                         (N, H)

    x  (N, D)    h_prev, h_next  (N, H)    Wx  (D, H)    Wh  (H, H)    b  (H,)

N is the batch size, D the size of an input vector, H the size of the state.
Both products put the batch in the rows: x @ Wx, not Wx @ x, and h_prev @ Wh,
not h_prev @ Wh.T (Wh is square, so the transpose would run without an error
and give wrong numbers).  b is added to every row.

Backward pass.  Some loss L sits on top; the step receives dh = ∂L/∂h_next,
shape (N, H), and returns the gradients of L with respect to its five inputs.
tanh' = 1 − tanh², and tanh(a) is h_next, which the forward pass already has:

    da      = dh * (1 − h_next²)           (N, H)   elementwise
    dx      = da @ Wxᵀ                     (N, D)   like x
    dh_prev = da @ Whᵀ                     (N, H)   like h_prev
    dWx     = xᵀ @ da                      (D, H)   like Wx
    dWh     = h_prevᵀ @ da                 (H, H)   like Wh
    db      = Σₙ da[n]  (sum over N)       (H,)     like b

Conventions:
    rnn_step_forward returns the pair (h_next, cache).  The cache is whatever
    your backward pass needs (for example (x, h_prev, Wx, Wh, h_next)); nobody
    but your rnn_step_backward looks inside it.
    rnn_step_backward returns (dx, dh_prev, dWx, dWh, db), in the order of the
    forward function's parameters, as float64 arrays.
    No loops, no division by N (dh already carries whatever the loss did), and
    do not modify any input or anything in the cache.
"""

import numpy as np


def rnn_step_forward(x: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray):
    """h_next = tanh(x @ Wx + h_prev @ Wh + b), shape (N, H), and the cache for the backward pass."""
    # TODO: a = x @ Wx + h_prev @ Wh + b, shape (N, H)
    # TODO: h_next = np.tanh(a)
    # TODO: cache = what rnn_step_backward will need (x, h_prev, Wx, Wh and h_next)
    # TODO: return h_next, cache
    raise NotImplementedError("rnn_step_forward")


def rnn_step_backward(dh: np.ndarray, cache):
    """Gradients (dx, dh_prev, dWx, dWh, db), given dh = ∂L/∂h_next of shape (N, H)."""
    # TODO: unpack the cache
    # TODO: da = dh * (1 - h_next**2), the gradient through tanh
    # TODO: dx = da @ Wx.T and dh_prev = da @ Wh.T
    # TODO: dWx = x.T @ da, dWh = h_prev.T @ da, db = da summed over the batch axis
    # TODO: return dx, dh_prev, dWx, dWh, db
    raise NotImplementedError("rnn_step_backward")
