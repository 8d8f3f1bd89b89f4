"""Exercise 36 (word2vec): the reference solution against tf.GradientTape and central differences,
the batched maths of data/make_embeddings.py against it, and typical mistakes caught with the
message that names them."""

import importlib.util
import warnings

import numpy as np
import pytest
import tensorflow as tf

from checker.testing import numerical_gradient
from tests.helpers import REPO, mutate, run_source, solution

sol = solution("word2vec")
LOSS = "loss = np.logaddexp(0.0, -s_o) + np.sum(np.logaddexp(0.0, s))"


def _tf_loss_and_grads(center, context, negatives):
    """The loss written with TensorFlow's own log_sigmoid, differentiated by GradientTape."""
    v, u, n = (tf.Variable(a) for a in (center, context, negatives))
    with tf.GradientTape() as tape:
        loss = -tf.math.log_sigmoid(tf.tensordot(u, v, 1)) - tf.reduce_sum(tf.math.log_sigmoid(-tf.linalg.matvec(n, v)))
    grads = tape.gradient(loss, [v, u, n])
    return float(loss.numpy()), [g.numpy() for g in grads]


@pytest.mark.parametrize("d, k, scale", [(3, 1, 0.5), (8, 5, 1.0), (32, 10, 0.3), (5, 3, 20.0), (4, 2, 300.0)])
def test_equals_gradient_tape(d, k, scale):
    g = np.random.default_rng(d * 10 + k)
    center, context, negatives = g.normal(size=d), g.normal(size=d), g.normal(size=(k, d))
    center *= scale  # scale 300 gives dot products in the hundreds or thousands
    loss, *grads = sol.skipgram_neg_sampling(center, context, negatives)
    tf_loss, tf_grads = _tf_loss_and_grads(center, context, negatives)
    assert loss == pytest.approx(tf_loss, rel=1e-10)
    for ours, theirs in zip(grads, tf_grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_equals_numerical_gradients(seed):
    g = np.random.default_rng(100 + seed)
    args = [g.normal(size=6), g.normal(size=6), g.normal(size=(4, 6))]
    _, *grads = sol.skipgram_neg_sampling(*args)
    for i, grad in enumerate(grads):
        def f(x, i=i):
            return sol.skipgram_neg_sampling(*[x if j == i else a for j, a in enumerate(args)])[0]
        np.testing.assert_allclose(grad, numerical_gradient(f, args[i].copy()), rtol=1e-6, atol=1e-8)


def test_warning_free_at_1000():
    center, context, negatives = np.array([10.0, 10.0]), np.array([-50.0, -50.0]), np.array([[50.0, 50.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            loss, *grads = sol.skipgram_neg_sampling(center, context, negatives)
    assert loss == pytest.approx(2000.0)  # −log σ(−1000) − log σ(−1000) = 1000 + 1000 (to 1e-400)
    np.testing.assert_array_equal(grads[1], -center)


def test_batched_training_maths_equals_the_exercise():
    """data/make_embeddings.py trains with sgns_batch: row b of a batch is the exercise on pair b."""
    spec = importlib.util.spec_from_file_location("make_embeddings", REPO / "data" / "make_embeddings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    g = np.random.default_rng(7)
    v_c, u_o, u_neg = g.normal(size=(6, 8)) * 3, g.normal(size=(6, 8)), g.normal(size=(6, 5, 8))
    losses, d_v, d_o, d_neg = module.sgns_batch(v_c, u_o, u_neg)
    for b in range(6):
        loss, dc, do, dn = sol.skipgram_neg_sampling(v_c[b], u_o[b], u_neg[b])
        assert losses[b] == pytest.approx(loss, rel=1e-12)
        np.testing.assert_allclose(d_v[b], dc, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(d_o[b], do, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(d_neg[b], dn, rtol=1e-12, atol=1e-14)


def test_another_correct_implementation_passes(tmp_path):
    """Loops, log1p and an explicit two-branch sigmoid: a different road to the same numbers."""
    verdict = run_source("word2vec", '''
        import math
        import numpy as np

        def log_sig(z):
            return -math.log1p(math.exp(-z)) if z >= 0 else z - math.log1p(math.exp(z))

        def sig(z):
            return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))

        def skipgram_neg_sampling(center, context, negatives):
            s_o = float(np.dot(context, center))
            loss = -log_sig(s_o)
            d_center = (sig(s_o) - 1) * context
            d_negatives = np.empty_like(negatives, dtype=float)
            for k in range(len(negatives)):
                s_k = float(np.dot(negatives[k], center))
                loss -= log_sig(-s_k)
                d_center = d_center + sig(s_k) * negatives[k]
                d_negatives[k] = sig(s_k) * center
            return loss, d_center, (sig(s_o) - 1) * center, d_negatives
    ''', tmp_path)
    assert verdict.status == "passed", verdict.message


def test_sign_inside_sigma_of_the_negatives_is_named(tmp_path):
    verdict = mutate("word2vec", tmp_path, LOSS, "loss = np.logaddexp(0.0, -s_o) + np.sum(np.logaddexp(0.0, -s))")
    assert verdict.status == "failed"
    assert "wrong sign inside σ" in verdict.message and "negative term" in verdict.message


def test_mean_of_the_negatives_is_named(tmp_path):
    verdict = mutate("word2vec", tmp_path, LOSS, "loss = np.logaddexp(0.0, -s_o) + np.mean(np.logaddexp(0.0, s))")
    assert verdict.status == "failed"
    assert "negatives are averaged" in verdict.message


def test_missing_sum_over_negatives_is_named(tmp_path):
    verdict = mutate("word2vec", tmp_path, LOSS, "loss = np.logaddexp(0.0, -s_o) + np.logaddexp(0.0, s[0])")
    assert verdict.status == "failed"
    assert "only one negative was counted" in verdict.message


def test_log_of_sigmoid_is_named_unstable(tmp_path):
    verdict = mutate("word2vec", tmp_path, LOSS,
                     "loss = -np.log(1 / (1 + np.exp(-s_o))) - np.sum(np.log(1 / (1 + np.exp(s))))")
    assert verdict.status == "failed"
    assert "overflow" in verdict.message and "np.exp(-np.abs(z))" in verdict.message


def test_log_of_one_minus_sigmoid_is_named_unstable(tmp_path):
    verdict = mutate("word2vec", tmp_path, LOSS,
                     "loss = np.logaddexp(0.0, -s_o) - np.sum(np.log(1 - _sigmoid(s)))")
    assert verdict.status == "failed"
    assert "log(0)" in verdict.message and "log(1 - sigmoid(z))" in verdict.message


def test_missing_minus_in_d_negatives_is_named(tmp_path):
    verdict = mutate("word2vec", tmp_path, "d_negatives = g[:, None]", "d_negatives = -g[:, None]")
    assert verdict.status == "failed"
    assert "d_negatives misses the minus sign" in verdict.message


def test_d_center_without_negatives_is_named(tmp_path):
    verdict = mutate("word2vec", tmp_path, "d_center = g_o * context + g @ negatives", "d_center = g_o * context")
    assert verdict.status == "failed"
    assert "d_center lacks the negatives' part" in verdict.message


def test_d_context_sign_is_named(tmp_path):
    verdict = mutate("word2vec", tmp_path, "d_context = g_o * center", "d_context = -g_o * center")
    assert verdict.status == "failed"
    assert "d_context has the wrong sign" in verdict.message
