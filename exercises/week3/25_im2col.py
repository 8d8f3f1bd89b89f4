"""Exercise 25 — im2col: convolution as one matrix product.

The convolution of exercise 22 (a cross-correlation, as in tf.nn.conv2d) slides
a KH×KW window over the zero-padded input and, at every output position, takes
a dot product of the patch with each filter:

    out[n, i, j, o] = Σ_u Σ_v Σ_c  x_pad[n, i·stride + u, j·stride + v, c] · w[u, v, c, o]  +  b[o]

    x      (N, H, W, C_in)         images, NHWC
    w      (KH, KW, C_in, C_out)   filters, as in TensorFlow
    b      (C_out,)                one bias per filter
    x_pad  x with `pad` zeros added on each side of H and W (not of N, not of C)
    out    (N, H_out, W_out, C_out),  H_out = (H + 2·pad − KH) // stride + 1
                                      W_out = (W + 2·pad − KW) // stride + 1

Written with Python loops over images and output positions this is slow: the
loop body runs N·H_out·W_out times.  im2col removes the loops by copying every
patch into one row of a matrix, so that the whole convolution becomes ONE
matrix product, which numpy hands to a fast BLAS routine.

im2col(x, kh, kw, stride, pad) returns the 2-D matrix `cols` of shape

    (N·H_out·W_out, kh·kw·C)

- row r holds the patch of output position (n, i, j), with the rows in (n, i, j)
  row-major order: r = (n·H_out + i)·W_out + j;
- each row is the patch x_pad[n, i·stride : i·stride + kh, j·stride : j·stride + kw, :]
  flattened in (kh, kw, C) order (C-order `reshape(-1)` of that (kh, kw, C) block).

Because w.reshape(KH·KW·C_in, C_out) flattens the filters in the same (KH, KW, C_in)
order, the convolution is exactly

    im2col(x, KH, KW, stride, pad) @ w.reshape(KH·KW·C_in, C_out) + b

a (N·H_out·W_out, C_out) matrix: reshape it to (N, H_out, W_out, C_out).

conv2d_forward_fast(x, w, b, stride, pad) returns ONLY that array `out` (no
cache, not a tuple).  It must be fast: a hidden check times it against the
naive convolution of exercise 22 (Python loops over images and output
positions, np.tensordot inside) on a batch of 64 grayscale 8×8 images with 8
filters of 3×3, in the same run, and expects yours to be at least 20× faster.
So build the matrix without a Python loop over images or output positions.
Two good ways (either is fine):
- np.lib.stride_tricks.sliding_window_view(x_pad, (kh, kw), axis=(1, 2)) gives
  every window at once as a view of shape (N, H', W', C, kh, kw) (window axes
  LAST); take every stride-th window and reorder the axes to (kh, kw, C);
- or loop over the kh·kw kernel offsets (u, v) only (a handful of iterations),
  each copying a strided slice of x_pad for all images and positions at once;
  fancy indexing with index arrays works too.

Both functions return float arrays (float64 for float64 inputs); do not modify x, w or b.
"""

import numpy as np


def im2col(x: np.ndarray, kh: int, kw: int, stride: int, pad: int) -> np.ndarray:
    """Every kh×kw patch of the zero-padded x as one row: shape (N·H_out·W_out, kh·kw·C)."""
    # TODO: N, H, W, C from x's shape; H_out and W_out from the formula above
    # TODO: x_pad = x with `pad` zeros around H and W only (np.pad)
    # TODO: all patches at once, an array of shape (N, H_out, W_out, kh, kw, C)
    #       (sliding_window_view and a transpose, or a loop over the kh·kw offsets)
    # TODO: return it reshaped to (N·H_out·W_out, kh·kw·C)
    raise NotImplementedError("im2col")


def conv2d_forward_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """The convolution of x (N, H, W, C_in) with w (KH, KW, C_in, C_out) plus b: (N, H_out, W_out, C_out)."""
    # TODO: KH, KW, C_in, C_out from w's shape; H_out and W_out
    # TODO: cols = im2col(x, KH, KW, stride, pad)
    # TODO: out = cols @ w.reshape(KH * KW * C_in, C_out) + b
    # TODO: return out reshaped to (N, H_out, W_out, C_out)  -- only out, no cache
    raise NotImplementedError("conv2d_forward_fast")
