"""Exercise 22 (conv_forward): the reference solution against tf.nn.conv2d, and
typical mistakes caught with the message that names them."""

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import mutate, solution

sol = solution("conv_forward")
TAP = "np.tensordot(window, w, axes=3) + b"
PAD = "((0, 0), (pad, pad), (pad, pad), (0, 0))"

# (N, H, W, C_in, C_out, KH, KW, stride, pad)
CASES = [
    (2, 5, 7, 3, 4, 3, 2, 1, 0),
    (3, 6, 5, 2, 3, 3, 3, 2, 1),
    (1, 7, 8, 1, 2, 2, 3, 2, 2),
    (2, 9, 6, 2, 5, 5, 3, 3, 2),
    (4, 8, 8, 3, 1, 1, 1, 1, 0),
    (1, 1, 2, 2, 2, 3, 3, 1, 1),
]


def _tf_conv(x, w, b, stride, pad):
    """tf.nn.conv2d (a cross-correlation) with explicit zero padding and 'VALID'."""
    x_pad = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    return (tf.nn.conv2d(x_pad, w, strides=stride, padding="VALID") + b).numpy()


@pytest.mark.parametrize("n, h, wd, c_in, c_out, kh, kw, stride, pad", CASES)
def test_equals_tf_conv2d(n, h, wd, c_in, c_out, kh, kw, stride, pad):
    g = np.random.default_rng(h * 100 + wd * 10 + kh)
    x, w, b = g.normal(size=(n, h, wd, c_in)), g.normal(size=(kh, kw, c_in, c_out)), g.normal(size=c_out)
    out, _ = sol.conv2d_forward(x, w, b, stride=stride, pad=pad)
    expected = _tf_conv(x, w, b, stride, pad)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("k", [3, 5])
def test_equals_tf_same_padding_for_odd_kernels(k):
    """With stride 1 and pad = (K - 1) / 2, zero padding is exactly TF's 'SAME'."""
    g = np.random.default_rng(k)
    x, w, b = g.normal(size=(2, 6, 5, 3)), g.normal(size=(k, k, 3, 2)), g.normal(size=2)
    out, _ = sol.conv2d_forward(x, w, b, pad=(k - 1) // 2)
    np.testing.assert_allclose(out, (tf.nn.conv2d(x, w, 1, "SAME") + b).numpy(), rtol=1e-10, atol=1e-10)


def test_float32_images():
    g = np.random.default_rng(3)
    x = g.random(size=(2, 6, 6, 3)).astype(np.float32)
    w, b = g.normal(size=(3, 3, 3, 4)), g.normal(size=4)
    out, _ = sol.conv2d_forward(x, w, b, stride=2, pad=1)
    np.testing.assert_allclose(out, _tf_conv(x.astype(float), w, b, 2, 1), rtol=1e-6, atol=1e-6)


def test_inputs_unchanged():
    g = np.random.default_rng(4)
    x, w, b = g.normal(size=(2, 4, 4, 2)), g.normal(size=(3, 3, 2, 2)), g.normal(size=2)
    copies = [a.copy() for a in (x, w, b)]
    sol.conv2d_forward(x, w, b, stride=1, pad=1)
    for a, c in zip((x, w, b), copies):
        np.testing.assert_array_equal(a, c)


def test_flipped_kernel_is_named(tmp_path):
    verdict = mutate("conv_forward", tmp_path, TAP, "np.tensordot(window, w[::-1, ::-1], axes=3) + b")
    assert verdict.status == "failed"
    assert "kernel is flipped" in verdict.message and "cross-correlation" in verdict.message


def test_missing_bias_is_named(tmp_path):
    verdict = mutate("conv_forward", tmp_path, TAP, "np.tensordot(window, w, axes=3)")
    assert verdict.status == "failed"
    assert "bias b is missing" in verdict.message


def test_bias_per_input_channel_is_named(tmp_path):
    verdict = mutate("conv_forward", tmp_path, TAP, "np.tensordot(window, w, axes=3) + w.shape[2] * b")
    assert verdict.status == "failed"
    assert "once per input channel" in verdict.message


def test_one_sided_padding_is_named(tmp_path):
    verdict = mutate("conv_forward", tmp_path, PAD, "((0, 0), (0, 2 * pad), (0, 2 * pad), (0, 0))")
    assert verdict.status == "failed"
    assert "padding is on one side only" in verdict.message


def test_output_size_off_by_one_is_named(tmp_path):
    old = "h_out = (height + 2 * pad - kh) // stride + 1"
    verdict = mutate("conv_forward", tmp_path, old, "h_out = (height + 2 * pad - kh) // stride")
    assert verdict.status == "failed"
    assert "the + 1 is missing" in verdict.message


def test_swapped_kernel_axes_are_named(tmp_path):
    verdict = mutate(
        "conv_forward", tmp_path, TAP, "np.tensordot(window, w.transpose(1, 0, 2, 3) if kh == kw else w, axes=3) + b"
    )
    assert verdict.status == "failed"
    assert "height and width axes are swapped" in verdict.message
