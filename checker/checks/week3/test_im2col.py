"""Hidden checks for exercise 25 (im2col).

The expected matrices and convolutions come from plain Python loops written
here, independently of the learner's code.  The speed check times the learner's
conv2d_forward_fast against such a loop convolution in the same run and asks for
a ratio (≥ 20×), not an absolute time, so a slow or busy machine does not matter.
"""

import gc
import math
import secrets
import time

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, call_unchanged, fail, learner_cpu_time, rng

TARGET = 20.0  # conv2d_forward_fast must be at least this many times faster than the loop
BUDGET_S = 1.5  # the longest the speed check keeps measuring
# CPU time of the learner's processes (every thread and child), from the kernel (see learner_cpu_time).
_CLOCK = learner_cpu_time
# The yardstick, the loop convolution, runs here in the judge, timed by this process's own CPU clock: the
# learner's code cannot slow it down (a thread burning CPU while it runs would count against it otherwise).
_JUDGE_CLOCK = time.process_time


def _out_size(size, k, stride, pad):
    return (size + 2 * pad - k) // stride + 1


def _patches(x, kh, kw, stride, pad):
    """patches[n, i, j] = the (kh, kw, C) patch of output position (n, i, j), by loops."""
    N, H, W, C = x.shape
    x_pad = np.zeros((N, H + 2 * pad, W + 2 * pad, C))
    x_pad[:, pad : pad + H, pad : pad + W, :] = x
    H_out, W_out = _out_size(H, kh, stride, pad), _out_size(W, kw, stride, pad)
    patches = np.zeros((N, H_out, W_out, kh, kw, C))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                patches[n, i, j] = x_pad[n, i * stride : i * stride + kh, j * stride : j * stride + kw, :]
    return patches


def _flat(patches):
    N, H_out, W_out = patches.shape[:3]
    return patches.reshape(N * H_out * W_out, -1)


def _cols_mistakes(patches):
    """What typical wrong orders of the same numbers would give (only those of the right shape count)."""
    return {
        "each row is flattened channel-first, in (C, kh, kw) order (the NCHW layout of other courses). "
        "Here a row is the (kh, kw, C) patch flattened as it is: patch.reshape(-1), "
        "so that it lines up with w.reshape(KH·KW·C_in, C_out).": _flat(patches.transpose(0, 1, 2, 5, 3, 4)),
        "each row is flattened in (kw, kh, C) order: the kernel's rows and columns are swapped. "
        "Keep the patch axes in (kh, kw, C) order.": _flat(patches.transpose(0, 1, 2, 4, 3, 5)),
        "the rows are in (n, j, i) order (columns of output positions first). "
        "Row r must be output position (n, i, j) with r = (n·H_out + i)·W_out + j.": _flat(patches.transpose(0, 2, 1, 3, 4, 5)),
    }


def _naive_conv(x, w, b, stride, pad):
    """The straightforward convolution of exercise 22: Python loops over images and output positions."""
    N, H, W, _ = x.shape
    KH, KW, _, C_out = w.shape
    x_pad = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    H_out, W_out = _out_size(H, KH, stride, pad), _out_size(W, KW, stride, pad)
    out = np.zeros((N, H_out, W_out, C_out))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                patch = x_pad[n, i * stride : i * stride + KH, j * stride : j * stride + KW, :]
                out[n, i, j] = np.tensordot(patch, w, axes=3) + b
    return out


def _check_cols_shape(got, x, kh, kw, stride, pad, what, inputs):
    """A shape check that explains H_out, W_out and the layout of the matrix."""
    N, H, W, C = x.shape
    H_out, W_out = _out_size(H, kh, stride, pad), _out_size(W, kw, stride, pad)
    expected = (N * H_out * W_out, kh * kw * C)
    got = assert_array(got, what=what)
    if got.shape == expected:
        return got

    def rows(s, p):
        return N * _out_size(H, kh, s, p) * _out_size(W, kw, s, p)

    if got.ndim != 2:
        hint = ("im2col returns a 2-D matrix: reshape your (N, H_out, W_out, kh, kw, C) array of patches "
                "to (N·H_out·W_out, kh·kw·C).")
    elif got.shape == expected[::-1]:
        hint = "The matrix is transposed: one ROW per output position, one column per patch entry."
    elif got.shape[1] == expected[1] and pad and got.shape[0] == rows(stride, 0):
        hint = f"The row count is that without padding: pad x with {pad} zero(s) on each side of H and W first."
    elif got.shape[1] == expected[1] and stride > 1 and got.shape[0] == rows(1, pad):
        hint = f"The row count is that of stride 1: with stride {stride}, keep only every {stride}th window."
    else:
        hint = "Check H_out = (H + 2·pad − kh) // stride + 1 and W_out = (W + 2·pad − kw) // stride + 1."
    fail(
        f"{what} returned an array of shape {got.shape}, expected shape {expected}: "
        f"N·H_out·W_out = {N}·{H_out}·{W_out} rows and kh·kw·C = {kh}·{kw}·{C} columns.\n"
        + (f"x has shape {x.shape}.\n" if not inputs else "")
        + hint
    )


def _call_fast(ex, x, w, b, stride, pad):
    """conv2d_forward_fast with its inputs guarded; checks it returns one array of the right shape."""
    what = f"conv2d_forward_fast(x, w, b, stride={stride}, pad={pad})"
    got = call_unchanged(ex.conv2d_forward_fast, x, w, b, stride, pad, what="conv2d_forward_fast",
                         names=["x", "w", "b", "stride", "pad"])
    if isinstance(got, tuple):
        fail(f"{what} returned a tuple of {len(got)} items.\n"
             "conv2d_forward_fast returns ONLY the output array `out`, not (out, cache).")
    N, H, W, _ = x.shape
    KH, KW, _, C_out = w.shape
    shape = (N, _out_size(H, KH, stride, pad), _out_size(W, KW, stride, pad), C_out)
    got = assert_array(got, what=what)
    if got.shape != shape:
        hint = ("Reshape the (N·H_out·W_out, C_out) result of the matrix product to (N, H_out, W_out, C_out)."
                if got.ndim == 2 else "Check H_out = (H + 2·pad − KH) // stride + 1 and W_out likewise.")
        fail(f"{what} returned an array of shape {got.shape}, expected {shape} for x of shape {x.shape} "
             f"and w of shape {w.shape}.\n{hint}")
    return got


# --------------------------------------------------------------------------- im2col


def test_im2col_tiny_example(ex):
    """im2col on a 3×3 image with a 2×2 window: four rows you can check by hand"""
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    inputs = {"x[0, :, :, 0]": x[0, :, :, 0]}
    got = _check_cols_shape(ex.im2col(x, 2, 2, 1, 0), x, 2, 2, 1, 0, "im2col(x, kh=2, kw=2, stride=1, pad=0)", inputs)
    expected = np.array([[0.0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]])
    patches = expected.reshape(1, 2, 2, 2, 2, 1)
    mistakes = _cols_mistakes(patches)
    mistakes["the matrix is transposed: one ROW per output position (the 2×2 patch flattened), "
             "one column per patch entry."] = expected.T
    assert_close(got, expected, what="im2col(x, kh=2, kw=2, stride=1, pad=0)", inputs=inputs, mistakes=mistakes)


CASES = [  # (x shape, kh, kw, stride, pad)
    ((1, 4, 4, 2), 2, 2, 1, 0),
    ((2, 5, 4, 3), 3, 2, 1, 0),
    ((2, 5, 5, 2), 3, 3, 2, 1),
    ((3, 6, 7, 1), 2, 3, 2, 0),
    ((2, 4, 6, 3), 3, 3, 1, 2),
    ((1, 7, 5, 2), 1, 1, 3, 1),
]


@pytest.mark.parametrize("shape, kh, kw, stride, pad", CASES, ids=lambda v: str(v).replace(" ", ""))
def test_im2col_matches_loops(ex, shape, kh, kw, stride, pad):
    """im2col equals patches copied by loops: channels, batches, non-square windows, stride, padding"""
    x = rng(sum(shape) * 7 + kh * 3 + kw + stride * 11 + pad).normal(size=shape)
    what = f"im2col(x, kh={kh}, kw={kw}, stride={stride}, pad={pad}) with x of shape {shape}"
    got = call_unchanged(ex.im2col, x, kh, kw, stride, pad, what="im2col", names=["x", "kh", "kw", "stride", "pad"])
    got = _check_cols_shape(got, x, kh, kw, stride, pad, what, None)
    patches = _patches(x, kh, kw, stride, pad)
    assert_close(got, _flat(patches), what=what, mistakes=_cols_mistakes(patches),
                 hint="Row r = (n·H_out + i)·W_out + j holds x_pad[n, i·stride : i·stride + kh, j·stride : j·stride + kw, :].reshape(-1).")


# --------------------------------------------------------------------------- conv2d_forward_fast


def test_conv_fast_tiny_example(ex):
    """conv2d_forward_fast on one 3×3 image with one 2×2 filter and a bias"""
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    w = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)
    b = np.array([0.5])
    # out[i, j] = x[i, j] - x[i+1, j+1] + 0.5 = -4 + 0.5 everywhere
    expected = np.full((1, 2, 2, 1), -3.5)
    got = _call_fast(ex, x, w, b, 1, 0)
    assert_close(
        got, expected, what="conv2d_forward_fast(x, w, b, stride=1, pad=0)",
        inputs={"x[0, :, :, 0]": x[0, :, :, 0], "w[:, :, 0, 0]": w[:, :, 0, 0], "b": b},
        mistakes={
            "the bias is missing: add b (one value per filter) after the matrix product.": expected - 0.5,
            "the kernel is flipped (a true convolution). The course's convolution, like tf.nn.conv2d, "
            "does not flip w: out = im2col(x) @ w.reshape(-1, C_out) + b.": -expected + 1.0,
        },
    )


CONV_CASES = [  # (x shape, w shape, stride, pad)
    ((2, 5, 5, 3), (3, 3, 3, 4), 1, 1),
    ((1, 6, 4, 2), (2, 3, 2, 3), 1, 0),
    ((3, 7, 6, 2), (3, 2, 2, 5), 2, 1),
    ((2, 8, 8, 1), (3, 3, 1, 2), 2, 0),
    ((4, 4, 5, 3), (1, 1, 3, 2), 1, 0),
]


@pytest.mark.parametrize("x_shape, w_shape, stride, pad", CONV_CASES, ids=lambda v: str(v).replace(" ", ""))
def test_conv_fast_equals_the_loop_convolution(ex, x_shape, w_shape, stride, pad):
    """conv2d_forward_fast equals a loop convolution for several shapes, strides and paddings"""
    g = rng(sum(x_shape) * 13 + sum(w_shape) + stride * 5 + pad)
    x, w, b = g.normal(size=x_shape), g.normal(size=w_shape), g.normal(size=w_shape[3])
    got = _call_fast(ex, x, w, b, stride, pad)
    expected = _naive_conv(x, w, b, stride, pad)
    KH, KW, C_in, C_out = w_shape
    mistakes = {
        "the bias is missing: add b (one value per filter) after the matrix product.": _naive_conv(x, w, 0 * b, stride, pad),
        "the kernel is flipped (a true convolution). The course's convolution, like tf.nn.conv2d, "
        "does not flip w.": _naive_conv(x, w[::-1, ::-1], b, stride, pad),
    }
    if C_out > 1:
        wrong = w.reshape(C_out, KH * KW * C_in).T.reshape(w_shape)
        mistakes["the filters are reshaped in the wrong order: use w.reshape(KH·KW·C_in, C_out), whose rows "
                 "follow the (KH, KW, C_in) order of the im2col rows (not w.reshape(C_out, -1).T)."] = _naive_conv(x, wrong, b, stride, pad)
    if C_in > 1:
        channels_first = w.transpose(2, 0, 1, 3).reshape(KH * KW * C_in, C_out).reshape(w_shape)
        mistakes["the filters are flattened channel-first, in (C_in, KH, KW) order (w.transpose(2, 0, 1, 3)): "
                 "the rows of the weight matrix must follow the (KH, KW, C_in) order of the im2col rows, "
                 "w.reshape(KH·KW·C_in, C_out) as it is."] = _naive_conv(x, channels_first, b, stride, pad)
    assert_close(got, expected, what=f"conv2d_forward_fast(x, w, b, stride={stride}, pad={pad}) with x of shape "
                 f"{x_shape} and w of shape {w_shape}", mistakes=mistakes)


# --------------------------------------------------------------------------- speed


def _best_times(fast, naive, make_args):
    """Best-of CPU times of both functions, interleaved in the same run.

    The learner's function runs where their code runs, timed by the CPU time of their
    processes (_CLOCK); the loop convolution runs here, timed by this process's CPU
    time (_JUDGE_CLOCK): CPU time, not wall-clock time, so that other programs taking
    turns on a busy machine do not count; on fresh inputs every time, so that a result
    remembered from before (or computed ahead from known seeds) saves nothing; and the minimum over repeats, since
    interference only ever adds time.  It stops as soon as the ratio clears the
    target (after two rounds); a slower code keeps being measured until BUDGET_S
    of wall-clock time, so that bad luck with the machine cannot fail a fast one.
    """
    t_fast = t_naive = math.inf
    start = time.perf_counter()
    rounds = 0
    enabled = gc.isenabled()
    gc.disable()
    try:
        while True:
            args = make_args(rounds)  # fresh inputs every round: a result remembered from before saves nothing
            t0 = _JUDGE_CLOCK()
            naive(*args)
            t_naive = min(t_naive, _JUDGE_CLOCK() - t0)
            for repeat in range(3):
                args = make_args(rounds * 3 + repeat + 1000)
                t0 = _CLOCK()
                fast(*args)
                t_fast = min(t_fast, _CLOCK() - t0)
                if time.perf_counter() - start > BUDGET_S:
                    break
            rounds += 1
            if (rounds >= 2 and t_naive >= TARGET * t_fast) or time.perf_counter() - start > BUDGET_S:
                return t_naive, max(t_fast, 1e-9)
    finally:
        if enabled:
            gc.enable()


def test_conv_fast_is_at_least_20x_faster_than_loops(ex):
    """conv2d_forward_fast is at least 20× faster than a loop convolution (timed in the same run)"""
    g = rng(2025)
    x, w, b = g.random(size=(64, 8, 8, 1)), g.normal(size=(3, 3, 1, 8)), g.normal(size=8)
    stride, pad = 1, 1
    got = _call_fast(ex, x, w, b, stride, pad)  # also a warm-up call
    expected = _naive_conv(x, w, b, stride, pad)
    what = f"conv2d_forward_fast(x, w, b, stride={stride}, pad={pad}) with x of shape {x.shape} and w of shape {w.shape}"
    assert_close(got, expected, what=what)

    salt = secrets.randbits(64)  # drawn here, in the judge: code that knows the seeds cannot foresee the inputs

    def fresh(seed):
        h = np.random.default_rng((seed, salt))
        return h.random(size=x.shape), h.normal(size=w.shape), h.normal(size=b.shape), stride, pad

    t_naive, t_fast = _best_times(ex.conv2d_forward_fast, _naive_conv, fresh)
    ratio = t_naive / t_fast
    if ratio < TARGET:
        fail(
            f"conv2d_forward_fast is too slow: on x of shape {x.shape} (64 images of 8×8) with w of shape {w.shape}, "
            f"stride 1, pad 1, it took {t_fast * 1e3:.2f} ms, and a naive loop convolution (as in exercise 22) took "
            f"{t_naive * 1e3:.1f} ms in the same run (CPU time, best of several runs each).\n"
            f"Yours is {ratio:.1f}× as fast as the loops; the target is at least {TARGET:.0f}×.\n"
            "Likely mistake: a Python loop over the images or the output positions (building the im2col "
            "matrix row by row, or calling a loop convolution). Build all patches at once "
            "(sliding_window_view, or a loop over the kh·kw kernel offsets only) and do ONE matrix product."
        )
