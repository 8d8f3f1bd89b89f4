"""Exercise 24 — max pooling, forward and backward (reference solution)."""

import numpy as np


def max_pool_forward(x: np.ndarray, size: int = 2, stride: int = 2):
    """Max over each size×size window, per image and channel; return (out, cache)."""
    n_images, height, width, channels = x.shape
    h_out = (height - size) // stride + 1
    w_out = (width - size) // stride + 1
    out = np.zeros((n_images, h_out, w_out, channels))
    for n in range(n_images):
        for i in range(h_out):
            for j in range(w_out):
                window = x[n, i * stride : i * stride + size, j * stride : j * stride + size, :]
                out[n, i, j, :] = window.max(axis=(0, 1))
    return out, (x, size, stride)


def max_pool_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Route each dout[n, i, j, c] to the position of its window's max; return dx (x's shape)."""
    x, size, stride = cache
    dx = np.zeros(x.shape)
    n_images, h_out, w_out, channels = dout.shape
    every_channel = np.arange(channels)
    for n in range(n_images):
        for i in range(h_out):
            for j in range(w_out):
                window = x[n, i * stride : i * stride + size, j * stride : j * stride + size, :]
                first_max = np.argmax(window.reshape(size * size, channels), axis=0)  # one per channel
                rows, cols = np.divmod(first_max, size)
                dx[n, i * stride + rows, j * stride + cols, every_channel] += dout[n, i, j]
    return dx
