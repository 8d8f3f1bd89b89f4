"""Exercise 25 (im2col): the reference solution against TensorFlow, and typical
mistakes (and legitimate alternatives) run through the real engine."""

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import CATALOG, SOLUTIONS, mutate, run_source, solution

sol = solution("im2col")

CASES = [  # (x shape, kh, kw, stride, pad)
    ((2, 5, 5, 3), 3, 3, 1, 1),
    ((1, 6, 4, 2), 2, 3, 1, 0),
    ((3, 7, 6, 2), 3, 2, 2, 1),
    ((2, 9, 8, 1), 3, 3, 2, 0),
    ((4, 4, 5, 3), 1, 1, 1, 2),
    ((1, 10, 7, 4), 4, 2, 3, 1),
]


def _pad(x, pad):
    return np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))


@pytest.mark.parametrize("shape, kh, kw, stride, pad", CASES)
def test_im2col_equals_tf_extract_patches(shape, kh, kw, stride, pad):
    """tf.image.extract_patches flattens each patch in (kh, kw, C) order, positions row-major."""
    x = np.random.default_rng(sum(shape) + kh + kw).normal(size=shape)
    patches = tf.image.extract_patches(_pad(x, pad), sizes=[1, kh, kw, 1], strides=[1, stride, stride, 1],
                                       rates=[1, 1, 1, 1], padding="VALID").numpy()
    np.testing.assert_array_equal(sol.im2col(x, kh, kw, stride, pad), patches.reshape(-1, kh * kw * shape[3]))


@pytest.mark.parametrize("shape, kh, kw, stride, pad", CASES)
def test_conv_fast_equals_tf_conv2d(shape, kh, kw, stride, pad):
    g = np.random.default_rng(100 + sum(shape))
    x, w, b = g.normal(size=shape), g.normal(size=(kh, kw, shape[3], 5)), g.normal(size=5)
    expected = tf.nn.conv2d(_pad(x, pad), w, strides=stride, padding="VALID").numpy() + b
    np.testing.assert_allclose(sol.conv2d_forward_fast(x, w, b, stride, pad), expected, rtol=1e-10, atol=1e-12)


def test_conv_fast_equals_tf_same_padding():
    """For stride 1 and an odd k×k kernel, pad = (k − 1) / 2 is TensorFlow's 'SAME'."""
    g = np.random.default_rng(7)
    x, w, b = g.normal(size=(3, 6, 9, 2)), g.normal(size=(5, 5, 2, 4)), g.normal(size=4)
    expected = tf.nn.conv2d(x, w, strides=1, padding="SAME").numpy() + b
    np.testing.assert_allclose(sol.conv2d_forward_fast(x, w, b, 1, 2), expected, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- through the engine

LOOP_IM2COL = '''
    cols = np.empty((N * H_out * W_out, kh * kw * C))
    r = 0
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                cols[r] = x_pad[n, i * stride : i * stride + kh, j * stride : j * stride + kw, :].reshape(-1)
                r += 1
    return cols
'''

FANCY_IM2COL = '''
    i = (np.arange(H_out) * stride)[:, None, None, None] + np.arange(kh)[None, None, :, None]
    j = (np.arange(W_out) * stride)[None, :, None, None] + np.arange(kw)[None, None, None, :]
    return x_pad[:, i, j, :].reshape(N * H_out * W_out, kh * kw * C)
'''


def _replace_im2col_body(tmp_path, body):
    """The solution with im2col's patch-gathering lines replaced by `body`, run through the engine."""
    source = (SOLUTIONS / CATALOG.get("im2col").file).read_text(encoding="utf-8")
    start = source.index("    # windows[n, i, j, c, u, v]")
    end = source.index("def conv2d_forward_fast")
    return run_source("im2col", source[:start] + body.lstrip("\n") + "\n\n" + source[end:], tmp_path)


def test_channel_first_rows_are_named(tmp_path):
    verdict = mutate("im2col", tmp_path, "windows.transpose(0, 1, 2, 4, 5, 3)", "windows")
    assert verdict.status == "failed"
    assert "channel-first" in verdict.message


def test_returning_a_cache_is_named(tmp_path):
    verdict = mutate("im2col", tmp_path, "return out.reshape(N, H_out, W_out, C_out)",
                     "return out.reshape(N, H_out, W_out, C_out), (x, w, b)")
    assert verdict.status == "failed"
    assert "ONLY the output array" in verdict.message


def test_loop_built_im2col_fails_the_speed_check(tmp_path):
    verdict = _replace_im2col_body(tmp_path, LOOP_IM2COL)
    assert verdict.status == "failed"
    assert verdict.n_passed == verdict.n_total - 1  # correct values: only the speed check fails
    assert "too slow" in verdict.message and "20×" in verdict.message and "Python loop" in verdict.message


def test_fancy_indexing_im2col_passes(tmp_path):
    verdict = _replace_im2col_body(tmp_path, FANCY_IM2COL)
    assert verdict.status == "passed", verdict.message


def test_filters_flattened_channel_first_are_named(tmp_path):
    verdict = mutate("im2col", tmp_path, "w.reshape(KH * KW * C_in, C_out)",
                     "w.transpose(2, 0, 1, 3).reshape(KH * KW * C_in, C_out)")
    assert verdict.status == "failed"
    assert "flattened channel-first, in (C_in, KH, KW) order" in verdict.message, verdict.message
