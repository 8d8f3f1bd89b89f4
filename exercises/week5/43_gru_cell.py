"""Exercise 43 — one step of a GRU cell, in Keras' layout (reset_after=True).

A GRU keeps one state h and mixes the old state with a candidate through an
update gate.  Its weights are stored as in keras.layers.GRUCell with
reset_after=True (Keras' default, the cuDNN-compatible variant):

    x  (N, D)    h_prev  (N, H)    kernel  (D, 3H)    recurrent_kernel  (H, 3H)
    bias  (2, 3H): bias[0] is the INPUT bias, bias[1] the RECURRENT bias (two rows, both used)

Both products are computed first, each with its own bias row; the 3H columns
are three blocks of H columns in Keras' gate order z, r, h:

    xz, xr, xh = split(x @ kernel + bias[0])                 each (N, H)
    rz, rr, rh = split(h_prev @ recurrent_kernel + bias[1])  each (N, H)

    z  = σ(xz + rz)              update gate
    r  = σ(xr + rr)              reset gate
    hh = tanh(xh + r * rh)       candidate: the reset gate scales the recurrent part
                                 AFTER the matrix product ("reset after"), bias[1] included
    h  = z * h_prev + (1 − z) * hh

Keras' convention: z close to 1 KEEPS the old state, z close to 0 takes the
candidate.  (Some textbooks write (1 − z) * h_prev + z * hh; that is the same
cell with z renamed, but it is not the cell whose weights Keras stores.)

(Without reset_after, r would scale h_prev before the product, (r * h_prev) @ R_h,
and there would be one bias row: a different cell, with different numbers.)

σ is the logistic sigmoid (Keras' default recurrent_activation).  With the same
weights your cell equals keras.layers.GRUCell(units=H, reset_after=True).

Conventions: return h, shape (N, H), as a float64 array; no loops; do not
modify any input.
"""

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, given (stable for large |z|)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def gru_step_forward(x, h_prev, kernel, recurrent_kernel, bias):
    """One GRU step (Keras' reset_after=True): the new state h, shape (N, H)."""
    # TODO: H = h_prev.shape[1]; the input part x @ kernel + bias[0] and the recurrent part
    #       h_prev @ recurrent_kernel + bias[1], each (N, 3H)
    # TODO: cut each into its z, r and h blocks of H columns (in that order)
    # TODO: z = sigmoid(xz + rz), r = sigmoid(xr + rr)
    # TODO: hh = np.tanh(xh + r * rh)
    # TODO: return z * h_prev + (1 - z) * hh
    raise NotImplementedError("gru_step_forward")
