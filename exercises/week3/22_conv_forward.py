"""Exercise 22 — the forward pass of a 2-D convolution layer (the naive way).

A convolution layer slides a small kernel over the image.  At every output
position it takes the KH×KW window of the (zero-padded) input under the
kernel, across all C_in input channels, and for each output channel o
computes one number: the window times the kernel o, summed, plus the bias b[o].

Shapes (images and activations are NHWC: batch, height, width, channels):

    x     (N, H, W, C_in)        the input, N images
    w     (KH, KW, C_in, C_out)  the kernels, TensorFlow's layout: w[..., o] is
                                 the kernel of output channel o
    b     (C_out,)               one bias per output channel
    out   (N, H_out, W_out, C_out)

Padding: before sliding, add `pad` rows of zeros above AND below the image and
`pad` columns of zeros left AND right (only the H and W axes; not N, not C):

    x_pad = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))   # zeros

Stride: the window moves `stride` pixels at a time, down and across, starting
at the top-left corner; windows that would stick out of x_pad are not used:

    H_out = (H + 2·pad − KH) // stride + 1        W_out = (W + 2·pad − KW) // stride + 1

The output, for every n, i < H_out, j < W_out and output channel o:

    out[n, i, j, o] = b[o] + Σ_{u<KH} Σ_{v<KW} Σ_{k<C_in}  x_pad[n, i·stride + u, j·stride + v, k] · w[u, v, k, o]

This is a cross-correlation: the kernel is NOT flipped (w[0, 0] meets the
top-left pixel of the window), exactly as tf.nn.conv2d and keras' Conv2D do.
The "convolution" of signal processing would flip it; deep learning does not.

Loops over the output positions (n, i, j) are fine: this is the naive version
(exercise 25 makes it fast).  Inside the loop, one window
x_pad[n, i·s : i·s + KH, j·s : j·s + KW, :] of shape (KH, KW, C_in) meets all
the kernels at once, e.g. with np.tensordot(window, w, axes=3) → (C_out,).

Return (out, cache): out a float array (float64 for float64 inputs), and
cache whatever the backward pass (exercise 23) will need — the checks never
look inside it.  (x, w, b, stride, pad) is a good choice.  Do not modify
x, w or b.
"""

import numpy as np


def conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0):
    """Cross-correlate the NHWC batch x with the kernels w, add b; return (out, cache)."""
    # TODO: read N, H, W, C_in from x.shape and KH, KW, C_out from w.shape
    # TODO: x_pad = x with `pad` zeros on both sides of the H and W axes only
    # TODO: H_out = (H + 2*pad - KH) // stride + 1, and W_out likewise; out = zeros (N, H_out, W_out, C_out)
    # TODO: for each n, i, j: the window x_pad[n, i*stride : i*stride + KH, j*stride : j*stride + KW, :]
    #       times the kernels, summed over (KH, KW, C_in), plus b → out[n, i, j, :]
    # TODO: return out, (x, w, b, stride, pad)
    raise NotImplementedError("conv2d_forward")
