"""Exercise 24 — max pooling, forward and backward.

Max pooling shrinks an image by keeping, in each size×size window, only its
largest value.  Each channel is pooled on its own: the max is taken over the
window's rows and columns, never across channels.  Shapes (NHWC):

    x     (N, H, W, C)
    out   (N, H_out, W_out, C)      dout has out's shape, dx has x's shape

The window moves `stride` pixels at a time, starting at the top-left corner.
There is no padding, and windows that would stick out of the image are not
used (TensorFlow's padding='VALID'):

    H_out = (H − size) // stride + 1          W_out = (W − size) // stride + 1

    out[n, i, j, c] = max of x[n, i·stride : i·stride + size, j·stride : j·stride + size, c]

Backward.  Only the entry that won the max influenced out[n, i, j, c], so the
whole upstream gradient dout[n, i, j, c] goes to that one position of dx, and
every other position of the window gets nothing from this window (this is
what makes max pooling differ from average pooling, whose gradient is spread
over the whole window).  When windows overlap (stride < size, e.g. size=3,
stride=2) one pixel can win several windows: ADD their gradients (+=).

Ties: when a window holds its max more than once, the gradient goes only to
the FIRST of them in row-major order (row by row, left to right) — the one
np.argmax picks from the flattened window of one channel:

    window = x[n, i·stride : i·stride + size, j·stride : j·stride + size, c]      # (size, size)
    k = np.argmax(window.reshape(-1))  →  (row, col) = divmod(k, size)

(TensorFlow's max_pool2d gradient on a CPU breaks ties the same way.)

max_pool_forward returns (out, cache), cache being whatever the backward pass
needs (the checks never look inside it; (x, size, stride) is enough), and
max_pool_backward(dout, cache) returns dx alone.  Return float arrays; loops over
(n, i, j) are fine.  Do not modify x or dout.
"""

import numpy as np


def max_pool_forward(x: np.ndarray, size: int = 2, stride: int = 2):
    """Max over each size×size window, per image and channel; return (out, cache)."""
    # TODO: N, H, W, C from x.shape; H_out = (H - size) // stride + 1, and W_out likewise
    # TODO: for each n, i, j: the window x[n, i*stride : i*stride + size, j*stride : j*stride + size, :]
    #       and its max over the two spatial axes (one value per channel) → out[n, i, j, :]
    # TODO: return out, (x, size, stride)
    raise NotImplementedError("max_pool_forward")


def max_pool_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Route each dout[n, i, j, c] to the position of its window's max; return dx (x's shape)."""
    # TODO: unpack the cache; dx = zeros of x's shape
    # TODO: for each n, i, j and channel c: the window's first max position (np.argmax of the
    #       flattened window, then divmod(k, size)) → (row, col) inside the window
    # TODO: dx[n, i*stride + row, j*stride + col, c] += dout[n, i, j, c]   (+=: windows may overlap)
    # TODO: return dx
    raise NotImplementedError("max_pool_backward")
