"""Exercise 24 (pooling): the reference solution against tf.nn.max_pool2d and its
gradient through tf.GradientTape, and typical mistakes caught with the message
that names them."""

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import mutate, solution

sol = solution("pooling")
ROUTE = "dx[n, i * stride + rows, j * stride + cols, every_channel] += dout[n, i, j]"

# (N, H, W, C, size, stride): non-overlapping, overlapping (3, 2), stride 1, leftover rows.
CASES = [(2, 4, 6, 3, 2, 2), (3, 5, 7, 2, 3, 2), (1, 6, 5, 4, 2, 1), (2, 7, 7, 1, 3, 3), (2, 5, 4, 3, 2, 2)]


def _tf_pool_and_grad(x, dout, size, stride):
    tx = tf.Variable(x)
    with tf.GradientTape() as tape:
        out = tf.nn.max_pool2d(tx, ksize=size, strides=stride, padding="VALID")
        loss = tf.reduce_sum(out * dout)
    return out.numpy(), tape.gradient(loss, tx).numpy()


@pytest.mark.parametrize("case", CASES)
def test_equals_tf_max_pool2d_without_ties(case):
    n, h, w, c, size, stride = case
    g = np.random.default_rng(sum(case))
    x = g.permutation(n * h * w * c).reshape(n, h, w, c) / 10.0  # distinct values: no ties
    dout = g.normal(size=(n, (h - size) // stride + 1, (w - size) // stride + 1, c))
    expected_out, expected_dx = _tf_pool_and_grad(x, dout, size, stride)
    out, cache = sol.max_pool_forward(x, size=size, stride=stride)
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_allclose(sol.max_pool_backward(dout, cache), expected_dx, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size, stride", [(2, 2), (3, 2)])
def test_tie_convention_matches_tf_cpu(size, stride):
    """The stated convention (first max in row-major order) is also TensorFlow's on CPU."""
    g = np.random.default_rng(size)
    x = g.integers(0, 3, size=(2, 7, 7, 2)).astype(float)  # many ties
    dout = g.normal(size=(2, (7 - size) // stride + 1, (7 - size) // stride + 1, 2))
    _, expected_dx = _tf_pool_and_grad(x, dout, size, stride)
    _, cache = sol.max_pool_forward(x, size=size, stride=stride)
    np.testing.assert_allclose(sol.max_pool_backward(dout, cache), expected_dx, rtol=1e-12, atol=1e-12)


def test_defaults_and_inputs_unchanged():
    x = np.random.default_rng(0).normal(size=(1, 4, 4, 2))
    dout = np.ones((1, 2, 2, 2))
    x0, d0 = x.copy(), dout.copy()
    out, cache = sol.max_pool_forward(x)
    assert out.shape == (1, 2, 2, 2)
    sol.max_pool_backward(dout, cache)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, d0)


def test_average_pooling_gradient_is_named(tmp_path):
    new = "dx[n, i * stride : i * stride + size, j * stride : j * stride + size, :] += dout[n, i, j] / size**2"
    verdict = mutate("pooling", tmp_path, ROUTE, new)
    assert verdict.status == "failed"
    assert "gradient is spread over the whole window" in verdict.message
    assert "average-pooling gradient" in verdict.message


def test_pooling_across_channels_is_named(tmp_path):
    verdict = mutate("pooling", tmp_path, "window.max(axis=(0, 1))", "window.max()")
    assert verdict.status == "failed"
    assert "across the channels" in verdict.message


def test_overwriting_overlapping_windows_is_named(tmp_path):
    verdict = mutate("pooling", tmp_path, ROUTE, ROUTE.replace("+=", "="))
    assert verdict.status == "failed"
    assert "= instead of +=" in verdict.message


def test_tie_mask_is_named(tmp_path):
    old = ROUTE
    new = (
        "dx[n, i * stride : i * stride + size, j * stride : j * stride + size, :] += "
        "(window == window.max(axis=(0, 1))) * dout[n, i, j]"
    )
    verdict = mutate("pooling", tmp_path, old, new)
    assert verdict.status == "failed"
    assert "every tied position received the gradient" in verdict.message
