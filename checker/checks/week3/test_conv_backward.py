"""Hidden checks for exercise 23 (conv_backward).

The learner's backward gets the cache of the conv2d_forward in their own file
(given, exercise 22's answer); the checks only pass it back.  Expected values
are central-difference gradients of L = Σ out · dout, where `out` comes from an
independent forward pass written here (sliding_window_view + einsum).  Typical
mistakes (= instead of +=, a flipped kernel, a gradient left padded or averaged)
are simulated with plain loops so that the message can name them.
"""

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from checker.testing import (
    type_name,
    assert_array,
    assert_close,
    assert_unchanged,
    call_unchanged,
    fail,
    gradcheck,
    rng,
    snapshot,
)

OVERWRITE = (
    "the gradients of overlapping windows overwrite each other (= instead of +=): a pixel inside several "
    "windows receives gradient from each of them, so accumulate with +=."
)
FLIPPED_DX = (
    "the kernel is flipped: the forward pass is a cross-correlation (no flip), so the window's slice of "
    "dx_pad receives w · dout[n, i, j] with w as it is (w[0, 0] goes to the window's top-left pixel)."
)
FLIPPED_DW = (
    "dw is flipped (dw[::-1, ::-1]): dw[u, v] collects x_pad[n, i·s + u, j·s + v] · dout[n, i, j], "
    "so dw[0, 0] pairs with the top-left pixel of each window."
)
DIVIDED = (
    "you divided by the batch size N: a layer's backward does not average, dout already carries the 1/N of the loss."
)


def _forward(x, w, b, stride, pad):
    """An independent forward pass: all windows gathered at once, one einsum."""
    x_pad = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    windows = sliding_window_view(x_pad, w.shape[:2], axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("nhwkuv,uvko->nhwo", windows, w) + b


def _loop_backward(x, w, dout, stride, pad, assign=False, order="nij", flip=False):
    """(dx_pad, dw, db) by plain loops, optionally with a typical mistake.

    assign: `=` instead of `+=`; order "nij" sums over the output channels at
    once, order "noij" loops over them outside i, j (the CS231n layout), "nijo" inside.
    """
    kernel = w[::-1, ::-1] if flip else w
    kh, kw = w.shape[:2]
    x_pad = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dx_pad, dw, db = np.zeros(x_pad.shape), np.zeros(w.shape), np.zeros(w.shape[3])
    n_images, h_out, w_out, c_out = dout.shape
    steps = []
    for n in range(n_images):
        if order == "noij":
            steps += [(n, i, j, o) for o in range(c_out) for i in range(h_out) for j in range(w_out)]
        elif order == "nijo":
            steps += [(n, i, j, o) for i in range(h_out) for j in range(w_out) for o in range(c_out)]
        else:
            steps += [(n, i, j, None) for i in range(h_out) for j in range(w_out)]
    for n, i, j, o in steps:
        box = (n, slice(i * stride, i * stride + kh), slice(j * stride, j * stride + kw))
        channels = slice(None) if o is None else slice(o, o + 1)
        g = dout[n, i, j, channels]
        to_x = kernel[..., channels] @ g
        to_w = x_pad[box][..., None] * g
        if assign:
            dx_pad[box] = to_x
            dw[..., channels] = to_w
            db[channels] = g
        else:
            dx_pad[box] += to_x
            dw[..., channels] += to_w
            db[channels] += g
    return dx_pad, dw, db


def _crop(dx_pad, pad, shape):
    return dx_pad[:, pad : pad + shape[1], pad : pad + shape[2], :]


def _overwritten_dx(got, x, w, dout, stride, pad):
    """dx as `=` instead of `+=` leaves it, for the loop order that matches `got` (else the first)."""
    variants = [
        _crop(_loop_backward(x, w, dout, stride, pad, assign=True, order=o)[0], pad, x.shape)
        for o in ("nij", "noij", "nijo")
    ]
    return next((v for v in variants if v.shape == got.shape and np.allclose(v, got)), variants[0])


def _backward(ex, x, w, b, dout, stride, pad, what, part):
    """Run the learner's forward, then backward on its cache; return the gradient `part`
    ("dx", "dw" or "db"), checked to be an array of the right shape."""
    result = ex.conv2d_forward(x, w, b, stride=stride, pad=pad)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        fail("conv2d_forward (given in your file) no longer returns (out, cache): restore it from exercise 22.")
    guarded = {"x": x, "w": w, "b": b}
    before = dict(zip(guarded, snapshot(guarded.values())))
    grads = call_unchanged(ex.conv2d_backward, dout, result[1], what="conv2d_backward", names=["dout", "cache"])
    assert_unchanged(before, guarded, what="conv2d_backward (through the cache)")
    if not isinstance(grads, (tuple, list)) or len(grads) != 3:
        fail(
            f"{what} returned {type_name(grads)}, expected three gradients (dx, dw, db), "
            "in the order of conv2d_forward's parameters x, w, b."
        )
    got = assert_array(grads[("dx", "dw", "db").index(part)], what=f"{what}: {part}")
    n, h, wd, c_in = x.shape
    c_out = w.shape[3]
    h_out, w_out = dout.shape[1:3]
    expected, likely = {"dx": x.shape, "dw": w.shape, "db": (c_out,)}[part], ""
    if got.shape == expected:
        return got
    if part == "dx":
        if pad and got.shape == (n, h + 2 * pad, wd + 2 * pad, c_in):
            likely = (
                "dx still has the padding: cut it off, dx = dx_pad[:, pad : pad + H, pad : pad + W, :]. "
                "The zeros were added by the layer; they are not part of x."
            )
        elif pad == 0 and got.shape[1:3] == (0, 0):
            likely = "dx_pad[:, pad:-pad] is empty when pad = 0: slice with pad : pad + H instead."
    elif part == "dw":
        if sorted(got.shape) == sorted(w.shape):
            likely = "the axes are in the wrong order: dw has w's layout (KH, KW, C_in, C_out)."
    else:
        sums = [
            ((n, h_out, w_out, c_out), "db is dout itself: sum it over the images and positions, axes (0, 1, 2)."),
            ((h_out, w_out, c_out), "db was summed over the batch only: sum over axes (0, 1, 2), the positions too."),
            ((n, c_out), "db was summed over the positions only: sum over the batch axis 0 too, axes (0, 1, 2)."),
            ((n, h_out, w_out), "db was summed over the channels: keep one entry per output channel."),
        ]
        matches = [text for shape, text in sums if shape == got.shape]
        likely = matches[0] if len(matches) == 1 else ""
    meaning = {
        "dx": "the shape of x",
        "dw": "the shape of w",
        "db": "one entry per output channel: db[o] = Σ_{n,i,j} dout[n, i, j, o]",
    }[part]
    fail(
        f"{what} returned {part} of shape {got.shape}, expected {expected} ({meaning})."
        + (f"\nLikely mistake: {likely}" if likely else "")
    )


# A 3×3 image, a 2×2 kernel, stride 1: the four windows overlap in the centre pixel.
TX = np.arange(1.0, 10.0).reshape(3, 3)
TW = np.array([[1.0, 2.0], [3.0, 4.0]])
TDOUT = np.ones((2, 2))


def _tiny():
    return TX.reshape(1, 3, 3, 1), TW.reshape(2, 2, 1, 1), np.zeros(1), TDOUT.reshape(1, 2, 2, 1)


TINY_INPUTS = {"x[0, :, :, 0]": TX, "w[:, :, 0, 0]": TW, "dout[0, :, :, 0]": TDOUT}
TINY_WHAT = "conv2d_backward on one 3×3 image, a 2×2 kernel, stride 1, pad 0"


def test_dx_tiny(ex):
    """dx on a 3×3 image with a 2×2 kernel you can check by hand (the four windows overlap)"""
    x, w, b, dout = _tiny()
    dx = _backward(ex, x, w, b, dout, 1, 0, TINY_WHAT, "dx")
    # Every window adds the kernel onto its 2×2 patch: the centre pixel is in all four.
    expected = np.array([[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]])
    mistakes = {
        FLIPPED_DX: _loop_backward(x, w, dout, 1, 0, flip=True)[0],
        OVERWRITE: _overwritten_dx(dx, x, w, dout, 1, 0),
    }
    assert_close(
        dx[0, :, :, 0],
        expected,
        what=f"dx (shown as dx[0, :, :, 0]) from {TINY_WHAT}",
        inputs=TINY_INPUTS,
        mistakes={text: value[0, :, :, 0] for text, value in mistakes.items()},
        hint="Each of the four windows adds w · dout[i, j] = w onto its 2×2 patch of dx.",
    )


def test_dw_tiny(ex):
    """dw on the same example: each kernel entry collects the pixels it met"""
    x, w, b, dout = _tiny()
    dw = _backward(ex, x, w, b, dout, 1, 0, TINY_WHAT, "dw")
    # dw[u, v] = Σ_{i,j} x[i + u, j + v]: the sum of the 2×2 block starting at (u, v).
    expected = np.array([[12.0, 16.0], [24.0, 28.0]])
    assert_close(
        dw[:, :, 0, 0],
        expected,
        what=f"dw (shown as dw[:, :, 0, 0]) from {TINY_WHAT}",
        inputs=TINY_INPUTS,
        mistakes={
            FLIPPED_DW: expected[::-1, ::-1],
            OVERWRITE: np.array([[5.0, 6.0], [8.0, 9.0]]),
            "dw is the transpose: dw[u, v] pairs with x_pad[i·s + u, j·s + v] (u down, v across).": expected.T,
        },
        hint="dw[u, v] is the sum of x[i + u, j + v] · dout[i, j] over the four windows (i, j).",
    )


def test_db_tiny(ex):
    """db on the same example: the sum of dout"""
    x, w, b, dout = _tiny()
    db = _backward(ex, x, w, b, dout, 1, 0, TINY_WHAT, "db")
    assert_close(
        db,
        np.array([4.0]),
        what=f"db from {TINY_WHAT}",
        inputs=TINY_INPUTS,
        mistakes={
            "db is the mean of dout; it is the sum over the images and positions (axes 0, 1, 2).": np.array([1.0]),
            OVERWRITE: np.array([1.0]),
        },
    )


def test_db_sums_over_batch_and_positions(ex):
    """db sums dout over the images, rows and columns, one entry per output channel"""
    g = rng(5)
    x, w, b = g.normal(size=(3, 4, 5, 2)), g.normal(size=(2, 3, 2, 4)), g.normal(size=4)
    dout = g.normal(size=(3, 3, 3, 4))
    what = "conv2d_backward with x of shape (3, 4, 5, 2) and w of shape (2, 3, 2, 4)"
    db = _backward(ex, x, w, b, dout, 1, 0, what, "db")
    assert_close(
        db,
        dout.sum(axis=(0, 1, 2)),
        what=f"db from {what}",
        mistakes={
            "db is the mean of dout; it is the sum over the images and positions (axes 0, 1, 2).": dout.mean(
                axis=(0, 1, 2)
            ),
            DIVIDED: dout.sum(axis=(0, 1, 2)) / 3,
            "db was summed over one image only: sum over all N images too (axis 0).": dout[0].sum(axis=(0, 1)),
            "db was summed over the last image only: sum over all N images too (axis 0).": dout[-1].sum(axis=(0, 1)),
        },
    )


def test_dx_has_the_shape_of_the_unpadded_input(ex):
    """with pad=1, dx has the shape of x, not of the padded x"""
    x, w, b = np.arange(1.0, 7.0).reshape(1, 2, 3, 1), np.ones((3, 3, 1, 1)), np.zeros(1)
    dout = np.ones((1, 2, 3, 1))
    what = "conv2d_backward on one 2×3 image, a 3×3 kernel of ones, pad=1"
    dx = _backward(ex, x, w, b, dout, 1, 1, what, "dx")
    # Each pixel is covered by the windows centred on itself and its neighbours inside the image.
    expected = np.array([[4.0, 6.0, 4.0], [4.0, 6.0, 4.0]])
    dx_pad = _loop_backward(x, w, dout, 1, 1)[0]
    assert_close(
        dx[0, :, :, 0],
        expected,
        what=f"dx (shown as dx[0, :, :, 0]) from {what}",
        inputs={"x[0, :, :, 0]": x[0, :, :, 0], "dout[0, :, :, 0]": dout[0, :, :, 0]},
        mistakes={
            "the padding was cut off on the wrong side: dx = dx_pad[:, pad : pad + H, pad : pad + W, :].": dx_pad[
                0, :2, :3, 0
            ],
            OVERWRITE: _overwritten_dx(dx, x, w, dout, 1, 1)[0, :, :, 0],
        },
    )


# (N, H, W, C_in, C_out, KH, KW, stride, pad): non-square images and kernels, strides 1 and 2,
# padding 0 to 2, several images and channels.
CASES = [
    (2, 4, 5, 2, 3, 3, 2, 1, 0),
    (2, 5, 4, 3, 2, 3, 3, 2, 1),
    (1, 6, 7, 1, 2, 2, 3, 2, 2),
    (3, 3, 3, 2, 2, 3, 3, 1, 1),
    (2, 7, 5, 2, 3, 3, 2, 2, 0),
]


def _problem(case):
    n, h, wd, c_in, c_out, kh, kw, stride, pad = case
    g = rng(1000 + 100 * h + 10 * wd + kh + stride + pad)
    x, w, b = g.normal(size=(n, h, wd, c_in)), g.normal(size=(kh, kw, c_in, c_out)), g.normal(size=c_out)
    h_out, w_out = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    dout = g.normal(size=(n, h_out, w_out, c_out))
    what = f"conv2d_backward with x of shape {x.shape}, w of shape {w.shape}, stride={stride}, pad={pad}"
    return x, w, b, dout, stride, pad, what


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_dx_matches_numerical_gradient(ex, case):
    """dx agrees with a numerical gradient (several shapes, strides and paddings)"""
    x, w, b, dout, stride, pad, what = _problem(case)
    dx = _backward(ex, x, w, b, dout, stride, pad, what, "dx")
    mistakes = {
        FLIPPED_DX: _crop(_loop_backward(x, w, dout, stride, pad, flip=True)[0], pad, x.shape),
        DIVIDED: _crop(_loop_backward(x, w, dout, stride, pad)[0], pad, x.shape) / x.shape[0],
        OVERWRITE: _overwritten_dx(dx, x, w, dout, stride, pad),
    }
    if pad:
        dx_pad = _loop_backward(x, w, dout, stride, pad)[0]
        mistakes["the padding was cut off on the wrong side: dx = dx_pad[:, pad : pad + H, pad : pad + W, :]."] = (
            dx_pad[:, : x.shape[1], : x.shape[2]]
        )
    gradcheck(
        lambda v: np.sum(_forward(v, w, b, stride, pad) * dout),
        dx,
        x,
        what=f"dx from {what}",
        mistakes=mistakes,
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_dw_matches_numerical_gradient(ex, case):
    """dw agrees with a numerical gradient (several shapes, strides and paddings)"""
    x, w, b, dout, stride, pad, what = _problem(case)
    dw = _backward(ex, x, w, b, dout, stride, pad, what, "dw")
    exact = _loop_backward(x, w, dout, stride, pad)[1]
    mistakes = {FLIPPED_DW: exact[::-1, ::-1], DIVIDED: exact / x.shape[0]}
    mistakes[OVERWRITE] = _loop_backward(x, w, dout, stride, pad, assign=True)[1]
    gradcheck(lambda v: np.sum(_forward(x, v, b, stride, pad) * dout), dw, w, what=f"dw from {what}", mistakes=mistakes)


@pytest.mark.parametrize("case", CASES[:3], ids=lambda c: "-".join(map(str, c)))
def test_db_matches_numerical_gradient(ex, case):
    """db agrees with a numerical gradient (several shapes, strides and paddings)"""
    x, w, b, dout, stride, pad, what = _problem(case)
    db = _backward(ex, x, w, b, dout, stride, pad, what, "db")
    gradcheck(
        lambda v: np.sum(_forward(x, w, v, stride, pad) * dout),
        db,
        b,
        what=f"db from {what}",
        mistakes={DIVIDED: dout.sum(axis=(0, 1, 2)) / x.shape[0]},
    )
