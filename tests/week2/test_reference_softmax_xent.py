"""Exercise 17 (softmax_xent): the reference solution against TensorFlow
(tf.nn.softmax, tf.nn.softmax_cross_entropy_with_logits and its tf.GradientTape
gradient), also at huge logits, and typical mistakes caught with the message that names them."""

import warnings

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import mutate, solution

sol = solution("softmax_xent")
ROW_MAX = "z = logits - np.max(logits, axis=1, keepdims=True)\n    e = np.exp(z)"
LOG_P = "log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))"


def _tf_loss_and_grad(logits, y):
    t = tf.Variable(logits)
    with tf.GradientTape() as tape:
        onehot = tf.one_hot(y, logits.shape[1], dtype=tf.float64)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=onehot, logits=t))
    return float(loss.numpy()), tape.gradient(loss, t).numpy()


def _problem(seed, scale=3.0):
    g = np.random.default_rng(seed)
    n, c = int(g.integers(1, 9)), int(g.integers(2, 8))
    return g.normal(scale=scale, size=(n, c)), g.integers(0, c, size=n)


@pytest.mark.parametrize("seed", range(5))
def test_equals_tensorflow(seed):
    logits, y = _problem(seed)
    np.testing.assert_allclose(sol.softmax(logits), tf.nn.softmax(logits, axis=-1).numpy(), rtol=1e-12, atol=1e-15)
    loss, dlogits = sol.softmax_cross_entropy(logits, y)
    expected_loss, expected_grad = _tf_loss_and_grad(logits, y)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dlogits, expected_grad, rtol=1e-10, atol=1e-15)


def test_equals_tensorflow_at_huge_logits_without_warnings():
    logits = np.array([[1e4, 1e4 - 2.0, 0.0], [-1e4, 1e4, 1e4 - 1.0], [0.0, 1000.0, -5.0]])
    y = np.array([1, 0, 0])  # the second and third rows' correct class has probability e^(−2e4) and e^(−1000)
    logits0, y0 = logits.copy(), y.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            p = sol.softmax(logits)
            loss, dlogits = sol.softmax_cross_entropy(logits, y)
    np.testing.assert_allclose(p, tf.nn.softmax(logits).numpy(), rtol=1e-12, atol=1e-300)
    expected_loss, expected_grad = _tf_loss_and_grad(logits, y)
    assert np.isfinite(loss) and loss == pytest.approx(expected_loss, rel=1e-12)  # ≈ (2 + 2e4 + 1000) / 3
    np.testing.assert_allclose(dlogits, expected_grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(logits, logits0)
    np.testing.assert_array_equal(y, y0)


def test_no_max_subtraction_is_named(tmp_path):
    verdict = mutate("softmax_xent", tmp_path, ROW_MAX, "z = logits\n    e = np.exp(z)")
    assert verdict.status == "failed"
    assert "subtract the row max before exp" in verdict.message


def test_global_max_is_named(tmp_path):
    verdict = mutate("softmax_xent", tmp_path, ROW_MAX, "z = logits - np.max(logits)\n    e = np.exp(z)")
    assert verdict.status == "failed"
    assert "max of the whole array" in verdict.message


def test_wrong_axis_is_named(tmp_path):
    verdict = mutate("softmax_xent", tmp_path, ROW_MAX, ROW_MAX.replace("axis=1", "axis=0"))
    assert verdict.status == "failed"
    assert "wrong axis" in verdict.message


def test_missing_division_by_n_is_named(tmp_path):
    verdict = mutate("softmax_xent", tmp_path, "return loss, dlogits / n", "return loss, dlogits")
    assert verdict.status == "failed"
    assert "forgot to divide by the batch size N" in verdict.message


def test_log_of_softmax_is_named(tmp_path):
    naive = "log_p = np.log(np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True))"
    verdict = mutate("softmax_xent", tmp_path, LOG_P, naive)
    assert verdict.status == "failed"
    assert "log of softmax underflow" in verdict.message and "log-sum-exp" in verdict.message


XENT_SHIFT = "    z = logits - np.max(logits, axis=1, keepdims=True)\n    log_p"


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("loss = float(-np.mean(log_p[rows, y]))", "loss = float(-np.sum(log_p[rows, y]))", "the sum over the batch"),
        (XENT_SHIFT, "    logits -= np.max(logits, axis=1, keepdims=True)\n    z = logits\n    log_p", "in place"),
    ],
    ids=["loss-summed", "in-place-shift"],
)
def test_more_mistakes_are_named(tmp_path, old, new, named):
    """The loss summed and the caller's logits shifted in place each read differently (dlogits not divided: above)."""
    verdict = mutate("softmax_xent", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message
