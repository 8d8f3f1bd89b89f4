"""Exercise 27 (dropout): the reference solution against TensorFlow's inverted dropout,
and typical mistakes caught with the message that names them."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import mutate, solution

sol = solution("dropout")


def _x(seed, shape):
    g = np.random.default_rng(seed)
    return g.uniform(0.5, 2.0, size=shape) * g.choice([-1.0, 1.0], size=shape)


@pytest.mark.parametrize("p_drop", [0.1, 0.5, 0.75])
def test_same_convention_as_tf_nn_dropout(p_drop):
    """tf.nn.dropout(rate=p) is inverted dropout too: kept entries are x / (1 − p), and about a
    fraction p is dropped; ours does the same (masks differ, being drawn by different generators)."""
    x = _x(1, (300, 200))
    ours, _ = sol.dropout_forward(x, p_drop, True, np.random.default_rng(2))
    theirs = tf.nn.dropout(tf.constant(x), rate=p_drop, seed=3).numpy()
    tol = 6 * np.sqrt(p_drop * (1 - p_drop) / x.size)
    for out in (ours, theirs):
        kept = out != 0
        np.testing.assert_allclose(out[kept] / x[kept], 1 / (1 - p_drop), rtol=1e-12)
        assert abs(np.mean(~kept) - p_drop) < tol
        assert abs(np.mean(out / x) - 1.0) < 6 * np.sqrt(p_drop / (1 - p_drop) / x.size)


def test_test_time_is_the_identity_like_keras():
    x = _x(4, (5, 6))
    layer = keras.layers.Dropout(0.5, dtype="float64")
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    out, cache = sol.dropout_forward(x, 0.5, False, np.random.default_rng(0))
    np.testing.assert_array_equal(out, x)
    dout = _x(5, x.shape)
    np.testing.assert_array_equal(sol.dropout_backward(dout, cache), dout)


def test_backward_equals_gradient_tape_through_the_same_mask():
    """Through TensorFlow's dropout the gradient is dout · (out ≠ 0) / (1 − p); ours, through its own mask, too."""
    x, dout, p = _x(6, (40, 30)), _x(7, (40, 30)), 0.3
    tx = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.nn.dropout(tx, rate=p, seed=8)
    tf_dx = tape.gradient(y, tx, output_gradients=tf.constant(dout)).numpy()
    np.testing.assert_allclose(tf_dx, dout * (y.numpy() != 0) / (1 - p), rtol=1e-12)

    out, cache = sol.dropout_forward(x, p, True, np.random.default_rng(9))
    mask = tf.constant((out != 0).astype(float))
    with tf.GradientTape() as tape:
        y = tx * mask / (1 - p)
    np.testing.assert_allclose(out, y.numpy(), rtol=1e-12)
    np.testing.assert_allclose(sol.dropout_backward(dout, cache),
                               tape.gradient(y, tx, output_gradients=tf.constant(dout)).numpy(), rtol=1e-12)


def test_mask_is_drawn_from_rng():
    x = _x(10, (7, 9))
    out, _ = sol.dropout_forward(x, 0.4, True, np.random.default_rng(11))
    np.testing.assert_array_equal(out, x * (np.random.default_rng(11).random(x.shape) >= 0.4) / 0.6)
    np.testing.assert_array_equal(sol.dropout_forward(x, 0.0, True, np.random.default_rng(12))[0], x)


@pytest.mark.parametrize(
    "old, new, phrase",
    [
        ("scale = 1.0 / (1.0 - p_drop)", "scale = 1.0", "not rescaled"),
        ("mask = rng.random(x.shape) >= p_drop", "mask = rng.random(x.shape) < p_drop", "probability to KEEP"),
        ("        return x.copy(), (None, 1.0)", "        return x * (1 - p_drop), (None, 1.0)", "scaled at test time"),
        ("mask = rng.random(x.shape) >= p_drop", "mask = np.random.rand(*x.shape) >= p_drop", "global"),
        ("    return dout * mask * scale", "    return dout * scale", "mask is not applied in backward"),
    ],
    ids=["not-rescaled", "p-as-keep", "scaled-at-test", "global-rng", "backward-without-mask"],
)
def test_mutant_is_named(tmp_path, old, new, phrase):
    verdict = mutate("dropout", tmp_path, old, new)
    assert verdict.status == "failed"
    assert phrase in verdict.message
