"""Exercise 39 (gan_train): the reference step equals an independent one (Keras'
BinaryCrossentropy from logits, tf.nn.sigmoid_cross_entropy_with_logits, one persistent
tape) weight for weight; it covers the ring's modes on several seeds within the budget;
a step written another way passes through the engine; and the named mistakes are caught."""

import numpy as np
import pytest
import tensorflow as tf
import keras

from tests.helpers import load_check, mutate, run_source, solution

sol = solution("gan_train")
checks = load_check("gan_train")


def independent_step(generator, discriminator, g_opt, d_opt, real, noise_dim):
    """The same step from library losses, with one persistent tape."""
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    n = real.shape[0]
    with tf.GradientTape(persistent=True) as tape:
        noise = tf.random.normal((n, noise_dim))
        fake = generator(noise, training=True)
        real_logits, fake_logits = discriminator(real, training=True), discriminator(fake, training=True)
        d_loss = bce(tf.ones_like(real_logits), real_logits) + bce(tf.zeros_like(fake_logits), fake_logits)
    d_opt.apply_gradients(zip(tape.gradient(d_loss, discriminator.trainable_variables), discriminator.trainable_variables))
    with tf.GradientTape() as tape2:
        logits = discriminator(generator(tf.random.normal((n, noise_dim)), training=True), training=True)
        g_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(tf.ones_like(logits), logits))
    g_opt.apply_gradients(zip(tape2.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))
    return d_loss, g_loss


def test_the_reference_step_equals_an_independent_one():
    real, _ = checks.ring(np.random.default_rng(0), 64)
    results = []
    for step in (sol.gan_train_step, independent_step):
        gan = checks.make_gan(3)  # optimizers built on their first apply
        tf.random.set_seed(7)  # the same noise for both
        losses = step(*gan, real, checks.NOISE_DIM)
        results.append(([float(v) for v in losses], [w for m in gan[:2] for w in m.get_weights()]))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reference_covers_the_modes_on_other_seeds(seed):
    samples, centres, seconds, _ = checks.train(sol.gan_train_step, seed=seed)
    covered, _ = checks.coverage(samples, centres)
    assert covered >= checks.NEEDED + 1, covered
    assert seconds < checks.TIME_BUDGET, seconds


OTHER = '''
import keras
import tensorflow as tf

bce = keras.losses.BinaryCrossentropy(from_logits=True)


def gan_train_step(generator, discriminator, g_opt, d_opt, real, noise_dim):
    n = tf.shape(real)[0]
    with tf.GradientTape() as d_tape, tf.GradientTape() as g_tape:
        fake = generator(tf.random.normal((n, noise_dim)), training=True)
        real_logits = discriminator(real, training=True)
        fake_logits = discriminator(fake, training=True)
        d_loss = bce(tf.ones_like(real_logits), real_logits) + bce(tf.zeros_like(fake_logits), fake_logits)
        g_loss = bce(tf.ones_like(fake_logits), fake_logits)
    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))
    g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
    return d_loss, g_loss
'''


def test_a_step_with_two_tapes_and_keras_losses_passes_through_the_engine(tmp_path):
    """Both tapes open together, both gradients before either update (the TensorFlow DCGAN tutorial's way)."""
    verdict = run_source("gan_train", OTHER, tmp_path)
    assert verdict.status == "passed", verdict.message


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("g_loss = tf.reduce_mean(softplus(-fake_logits))", "g_loss = -tf.reduce_mean(softplus(fake_logits))",
         "SATURATING"),
        ("g_grads = tape.gradient(g_loss, generator.trainable_variables)\n"
         "    g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))",
         "both = generator.trainable_variables + discriminator.trainable_variables\n"
         "    g_opt.apply_gradients(zip(tape.gradient(g_loss, both), both))",
         "the discriminator's weights changed in the generator's step"),
        ("g_loss = tf.reduce_mean(softplus(-fake_logits))",
         "g_loss = -tf.reduce_mean(tf.math.log(tf.sigmoid(fake_logits)))", "log(sigmoid(x)) computed unstably"),
        ("d_opt.apply_gradients(zip(d_grads", "g_opt.apply_gradients(zip(d_grads", "the discriminator's weights changed"),
        ("d_loss = tf.reduce_mean(softplus(-real_logits)) + tf.reduce_mean(softplus(fake_logits))",
         "d_loss = tf.reduce_mean(softplus(-real_logits))", "the fake term is missing"),
    ],
    ids=["saturating", "d-changed-by-g-step", "unstable-log-sigmoid", "swapped-optimizer", "no-fake-term"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("gan_train", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message
