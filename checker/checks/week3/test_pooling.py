"""Hidden checks for exercise 24 (pooling).

Expected outputs come from numpy's sliding_window_view (all windows at once,
then a max over the two window axes); expected gradients are central
differences of L = Σ out · dout on tie-free inputs (distinct values far apart),
except in the one check about ties, which states the convention.  Typical
mistakes (an average-pooling gradient, pooling across channels, = instead of +=
on overlapping windows) are simulated with plain loops to name them.
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

SPREAD = (
    "the gradient is spread over the whole window (that is the average-pooling gradient): in max pooling "
    "only the position of the window's max receives dout, every other position gets 0 from that window."
)
COPIED = (
    "dout was copied to every position of the window: in max pooling only the position of the window's max "
    "receives the gradient, every other position gets 0 from that window."
)
ACROSS = (
    "the max was taken across the channels too: each channel is pooled on its own, so take the max over the "
    "window's rows and columns only (axes 0 and 1 of the window x[n, rows, cols, :])."
)
OVERWRITE = (
    "gradients of overlapping windows overwrite each other (= instead of +=): a pixel that is the max of "
    "several windows receives the gradient of each of them, so accumulate with +=."
)
NO_OFFSET = (
    "the max's (row, col) is relative to the window: add the window's corner, "
    "dx[n, i·stride + row, j·stride + col, c] += dout[n, i, j, c]."
)
NO_STRIDE = "the window starts at row i instead of i·stride (and column j instead of j·stride)."
AVERAGE = "this is average pooling (the mean of each window); max pooling keeps the window's largest value."


def _windows(x, size, stride):
    """All pooling windows: shape (N, H_out, W_out, C, size, size)."""
    return sliding_window_view(x, (size, size), axis=(1, 2))[:, ::stride, ::stride]


def _pool(x, size, stride):
    return _windows(x, size, stride).max(axis=(-2, -1))


def _route(x, dout, size, stride, how="max"):
    """dx by plain loops: the right routing ("max") or a typical mistake."""
    dx = np.zeros(x.shape)
    n_images, h_out, w_out, channels = dout.shape
    for n in range(n_images):
        for i in range(h_out):
            for j in range(w_out):
                rows, cols = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
                for c in range(channels):
                    window, g = x[n, rows, cols, c], dout[n, i, j, c]
                    if how == "avg":
                        dx[n, rows, cols, c] += g / size**2
                    elif how == "copy":
                        dx[n, rows, cols, c] += g
                    elif how == "ties":
                        dx[n, rows, cols, c] += g * (window == window.max())
                    elif how == "across":
                        block = x[n, rows, cols, :]
                        r, q, k = np.unravel_index(np.argmax(block), block.shape)
                        dx[n, i * stride + r, j * stride + q, k] += g
                    else:
                        if how == "last":
                            k = size * size - 1 - np.argmax(window.reshape(-1)[::-1])
                            r, q = divmod(k, size)
                        elif how == "column":
                            q, r = divmod(np.argmax(window.T.reshape(-1)), size)
                        else:
                            r, q = divmod(np.argmax(window.reshape(-1)), size)
                        if how == "assign":
                            dx[n, i * stride + r, j * stride + q, c] = g
                        elif how == "no_offset":
                            dx[n, r, q, c] += g
                        else:
                            dx[n, i * stride + r, j * stride + q, c] += g
    return dx


def _distinct(g, shape):
    """Values 0.1 apart in a random order: no ties, so the max is never ambiguous."""
    return (g.permutation(int(np.prod(shape))) - np.prod(shape) / 2).reshape(shape) / 10.0


def _forward(ex, x, size=None, stride=None, what="max_pool_forward"):
    """The learner's forward (x guarded), checked to return (out, cache) with out of the right shape."""
    kwargs = {k: v for k, v in (("size", size), ("stride", stride)) if v is not None}
    result = call_unchanged(ex.max_pool_forward, x, what="max_pool_forward", names=["x"], **kwargs)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        fail(
            f"{what} returned {type_name(result)}, expected a pair (out, cache).\n"
            "End with `return out, cache`, where cache holds what the backward pass needs, e.g. (x, size, stride)."
        )
    out = assert_array(result[0], what=f"{what} (its first result, out)")
    size, stride = size or 2, stride or 2
    n, h, w, c = x.shape
    expected = (n, (h - size) // stride + 1, (w - size) // stride + 1, c)
    if out.shape != expected:
        sizes = {
            "the + 1 is missing: H_out = (H − size) // stride + 1.": lambda s: (s - size) // stride,
            "the stride is ignored: the window moves `stride` pixels at a time.": lambda s: s - size + 1,
            "windows that stick out of the image were used: H_out = (H − size) // stride + 1 keeps only those "
            "that fit.": lambda s: s // stride,
            "windows that stick out of the image were used (rounded up): H_out = (H − size) // stride + 1 keeps "
            "only those that fit.": lambda s: -(-s // stride),
        }
        likely = ""
        wrong = [a for a in (1, 2) if out.ndim == 4 and out.shape[a] != expected[a]]
        if out.ndim == 4 and wrong and out.shape[0] == n and out.shape[3] == c:
            for text, f in sizes.items():
                if all(f(x.shape[a]) != expected[a] and out.shape[a] == f(x.shape[a]) for a in wrong):
                    likely = text
                    break
        elif out.shape == expected[:3] or out.shape == expected[:3] + (1,):
            likely = ACROSS
        fail(
            f"{what} returned `out` of shape {out.shape}, expected {expected}.\n"
            f"With H, W = {h}, {w}, size = {size} and stride = {stride}: "
            "H_out = (H − size) // stride + 1 and W_out = (W − size) // stride + 1, and one channel out per channel in."
            + (f"\nLikely mistake: {likely}" if likely else "")
        )
    return out, result[1]


def _backward(ex, x, dout, size, stride, what):
    """The learner's forward then backward on its cache (dout and x guarded); dx checked for shape."""
    _, cache = _forward(ex, x, size, stride, what=what.replace("max_pool_backward", "max_pool_forward"))
    before = snapshot([x])
    dx = call_unchanged(ex.max_pool_backward, dout, cache, what="max_pool_backward", names=["dout", "cache"])
    assert_unchanged({"x": before[0]}, {"x": x}, what="max_pool_backward (through the cache)")
    if isinstance(dx, (tuple, list)) and len(dx) == 1:
        fail(f"{what} returned a {type_name(dx)} of one array; return dx itself.")
    dx = assert_array(dx, what=what)
    if dx.shape != x.shape:
        likely = (
            "\nLikely mistake: dx has dout's shape; it must have x's shape (a gradient for every input pixel)."
            if dx.shape == dout.shape
            else ""
        )
        fail(f"{what} returned dx of shape {dx.shape}, expected x's shape {x.shape}.{likely}")
    return dx


def _plane(a):
    return a[0, :, :, 0]


# ---------------------------------------------------------------------------- forward

TINY = np.array([[1.0, 3.0, 2.0, 0.0], [4.0, 2.0, 8.0, 5.0], [0.0, 6.0, 1.0, 1.0], [7.0, 5.0, 3.0, 9.0]])


def test_forward_tiny(ex):
    """max_pool_forward on one 4×4 image, 2×2 windows, stride 2"""
    x = TINY.reshape(1, 4, 4, 1)
    out, _ = _forward(ex, x, what="max_pool_forward(x)")
    assert_close(
        _plane(out),
        np.array([[4.0, 8.0], [7.0, 9.0]]),
        what="max_pool_forward(x), shown as out[0, :, :, 0],",
        inputs={"x[0, :, :, 0]": TINY},
        mistakes={
            AVERAGE: np.array([[2.5, 3.75], [4.5, 3.5]]),
            "this is the min of each window; max pooling keeps the largest value.": np.array([[1.0, 0.0], [0.0, 1.0]]),
            NO_STRIDE: _plane(_pool(x, 2, 1))[:2, :2],
        },
    )


def test_forward_pools_each_channel_separately(ex):
    """each channel is pooled on its own"""
    # One 2×2 image with 3 channels: the channels' maxima are 4, 20 and -1.
    x = np.array([[[1.0, 10.0, -5.0], [4.0, 20.0, -1.0]], [[2.0, 0.0, -3.0], [3.0, 5.0, -2.0]]]).reshape(1, 2, 2, 3)
    out, _ = _forward(ex, x, what="max_pool_forward(x) with 3 channels")
    assert_close(
        out[0, 0, 0],
        np.array([4.0, 20.0, -1.0]),
        what="max_pool_forward(x) with 3 channels, shown as out[0, 0, 0, :],",
        inputs={f"x[0, :, :, {c}]": x[0, :, :, c] for c in range(3)},
        mistakes={ACROSS: np.array([20.0, 20.0, 20.0])},
    )


# (N, H, W, C, size, stride): non-square images, several images and channels, overlapping
# windows (size 3, stride 2), stride 1, and rows/columns that no window reaches.
CASES = [
    (2, 4, 6, 3, 2, 2),
    (3, 5, 7, 2, 3, 2),
    (1, 6, 5, 4, 2, 1),
    (2, 7, 7, 1, 3, 3),
    (2, 5, 4, 3, 2, 2),
]


def _ids(case):
    return "N{}-H{}-W{}-C{}-size{}-stride{}".format(*case)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_forward_values(ex, case):
    """max_pool_forward for several shapes, window sizes and strides"""
    n, h, w, c, size, stride = case
    x = rng(10 * h + w + size).normal(size=(n, h, w, c))
    what = f"max_pool_forward(x, size={size}, stride={stride}) with x of shape {x.shape}"
    out, _ = _forward(ex, x, size, stride, what=what)
    win = _windows(x, size, stride)
    assert_close(
        out,
        win.max(axis=(-2, -1)),
        what=what,
        mistakes={
            AVERAGE: win.mean(axis=(-2, -1)),
            ACROSS: np.broadcast_to(win.max(axis=(-3, -2, -1))[..., None], out.shape),
            NO_STRIDE: _pool(x, size, 1)[:, : out.shape[1], : out.shape[2]],
        },
    )


# ---------------------------------------------------------------------------- backward


def test_backward_tiny(ex):
    """max_pool_backward sends each dout to its window's max"""
    x, dout = TINY.reshape(1, 4, 4, 1), np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    dx = _backward(ex, x, dout, 2, 2, "max_pool_backward on the 4×4 image, 2×2 windows, stride 2")
    # The maxima 4, 8, 7, 9 sit at (1, 0), (1, 2), (3, 0) and (3, 3).
    expected = np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 0.0, 4.0]])
    assert_close(
        _plane(dx),
        expected,
        what="max_pool_backward on the 4×4 image, 2×2 windows, stride 2 (dx shown as dx[0, :, :, 0])",
        inputs={"x[0, :, :, 0]": TINY, "dout[0, :, :, 0]": _plane(dout)},
        mistakes={
            SPREAD: _plane(_route(x, dout, 2, 2, "avg")),
            COPIED: _plane(_route(x, dout, 2, 2, "copy")),
            NO_OFFSET: _plane(_route(x, dout, 2, 2, "no_offset")),
        },
        hint="Each dout[i, j] goes, whole, to the position of the max of window (i, j); the rest of dx is 0.",
    )


def test_backward_overlapping_windows_accumulate(ex):
    """overlapping windows (size 3, stride 2): a pixel that wins several windows adds up their gradients"""
    image = np.array(
        [
            [1.0, 0.0, 2.0, 0.0, 1.0],
            [0.0, 3.0, 0.0, 4.0, 0.0],
            [2.0, 0.0, 9.0, 0.0, 2.0],
            [0.0, 5.0, 0.0, 6.0, 0.0],
            [1.0, 0.0, 2.0, 0.0, 8.0],
        ]
    )
    x, dout = image.reshape(1, 5, 5, 1), np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    what = "max_pool_backward(dout, cache) with size=3, stride=2 on a 5×5 image"
    dx = _backward(ex, x, dout, 3, 2, what)
    expected = np.zeros((5, 5))
    expected[2, 2] = 1.0 + 2.0 + 3.0 + 4.0  # the 9 in the centre is the max of all four windows
    assert_close(
        _plane(dx),
        expected,
        what=what + " (dx shown as dx[0, :, :, 0])",
        inputs={"x[0, :, :, 0]": image, "dout[0, :, :, 0]": _plane(dout)},
        mistakes={
            OVERWRITE: _plane(_route(x, dout, 3, 2, "assign")),
            SPREAD: _plane(_route(x, dout, 3, 2, "avg")),
            COPIED: _plane(_route(x, dout, 3, 2, "copy")),
        },
        hint="The four 3×3 windows all contain the centre pixel (9), their max: it receives 1 + 2 + 3 + 4.",
    )


def test_backward_pools_each_channel_separately(ex):
    """each channel's gradient goes to that channel's max"""
    x = np.array([[[1.0, 10.0], [4.0, 2.0]], [[2.0, 0.0], [3.0, 5.0]]]).reshape(1, 2, 2, 2)
    dout = np.array([100.0, 7.0]).reshape(1, 1, 1, 2)
    what = "max_pool_backward on one 2×2 image with 2 channels"
    dx = _backward(ex, x, dout, 2, 2, what)
    expected = np.zeros((1, 2, 2, 2))
    expected[0, 0, 1, 0] = 100.0  # channel 0's max, 4, is at (0, 1)
    expected[0, 0, 0, 1] = 7.0  # channel 1's max, 10, is at (0, 0)

    def by_channel(a):
        return a[0].transpose(2, 0, 1)  # (C, H, W): one 2-D picture per channel

    assert_close(
        by_channel(dx),
        by_channel(expected),
        what=what + " (dx shown channel by channel: dx[0, :, :, 0], then dx[0, :, :, 1])",
        inputs={"x[0, :, :, 0]": x[0, :, :, 0], "x[0, :, :, 1]": x[0, :, :, 1], "dout[0, 0, 0, :]": dout[0, 0, 0]},
        mistakes={ACROSS: by_channel(_route(x, dout, 2, 2, "across"))},
    )


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_backward_matches_numerical_gradient(ex, case):
    """max_pool_backward agrees with a numerical gradient (several shapes, sizes, strides)"""
    n, h, w, c, size, stride = case
    g = rng(1000 + 10 * h + w + size)
    x = _distinct(g, (n, h, w, c))
    dout = g.normal(size=(n, (h - size) // stride + 1, (w - size) // stride + 1, c))
    what = f"max_pool_backward with x of shape {x.shape}, size={size}, stride={stride}"
    dx = _backward(ex, x, dout, size, stride, what)
    mistakes = {
        SPREAD: _route(x, dout, size, stride, "avg"),
        COPIED: _route(x, dout, size, stride, "copy"),
        NO_OFFSET: _route(x, dout, size, stride, "no_offset"),
    }
    if stride < size:
        mistakes[OVERWRITE] = _route(x, dout, size, stride, "assign")
    if c > 1:
        mistakes[ACROSS] = _route(x, dout, size, stride, "across")
    gradcheck(lambda v: np.sum(_pool(v, size, stride) * dout), dx, x, what=what, mistakes=mistakes)


def test_backward_ties_go_to_the_first_max(ex):
    """ties: the gradient goes only to the first max, row by row (the convention np.argmax follows)"""
    image = np.array([[3.0, 5.0, 2.0, 2.0], [5.0, 1.0, 2.0, 2.0]])
    x, dout = image.reshape(1, 2, 4, 1), np.array([[1.0, 2.0]]).reshape(1, 1, 2, 1)
    what = "max_pool_backward on a 2×4 image whose windows hold their max twice (5, 5) and four times (2, 2, 2, 2)"
    dx = _backward(ex, x, dout, 2, 2, what)
    # Window 1: the 5 at (0, 1) comes before the 5 at (1, 0). Window 2: the 2 at (0, 2) comes first.
    expected = np.array([[0.0, 1.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    assert_close(
        _plane(dx),
        expected,
        what=what + " (dx shown as dx[0, :, :, 0])",
        inputs={"x[0, :, :, 0]": image, "dout[0, :, :, 0]": _plane(dout)},
        mistakes={
            "every tied position received the gradient (a mask like window == window.max()): by the convention "
            "of this exercise only the first max in row-major order does.": _plane(_route(x, dout, 2, 2, "ties")),
            "the gradient went to the LAST tied max; the convention is the first one in row-major order (np.argmax "
            "of the flattened window).": _plane(_route(x, dout, 2, 2, "last")),
            "the ties were broken column by column; the convention is row by row (np.argmax of "
            "window.reshape(-1), then divmod(k, size)).": _plane(_route(x, dout, 2, 2, "column")),
            SPREAD: _plane(_route(x, dout, 2, 2, "avg")),
        },
        hint="Convention: the first max in row-major order (row by row, left to right), as np.argmax finds it.",
    )
