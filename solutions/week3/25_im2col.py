"""Exercise 25 — im2col: convolution as one matrix product (reference solution)."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def im2col(x: np.ndarray, kh: int, kw: int, stride: int, pad: int) -> np.ndarray:
    """Every kh×kw patch of the zero-padded x as one row: shape (N·H_out·W_out, kh·kw·C)."""
    N, H, W, C = x.shape
    x_pad = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    H_out = (H + 2 * pad - kh) // stride + 1
    W_out = (W + 2 * pad - kw) // stride + 1
    # windows[n, i, j, c, u, v] = x_pad[n, i + u, j + v, c]: a view, nothing copied yet.
    windows = sliding_window_view(x_pad, (kh, kw), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]  # (N, H_out, W_out, C, kh, kw)
    # Patch axes in (kh, kw, C) order; reshape copies into the matrix.
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(N * H_out * W_out, kh * kw * C)


def conv2d_forward_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """The convolution of x (N, H, W, C_in) with w (KH, KW, C_in, C_out) plus b: (N, H_out, W_out, C_out)."""
    N, H, W, _ = x.shape
    KH, KW, C_in, C_out = w.shape
    H_out = (H + 2 * pad - KH) // stride + 1
    W_out = (W + 2 * pad - KW) // stride + 1
    cols = im2col(x, KH, KW, stride, pad)
    out = cols @ w.reshape(KH * KW * C_in, C_out) + b
    return out.reshape(N, H_out, W_out, C_out)
