"""Exercise 20 (gradient_tape): the reference solution against independent references
(numerical gradients of numpy versions of the functions, and Keras' own training step,
train_on_batch), and typical mistakes caught with the message that names them."""

from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from checker.testing import numerical_gradient
from tests.helpers import run_engine, run_source, solution

sol = solution("gradient_tape")


@pytest.mark.parametrize("seed", range(3))
def test_tf_gradients_equal_numerical_gradients(seed):
    g = np.random.default_rng(seed)
    x, A0, c0 = g.normal(size=(5, 3)), g.normal(size=(3, 4)), g.normal(size=4)
    A = tf.Variable(A0)
    c = tf.Variable(c0, trainable=False)

    def f():
        return tf.reduce_sum(tf.exp(-tf.square(tf.constant(x) @ A - c))) + tf.reduce_sum(c * c)

    def f_numpy(Av, cv):
        return float(np.sum(np.exp(-((x @ Av - cv) ** 2))) + np.sum(cv * cv))

    dA, dc = sol.tf_gradients(f, [A, c])
    np.testing.assert_allclose(dA.numpy(), numerical_gradient(lambda v: f_numpy(v, c0), A0.copy()), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dc.numpy(), numerical_gradient(lambda v: f_numpy(A0, v), c0.copy()), rtol=1e-6, atol=1e-8)


def _twin_models(seed):
    """Two identical small classifiers: one for the solution, one for Keras' own train step."""
    keras.utils.set_random_seed(seed)
    first = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(3)])
    second = keras.models.clone_model(first)
    second.set_weights(first.get_weights())
    return first, second


@pytest.mark.parametrize("make_optimizer", [lambda: keras.optimizers.SGD(0.1), lambda: keras.optimizers.Adam(0.01)],
                         ids=["sgd", "adam"])
def test_train_step_equals_keras_train_on_batch(make_optimizer):
    ours, theirs = _twin_models(0)
    g = np.random.default_rng(1)
    x, y = g.normal(size=(12, 5)).astype(np.float32), g.integers(0, 3, size=12)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    theirs.compile(optimizer=make_optimizer(), loss=loss_fn)
    optimizer = make_optimizer()
    for _ in range(3):
        loss = sol.train_step(ours, optimizer, loss_fn, x, y)
        expected = theirs.train_on_batch(x, y)
        assert float(loss) == pytest.approx(float(np.asarray(expected).reshape(-1)[0]), rel=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_the_solution_passes_through_the_engine():
    verdict = run_engine("gradient_tape", sol.__file__)
    assert verdict.status == "passed", verdict.message


TAPE_BLOCK = "        for variable in variables:\n            tape.watch(variable)\n        value = f()\n"
# Mistakes in tf_gradients and in train_step fail different checks, so one engine run
# (a few seconds with TensorFlow) tries one of each: every mistake must be named.
TF_GRADIENTS_MISTAKES = {
    "f-outside-tape": ("    with tf.GradientTape() as tape:\n" + TAPE_BLOCK,
                       "    value = f()\n    with tf.GradientTape() as tape:\n" + TAPE_BLOCK.replace("        value = f()\n", ""),
                       "computed outside the `with tf.GradientTape() as tape:` block"),
    "no-watch": (TAPE_BLOCK, "        value = f()\n", "trainable=False got None"),
    "one-gradient": ("return tape.gradient(value, variables)", "return tape.gradient(value, variables)[:1]",
                     "expected 3, one per variable"),
}
TRAIN_STEP_MISTAKES = {
    "no-training-flag": ("predictions = model(x, training=True)", "predictions = model(x)", "training=True is missing"),
    "no-apply": ("    optimizer.apply_gradients(zip(gradients, model.trainable_variables))\n", "", "did not move"),
    "loss-outside-tape": ("        loss = loss_fn(y, predictions)\n", "    loss = loss_fn(y, predictions)\n",
                          "the loss was computed outside"),
    "wrong-target": ("tape.gradient(loss, model.trainable_variables)",
                     "tape.gradient(predictions, model.trainable_variables)", "gradient of the predictions"),
    "loss-after-update": ("    return loss\n", "    return loss_fn(y, model(x, training=True))\n", "loss after the update"),
}
PAIRS = [("f-outside-tape", "no-training-flag"), ("no-watch", "no-apply"), ("one-gradient", "loss-outside-tape"),
         (None, "wrong-target"), (None, "loss-after-update")]


@pytest.mark.parametrize("pair", PAIRS, ids=["+".join(p for p in pair if p) for pair in PAIRS])
def test_typical_mistakes_are_named(tmp_path, pair):
    source = Path(sol.__file__).read_text(encoding="utf-8")
    named = []
    for table, key in zip((TF_GRADIENTS_MISTAKES, TRAIN_STEP_MISTAKES), pair):
        if key is None:
            continue
        old, new, text = table[key]
        assert old in source, f"mutation anchor {old!r} not found"
        source = source.replace(old, new, 1)
        named.append(text)
    verdict = run_source("gradient_tape", source, tmp_path)
    assert verdict.status == "failed"
    messages = [c.message for c in verdict.checks if not c.passed]
    for text in named:
        assert any(text in m for m in messages), (text, messages)
