"""Exercise 42 — one step of an LSTM cell, in Keras' layout, forward and backward.

An LSTM carries two states: the cell state c (the long memory) and the hidden
state h (what the cell shows).  One step computes all four gates with ONE pair
of matrix products, exactly as Keras stores its weights:

    z = x @ kernel + h_prev @ recurrent_kernel + bias          (N, 4H)

    x  (N, D)    h_prev, c_prev  (N, H)    kernel  (D, 4H)    recurrent_kernel  (H, 4H)    bias  (4H,)

The 4H columns of z are four blocks of H columns, in Keras' gate order i, f, c, o:

    i = σ(z[:, 0H:1H])      input gate      how much of the candidate to write
    f = σ(z[:, 1H:2H])      forget gate     how much of the OLD CELL STATE c_prev to keep
    g = tanh(z[:, 2H:3H])   candidate       the new content (tanh, not σ: it may be negative)
    o = σ(z[:, 3H:4H])      output gate     how much of the cell to show

    c = f * c_prev + i * g                  the new cell state       (N, H)
    h = o * tanh(c)                         the new hidden state     (N, H)

σ is the logistic sigmoid 1 / (1 + e^−z) (Keras' default recurrent_activation).
With the same weights your cell equals keras.layers.LSTMCell: same order, same
layout, so weights trained in Keras drop into your numpy code.

Backward pass.  The step receives dh = ∂L/∂h and dc = ∂L/∂c, both (N, H): the
cell state goes on to the next step, so it gets a gradient of its own.  c
reaches the loss twice (directly, and through h = o * tanh(c)), so first

    dc_total = dc + dh * o * (1 − tanh(c)²)

    do = dh * tanh(c)       di = dc_total * g       dg = dc_total * i       df = dc_total * c_prev
    dc_prev = dc_total * f

then through each gate's nonlinearity (σ' = σ (1 − σ), tanh' = 1 − tanh²) into
dz, the four blocks side by side in the order i, f, c, o, shape (N, 4H):

    dz = [di * i (1 − i),  df * f (1 − f),  dg * (1 − g²),  do * o (1 − o)]

and finally, as in a dense layer:

    dx = dz @ kernelᵀ    dh_prev = dz @ recurrent_kernelᵀ    dkernel = xᵀ @ dz
    drecurrent_kernel = h_prevᵀ @ dz    dbias = Σₙ dz[n]

Conventions:
    lstm_step_forward returns (h, c, cache); the cache is yours.
    lstm_step_backward returns (dx, dh_prev, dc_prev, dkernel, drecurrent_kernel,
    dbias), in the order of the forward function's parameters, with their shapes.
    No loops, no division by N, and do not modify any input or anything in the cache.
"""

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, given (stable for large |z|)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def lstm_step_forward(x, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One LSTM step: (h, c, cache) with h, c of shape (N, H)."""
    # TODO: H = h_prev.shape[1]; z = x @ kernel + h_prev @ recurrent_kernel + bias, shape (N, 4H)
    # TODO: the gates, in the order i, f, c, o: i = sigmoid(z[:, :H]), f = sigmoid(z[:, H:2*H]),
    #       g = np.tanh(z[:, 2*H:3*H]), o = sigmoid(z[:, 3*H:])
    # TODO: c = f * c_prev + i * g, then h = o * np.tanh(c)
    # TODO: cache = everything the backward pass needs (x, h_prev, c_prev, the weights, i, f, g, o, c)
    # TODO: return h, c, cache
    raise NotImplementedError("lstm_step_forward")


def lstm_step_backward(dh, dc, cache):
    """Gradients (dx, dh_prev, dc_prev, dkernel, drecurrent_kernel, dbias) of one LSTM step."""
    # TODO: unpack the cache; tanh_c = np.tanh(c)
    # TODO: dc_total = dc + dh * o * (1 - tanh_c**2)
    # TODO: do, di, dg, df and dc_prev as in the module docstring
    # TODO: dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1)
    # TODO: dx, dh_prev, dkernel, drecurrent_kernel, dbias from dz as in a dense layer
    # TODO: return dx, dh_prev, dc_prev, dkernel, drecurrent_kernel, dbias
    raise NotImplementedError("lstm_step_backward")
