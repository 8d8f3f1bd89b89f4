"""Exercise 26 (batchnorm): the reference solution against Keras' BatchNormalization
and tf.GradientTape, and typical mistakes caught with the message that names them."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import mutate, solution

sol = solution("batchnorm")

SHAPES = [(8, 3), (5, 7), (4, 3, 3, 2), (2, 5, 4, 6)]


def _problem(seed, shape):
    g = np.random.default_rng(seed)
    D = shape[-1]
    x = g.normal(loc=g.normal(size=D) * 3, scale=g.uniform(0.5, 3, size=D), size=shape)
    return x, g.uniform(0.5, 2, size=D), g.normal(size=D)


def _keras_layer(shape, gamma, beta, momentum, eps, mean, var):
    layer = keras.layers.BatchNormalization(axis=-1, momentum=momentum, epsilon=eps, dtype="float64")
    layer.build((None, *shape[1:]))
    layer.set_weights([gamma, beta, mean, var])
    return layer


@pytest.mark.parametrize("shape", SHAPES)
def test_train_and_test_mode_equal_keras(shape):
    """Keras updates its moving statistics as momentum·moving + (1 − momentum)·batch, with the
    biased batch variance: three training calls, then one inference call."""
    x0, gamma, beta = _problem(sum(shape), shape)
    D = shape[-1]
    mean0, var0 = np.linspace(-1, 1, D), np.linspace(0.5, 2, D)
    layer = _keras_layer(shape, gamma, beta, 0.8, 1e-3, mean0, var0)
    bn_param = {"mode": "train", "momentum": 0.8, "eps": 1e-3, "running_mean": mean0.copy(), "running_var": var0.copy()}
    g = np.random.default_rng(1)
    for step in range(3):
        x = x0 + g.normal(size=shape)
        out, _ = sol.batchnorm_forward(x, gamma, beta, bn_param)
        np.testing.assert_allclose(out, layer(x, training=True).numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(bn_param["running_mean"], layer.moving_mean.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(bn_param["running_var"], layer.moving_variance.numpy(), rtol=1e-10, atol=1e-12)
    bn_param["mode"] = "test"
    out, _ = sol.batchnorm_forward(x0, gamma, beta, bn_param)
    np.testing.assert_allclose(out, layer(x0, training=False).numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("shape", SHAPES)
def test_statistics_equal_tf_nn_moments(shape):
    """With gamma = 1 and beta = 0 the output is (x − mean) / sqrt(var + eps) with tf.nn.moments' statistics."""
    x, _, _ = _problem(10 + sum(shape), shape)
    D = shape[-1]
    mean, var = tf.nn.moments(tf.constant(x), axes=list(range(x.ndim - 1)))
    out, _ = sol.batchnorm_forward(x, np.ones(D), np.zeros(D), {"mode": "train"})
    np.testing.assert_allclose(out, (x - mean.numpy()) / np.sqrt(var.numpy() + 1e-5), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_backward_equals_gradient_tape(shape):
    x, gamma, beta = _problem(20 + sum(shape), shape)
    dout = np.random.default_rng(30).normal(size=shape)
    _, cache = sol.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = sol.batchnorm_backward(dout, cache)
    tx, tg, tb = tf.Variable(x), tf.Variable(gamma), tf.Variable(beta)
    with tf.GradientTape() as tape:
        mean, var = tf.nn.moments(tx, axes=list(range(x.ndim - 1)))
        out = tf.nn.batch_normalization(tx, mean, var, tb, tg, 1e-5)
    expected = tape.gradient(out, [tx, tg, tb], output_gradients=tf.constant(dout))
    for got, want in zip((dx, dgamma, dbeta), expected):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize(
    "old, new, phrase",
    [
        ('    elif mode == "test":\n        mean, var = running_mean, running_var',
         '    elif mode == "test":\n        mean, var = x.mean(axis=axes), x.var(axis=axes)', "batch's own mean and variance"),
        ("var = x.var(axis=axes)  #", "var = x.var(axis=axes, ddof=1)  #", "unbiased variance"),
        ('bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mean',
         'bn_param["running_mean"] = (1 - momentum) * running_mean + momentum * mean', "momentum is on the wrong term"),
        ('bn_param["running_mean"] = momentum', 'running_mean = momentum', "not stored back"),
        ("std = np.sqrt(var + eps)", "std = np.sqrt(var) + eps", "outside the square root"),
        ("dx = (dx_hat - dx_hat.mean(axis=axes) - x_hat * (dx_hat * x_hat).mean(axis=axes)) / std",
         "dx = dx_hat / std", "μ and σ² as constants"),
    ],
    ids=["batch-stats-at-test", "unbiased-var", "momentum-swapped", "running-not-stored", "eps-outside-sqrt",
         "dx-constant-stats"],
)
def test_mutant_is_named(tmp_path, old, new, phrase):
    verdict = mutate("batchnorm", tmp_path, old, new)
    assert verdict.status == "failed"
    assert phrase in verdict.message


def test_epsilon_added_into_the_running_variance_is_named(tmp_path):
    verdict = mutate("batchnorm", tmp_path,
                     'bn_param["running_var"] = momentum * running_var + (1 - momentum) * var',
                     'bn_param["running_var"] = momentum * running_var + (1 - momentum) * (var + eps)')
    assert verdict.status == "failed"
    assert "ε was added into the running variance" in verdict.message, verdict.message
