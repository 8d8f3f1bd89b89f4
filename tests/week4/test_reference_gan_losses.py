"""Exercise 38 (gan_losses): the reference solution against TensorFlow's
sigmoid cross-entropy and Keras' BinaryCrossentropy(from_logits=True), another
correct formulation through the engine, and typical mistakes caught with the
message that names them."""

import warnings

import numpy as np
import pytest
import tensorflow as tf
from tensorflow import keras

from tests.helpers import SOLUTIONS, mutate, run_source, solution

sol = solution("gan_losses")
SOFTPLUS = "return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))"
REAL = "real_term = np.mean(softplus(-np.asarray(real_logits)))"
FAKE = "fake_term = np.mean(softplus(np.asarray(fake_logits)))"
GEN = "return float(np.mean(softplus(-np.asarray(fake_logits))))"


def _tf_bce(labels_value, logits):
    logits = tf.constant(logits, dtype=tf.float64)
    labels = tf.fill(tf.shape(logits), tf.constant(labels_value, dtype=tf.float64))
    return float(tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)))


@pytest.mark.parametrize("seed", range(5))
def test_equals_tf_sigmoid_cross_entropy(seed):
    g = np.random.default_rng(seed)
    real = g.normal(scale=4, size=(g.integers(1, 20), 1))
    fake = g.normal(scale=4, size=(g.integers(1, 20), 1))
    expected_d = _tf_bce(1.0, real) + _tf_bce(0.0, fake)
    assert sol.discriminator_loss(real, fake) == pytest.approx(expected_d, rel=1e-13)
    assert sol.generator_loss(fake) == pytest.approx(_tf_bce(1.0, fake), rel=1e-13)


def test_equals_keras_binary_crossentropy():
    g = np.random.default_rng(7)
    real, fake = g.normal(scale=3, size=(16, 1)), g.normal(scale=3, size=(16, 1))
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    expected_d = float(bce(np.ones_like(real), real)) + float(bce(np.zeros_like(fake), fake))
    assert sol.discriminator_loss(real, fake) == pytest.approx(expected_d, rel=1e-5)  # Keras computes in float32
    assert sol.generator_loss(fake) == pytest.approx(float(bce(np.ones_like(fake), fake)), rel=1e-5)


def test_extremes_equal_tf_without_warnings():
    real = np.array([100.0, -100.0, 1000.0, -1000.0, 0.0])
    fake = np.array([-100.0, 100.0, -1000.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            d, g_loss = sol.discriminator_loss(real, fake), sol.generator_loss(fake)
    assert d == pytest.approx(_tf_bce(1.0, real) + _tf_bce(0.0, fake), rel=1e-14)
    assert g_loss == pytest.approx(_tf_bce(1.0, fake), rel=1e-14)
    # The tail is exact: −log σ(100) = log1p(e^−100), not 0.
    assert sol.generator_loss(np.array([100.0])) == pytest.approx(np.exp(-100.0), rel=1e-12)
    assert sol.discriminator_loss(np.array([100.0]), np.array([-100.0])) == pytest.approx(2 * np.exp(-100.0), rel=1e-12)


def test_inputs_unchanged():
    real, fake = np.array([1.0, -2.0]), np.array([[0.5], [3.0]])
    sol.discriminator_loss(real, fake)
    sol.generator_loss(fake)
    np.testing.assert_array_equal(real, [1.0, -2.0])
    np.testing.assert_array_equal(fake, [[0.5], [3.0]])


def test_logaddexp_written_another_way_passes(tmp_path):
    verdict = run_source(
        "gan_losses",
        """
        import numpy as np

        def discriminator_loss(real_logits, fake_logits):
            real = np.ravel(real_logits)
            fake = np.ravel(fake_logits)
            return float(np.logaddexp(0, -real).sum() / real.size + np.logaddexp(0, fake).sum() / fake.size)

        def generator_loss(fake_logits):
            return float(np.average(np.logaddexp(0.0, -np.asarray(fake_logits))))
        """,
        tmp_path,
    )
    assert verdict.status == "passed", verdict.message


def test_saturating_generator_loss_is_named(tmp_path):
    verdict = mutate("gan_losses", tmp_path, GEN, "return float(-np.mean(softplus(np.asarray(fake_logits))))")
    assert verdict.status == "failed"
    assert "SATURATING generator loss" in verdict.message


def test_overflowing_softplus_is_named(tmp_path):
    verdict = mutate("gan_losses", tmp_path, SOFTPLUS, "return np.log1p(np.exp(x))")
    assert verdict.status == "failed"
    assert "e^x overflowed" in verdict.message


def test_log_of_underflowed_sigmoid_is_named(tmp_path):
    # softplus(x) = −log σ(−x), with σ computed stably but its log taken afterwards.
    verdict = mutate("gan_losses", tmp_path, SOFTPLUS, "return -np.log(np.exp(-np.logaddexp(0.0, x)))")
    assert verdict.status == "failed"
    assert "log(0)" in verdict.message


def test_rounded_tail_is_named(tmp_path):
    verdict = mutate("gan_losses", tmp_path, SOFTPLUS, "return np.maximum(x, 0.0) + np.log(1.0 + np.exp(-np.abs(x)))")
    assert verdict.status == "failed"
    assert "rounds 1 + e^(−100) to 1.0" in verdict.message


def test_swapped_labels_are_named(tmp_path):
    source = (SOLUTIONS / "week4" / "38_gan_losses.py").read_text(encoding="utf-8")
    assert REAL in source and FAKE in source
    verdict = run_source(
        "gan_losses",
        source.replace(REAL, "real_term = np.mean(softplus(np.asarray(real_logits)))").replace(
            FAKE, "fake_term = np.mean(softplus(-np.asarray(fake_logits)))"
        ),
        tmp_path,
    )
    assert verdict.status == "failed"
    assert "labels are swapped" in verdict.message


def test_sum_instead_of_mean_is_named(tmp_path):
    verdict = mutate("gan_losses", tmp_path, GEN, "return float(np.sum(softplus(-np.asarray(fake_logits))))")
    assert verdict.status == "failed"
    assert "summed over the batch instead of averaging" in verdict.message


def test_one_term_summed_is_named(tmp_path):
    verdict = mutate("gan_losses", tmp_path, REAL, "real_term = np.sum(softplus(-np.asarray(real_logits)))")
    assert verdict.status == "failed"
    assert "real term is a sum over the batch" in verdict.message
