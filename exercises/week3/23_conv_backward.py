"""Exercise 23 — the backward pass of a 2-D convolution layer.

The forward pass (exercise 22's answer, given below) computes, for every
image n, output position (i, j) and output channel o,

    out[n, i, j, o] = b[o] + Σ_{u<KH} Σ_{v<KW} Σ_{k<C_in}  x_pad[n, i·s + u, j·s + v, k] · w[u, v, k, o]

with s = stride and x_pad = x with `pad` zeros on both sides of H and W.  It is
a cross-correlation: the kernel is not flipped.  Shapes (NHWC):

    x  (N, H, W, C_in)    w  (KH, KW, C_in, C_out)    b  (C_out,)    out, dout  (N, H_out, W_out, C_out)

Given dout = ∂L/∂out and the cache (x, w, b, stride, pad) that conv2d_forward
returns, conv2d_backward returns (dx, dw, db), in the order of the forward's
parameters and with their shapes: dx like x, dw like w, db like b.

Each term of the sum above sends dout[n, i, j, o] back to the two factors it
multiplies, and to the bias:

    db[o]          = Σ_{n, i, j} dout[n, i, j, o]                         (sum over N, H_out, W_out)
    dw[u, v, k, o] = Σ_{n, i, j} x_pad[n, i·s + u, j·s + v, k] · dout[n, i, j, o]
    dx_pad[n, i·s + u, j·s + v, k]  +=  Σ_o w[u, v, k, o] · dout[n, i, j, o]    for every i, j, u, v

Neighbouring windows overlap (when stride < KH or KW), so one input pixel gets
gradient from several output positions: ADD them up (+=), never overwrite (=).
Finally cut the padding off: the zeros are not part of x, and dx must have
x's shape (N, H, W, C_in):

    dx = dx_pad[:, pad : pad + H, pad : pad + W, :]

Loops over (n, i, j) are fine, as in the forward pass: in the loop body the
window's slice of dx_pad receives w · dout[n, i, j] (summed over o, shape
(KH, KW, C_in)), and dw receives the window of x_pad times dout[n, i, j].
No division by the batch size here: dout already carries whatever the loss did.
Return float arrays, and do not modify dout or anything in the cache.
"""

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
    # TODO: unpack the cache: x, w, b, stride, pad = cache; read the shapes you need
    # TODO: db = the sum of dout over the image, height and width axes → (C_out,)
    # TODO: x_pad as in the forward pass; dx_pad = zeros like x_pad; dw = zeros like w
    # TODO: for each n, i, j: the window's slice of dx_pad += w · dout[n, i, j] (summed over C_out),
    #       and dw += the window of x_pad times dout[n, i, j] (an outer product over C_in × C_out)
    # TODO: dx = dx_pad without the padding, shape (N, H, W, C_in); return dx, dw, db
    raise NotImplementedError("conv2d_backward")
