"""Exercise 44 (temporal_loss): the reference solution against TensorFlow's sparse softmax
cross-entropy with a mask and tf.GradientTape, another correct formulation through the engine,
and typical mistakes caught with the message that names them."""

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import mutate, run_source, solution

sol = solution("temporal_loss")


def _problem(seed, n, t, v, scale=3.0):
    g = np.random.default_rng(seed)
    logits = g.normal(size=(n, t, v)) * scale
    y = g.integers(0, v, size=(n, t))
    mask = g.random((n, t)) < 0.7
    return logits, y, mask


def _tf_loss_and_grad(logits, y, mask):
    tl = tf.Variable(logits)
    with tf.GradientTape() as tape:
        per_step = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=tl)
        loss = tf.reduce_sum(per_step * tf.cast(mask, tf.float64)) / logits.shape[0]
    return float(loss), tape.gradient(loss, tl).numpy()


@pytest.mark.parametrize("shape", [(3, 5, 4), (1, 4, 6), (6, 3, 2), (4, 9, 11)])
def test_equals_tensorflow(shape):
    logits, y, mask = _problem(sum(shape), *shape)
    loss, grad = sol.temporal_softmax_loss(logits, y, mask)
    want_loss, want_grad = _tf_loss_and_grad(logits, y, mask)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-10, atol=1e-14)
    assert np.all(grad[~mask] == 0.0)


def test_stable_at_huge_logits_like_tensorflow():
    logits, y, mask = _problem(5, 3, 4, 5, scale=1e4)
    loss, grad = sol.temporal_softmax_loss(logits, y, mask)
    want_loss, want_grad = _tf_loss_and_grad(logits, y, mask)
    assert np.isfinite(loss) and loss == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-10, atol=1e-14)


SELECT = '''
import numpy as np

def temporal_softmax_loss(logits, y, mask):
    n = logits.shape[0]
    log_p = logits - np.logaddexp.reduce(logits, axis=2, keepdims=True)
    picked = np.take_along_axis(log_p, y[:, :, None], axis=2)[:, :, 0]
    loss = -np.where(mask, picked, 0.0).sum() / n
    onehot = np.eye(logits.shape[2])[y]
    dlogits = (np.exp(log_p) - onehot) * mask[:, :, None] / n
    return float(loss), dlogits
'''


def test_another_correct_formulation_passes(tmp_path):
    verdict = run_source("temporal_loss", SELECT, tmp_path)
    assert verdict.status == "passed", verdict.message


def test_masked_steps_counted_are_named(tmp_path):
    verdict = mutate("temporal_loss", tmp_path, "loss = -np.sum(log_p[rows, y_flat][real]) / n",
                     "loss = -np.sum(log_p[rows, y_flat]) / n")
    assert verdict.status == "failed"
    assert "masked (padding) steps still count" in verdict.message


def test_masked_gradient_is_named(tmp_path):
    verdict = mutate("temporal_loss", tmp_path, "dlogits[~real] = 0.0", "pass")
    assert verdict.status == "failed"
    assert "masked (padding) steps still count" in verdict.message


def test_division_by_real_tokens_is_named(tmp_path):
    verdict = mutate("temporal_loss", tmp_path, "loss = -np.sum(log_p[rows, y_flat][real]) / n",
                     "loss = -np.sum(log_p[rows, y_flat][real]) / real.sum()")
    assert verdict.status == "failed"
    assert "divided by the number of real tokens" in verdict.message


def test_no_max_subtraction_is_named(tmp_path):
    verdict = mutate("temporal_loss", tmp_path, "z = flat - flat.max(axis=1, keepdims=True)", "z = flat")
    assert verdict.status == "failed"
    assert "no max-subtraction" in verdict.message
