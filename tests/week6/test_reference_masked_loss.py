"""Exercise 53 (masked_loss): the solution against Keras' SparseCategoricalCrossentropy(from_logits=True)
with the mask as sample weights (sum, divided by the number of real tokens) and against numerical
gradients; typical mistakes injected into the solution are named; a variant written with Keras'
loss passes through the engine."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from checker.testing import numerical_gradient
from tests.helpers import mutate, run_engine, run_source, solution

sol = solution("masked_loss")


def _batch(seed, b=3, t=5, v=7, pad=0):
    g = np.random.default_rng(seed)
    logits = g.normal(size=(b, t, v))
    targets = g.integers(1, v, size=(b, t))
    for row, n in zip(targets, g.integers(1, t + 1, size=b)):
        row[n:] = pad
    return logits, targets


@pytest.mark.parametrize("seed", range(4))
def test_equals_keras_with_sample_weights(seed):
    logits, targets = _batch(seed)
    mask = (targets != 0).astype(float)
    keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    expected = float(keras_loss(targets, logits, sample_weight=mask)) / mask.sum()
    assert float(sol.masked_caption_loss(logits, targets, 0)) == pytest.approx(expected, rel=1e-6)


def test_gradient_equals_numerical_gradient():
    logits, targets = _batch(9)
    x = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = sol.masked_caption_loss(x, targets, 0)
    got = tape.gradient(loss, x).numpy()
    numeric = numerical_gradient(lambda z: float(sol.masked_caption_loss(z, targets, 0)), logits.copy())
    np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-8)
    assert np.all(got[targets == 0] == 0)


def test_the_solution_passes_through_the_engine():
    verdict = run_engine("masked_loss", sol.__file__)
    assert verdict.status == "passed", verdict.message


MISTAKES = {
    "pad-counted": ("tf.reduce_sum(per_token * mask) / tf.reduce_sum(mask)", "tf.reduce_mean(per_token)", "PAD positions are counted"),
    "divided-by-bt": ("/ tf.reduce_sum(mask)", "/ tf.cast(tf.size(mask), mask.dtype)", "divided by B·T"),
    "softmax-twice": ("logits=logits)", "logits=tf.nn.softmax(logits))", "softmax was applied before the loss"),
    "numpy": ("    return tf.reduce_sum(per_token * mask) / tf.reduce_sum(mask)",
              "    import numpy as np\n    return np.sum(np.asarray(per_token) * np.asarray(mask)) / np.sum(np.asarray(mask))",
              "not differentiable"),
}


@pytest.mark.parametrize("key", MISTAKES)
def test_typical_mistakes_are_named(tmp_path, key):
    old, new, text = MISTAKES[key]
    verdict = mutate("masked_loss", tmp_path, old, new)
    assert verdict.status == "failed"
    assert any(text in c.message for c in verdict.checks if not c.passed), [c.message for c in verdict.checks]


KERAS_VARIANT = '''
import keras
import tensorflow as tf


def masked_caption_loss(logits, targets, pad_id):
    mask = tf.cast(tf.not_equal(tf.convert_to_tensor(targets), pad_id), "float32")
    ce = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
    return tf.reduce_sum(tf.cast(ce, "float32") * mask) / tf.reduce_sum(mask)
'''


def test_a_keras_variant_passes(tmp_path):
    verdict = run_source("masked_loss", KERAS_VARIANT, tmp_path)
    assert verdict.status == "passed", verdict.message
