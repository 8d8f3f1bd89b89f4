"""Exercise 23 — the backward pass of a 2-D convolution layer (reference solution)."""

import numpy as np


def conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0):
    """Cross-correlate the NHWC batch x with the kernels w, add b; return (out, cache).

    Exercise 22's answer, given so this file stands alone.  cache = (x, w, b, stride, pad),
    with x the input as it came in (not padded).
    """
    n_images, height, width, _ = x.shape
    kh, kw, _, c_out = w.shape
    x_pad = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    h_out = (height + 2 * pad - kh) // stride + 1
    w_out = (width + 2 * pad - kw) // stride + 1
    out = np.zeros((n_images, h_out, w_out, c_out))
    for n in range(n_images):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, i * stride : i * stride + kh, j * stride : j * stride + kw, :]
                out[n, i, j, :] = np.tensordot(window, w, axes=3) + b
    return out, (x, w, b, stride, pad)


def conv2d_backward(dout: np.ndarray, cache):
    """Gradients of the convolution: (dx, dw, db) with the shapes of (x, w, b)."""
    x, w, _, stride, pad = cache
    _, height, width, _ = x.shape
    kh, kw = w.shape[:2]
    n_images, h_out, w_out, _ = dout.shape
    x_pad = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dx_pad = np.zeros(x_pad.shape)
    dw = np.zeros(w.shape)
    db = dout.sum(axis=(0, 1, 2))
    for n in range(n_images):
        for i in range(h_out):
            for j in range(w_out):
                rows = slice(i * stride, i * stride + kh)
                cols = slice(j * stride, j * stride + kw)
                dx_pad[n, rows, cols, :] += w @ dout[n, i, j]
                dw += x_pad[n, rows, cols, :, None] * dout[n, i, j]
    dx = dx_pad[:, pad : pad + height, pad : pad + width, :]
    return dx, dw, db
