"""Exercise 15 (dense): the reference solution against TensorFlow (forward and
tf.GradientTape gradients), and typical mistakes caught with the message that names them."""

import numpy as np
import pytest
import tensorflow as tf

from checker.testing import numerical_gradient
from tests.helpers import mutate, solution

sol = solution("dense")


def _problem(seed):
    g = np.random.default_rng(seed)
    n, d, m = (int(v) for v in g.integers(1, 9, size=3))
    return g.normal(size=(n, d)), g.normal(size=(d, m)), g.normal(size=m), g.normal(size=(n, m))


@pytest.mark.parametrize("seed", range(5))
def test_forward_and_backward_equal_tensorflow(seed):
    x, W, b, dout = _problem(seed)
    tx, tW, tb = (tf.Variable(v) for v in (x, W, b))
    with tf.GradientTape() as tape:
        tout = tf.matmul(tx, tW) + tb
        loss = tf.reduce_sum(tout * dout)  # so that ∂loss/∂out = dout
    grads = tape.gradient(loss, [tx, tW, tb])
    out, cache = sol.dense_forward(x, W, b)
    np.testing.assert_allclose(out, tout.numpy(), rtol=1e-12, atol=1e-12)
    for got, expected in zip(sol.dense_backward(dout, cache), grads):
        np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12, atol=1e-12)


def test_backward_equals_numerical_gradient():
    x, W, b, dout = _problem(99)
    _, cache = sol.dense_forward(x, W, b)
    dx, dW, db = sol.dense_backward(dout, cache)

    def loss(xv, Wv, bv):
        return float(np.sum(sol.dense_forward(xv, Wv, bv)[0] * dout))

    np.testing.assert_allclose(dx, numerical_gradient(lambda v: loss(v, W, b), x.copy()), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dW, numerical_gradient(lambda v: loss(x, v, b), W.copy()), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, numerical_gradient(lambda v: loss(x, W, v), b.copy()), rtol=1e-6, atol=1e-8)


def test_transposed_weight_gradient_is_named(tmp_path):
    verdict = mutate("dense", tmp_path, "dW = x.T @ dout", "dW = dout.T @ x")
    assert verdict.status == "failed"
    assert "transposed weight gradient" in verdict.message


def test_averaged_bias_gradient_is_named(tmp_path):
    verdict = mutate("dense", tmp_path, "db = dout.sum(axis=0)", "db = dout.mean(axis=0)")
    assert verdict.status == "failed"
    assert "averaged over the batch instead of summed" in verdict.message


def test_unsummed_bias_gradient_is_named(tmp_path):
    verdict = mutate("dense", tmp_path, "db = dout.sum(axis=0)", "db = dout")
    assert verdict.status == "failed"
    assert "db not summed over the batch" in verdict.message


def test_forgotten_dx_is_named(tmp_path):
    verdict = mutate("dense", tmp_path, "return dx, dW, db", "return dW, db")
    assert verdict.status == "failed"
    assert "forgot dx" in verdict.message


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("dW = x.T @ dout", "dW = x.T @ dout / len(x)", "dW divided by the batch size N"),
        ("db = dout.sum(axis=0)", "db = dout.sum(axis=0, keepdims=True)", "keepdims=True"),
    ],
    ids=["dW-over-N", "db-keepdims"],
)
def test_more_mistakes_are_named(tmp_path, old, new, named):
    """Each classic dense_backward bug reads differently: the message names it."""
    verdict = mutate("dense", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message
