"""checker.testing.judge_side_model: the Keras training checks score a copy of the learner's model rebuilt in the
judge from its configuration and weights, never outputs the learner's objects computed (tests/test_security_round2.py
R2-6 is the attack through the engine).  Here, in one process: what is rebuilt computes what the model computes,
holds a copy of its weights, ignores a replaced predict, and what cannot be rebuilt fails with a message that says why.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from checker.testing import CheckFailure, judge_side_model

X = np.random.default_rng(0).uniform(size=(7, 6, 6, 1)).astype(np.float32)


def _convnet():
    return keras.Sequential([
        keras.Input((6, 6, 1)), keras.layers.Conv2D(3, 3, activation="relu"), keras.layers.BatchNormalization(),
        keras.layers.Flatten(), keras.layers.Dropout(0.5), keras.layers.Dense(4),
    ])


def _functional():
    inputs = keras.Input((6, 6, 1))
    inner = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(5, activation="tanh")])
    model = keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(inner(inputs)))
    model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.9)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("build", [_convnet, _functional], ids=["sequential", "functional-nested"])
def test_the_copy_computes_what_the_model_computes_with_its_own_weights(build):
    model = build()
    model.fit(X, np.arange(7) % 4, epochs=1, verbose=0) if model.compiled else None
    copy = judge_side_model(model)
    assert copy is not model
    np.testing.assert_allclose(copy.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-5, atol=1e-6)
    before = copy.predict(X, verbose=0)
    model.set_weights([w * 0 for w in model.get_weights()])  # the copy holds values, not the model's variables
    np.testing.assert_array_equal(copy.predict(X, verbose=0), before)


def test_a_replaced_predict_is_not_what_is_scored():
    model = _convnet()
    model.predict = lambda *args, **kwargs: np.full((len(X), 4), 7.0)
    np.testing.assert_allclose(judge_side_model(model).predict(X, verbose=0), np.asarray(model(X, training=False)),
                               rtol=1e-5, atol=1e-6)


class Doubled(keras.layers.Layer):
    def call(self, x):
        return 2 * x


class Looked(keras.Sequential):
    def predict(self, x, *args, **kwargs):
        return np.zeros((len(x), 4))


def _custom_activation(x):
    return keras.ops.relu(x)


@pytest.mark.parametrize("build, named", [
    (lambda: keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(), Doubled(), keras.layers.Dense(4)]),
     "'Doubled', a class or function of your own"),
    (lambda: Looked([keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(4)]),
     "'Looked', a class or function of your own"),
    (lambda: keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(4, activation=_custom_activation)]),
     "a class or function of your own"),
    (lambda: keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Flatten(),
                               keras.layers.Dense(4)]),
     "has a Lambda layer"),
], ids=["custom-layer", "model-subclass", "custom-activation", "lambda"])
def test_what_cannot_be_rebuilt_fails_saying_why(build, named):
    with pytest.raises(CheckFailure) as failure:
        judge_side_model(build(), "your model")
    message = str(failure.value)
    assert named in message and "rebuilds the trained model" in message and "keras.Sequential" in message, message
