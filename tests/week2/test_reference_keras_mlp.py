"""Exercise 21 (keras_mlp): the reference model meets the contract, trains past the
threshold with margin for several seeds (so the training check is not flaky), the
check's own judgement of logits vs probabilities agrees with Keras, the time guard
and the accuracy failure speak clearly, and typical mistakes are named."""

import keras
import numpy as np
import pytest

from checker.testing import CheckFailure
from tests.helpers import load_check, mutate, solution

sol = solution("keras_mlp")
checks = load_check("keras_mlp")


def test_the_reference_outputs_logits_and_its_loss_is_keras_crossentropy():
    model = sol.build_mlp((28, 28, 1), 10)
    g = np.random.default_rng(0)
    x, y = g.uniform(size=(8, 28, 28, 1)).astype(np.float32), g.integers(0, 10, size=8)
    logits = model(x, training=False)
    expected = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
    assert float(model.evaluate(x, y, verbose=0, return_dict=True)["loss"]) == pytest.approx(
        float(np.mean(expected)), rel=1e-5)
    assert model.count_params() <= checks.MAX_PARAMS


@pytest.mark.parametrize("seed", range(3))
def test_the_training_check_passes_with_margin_for_several_seeds(seed):
    accuracy, seconds, losses = checks.train_and_score(sol.build_mlp, seed=seed)
    assert accuracy >= checks.THRESHOLD + 0.01, (seed, accuracy, seconds)
    assert seconds < checks.TIME_BUDGET and losses[-1] < losses[0]


def _slow_learner(input_shape, n_classes):
    model = keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(n_classes)])
    model.compile(optimizer=keras.optimizers.SGD(1e-6),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def test_a_model_that_does_not_learn_fails_with_the_accuracy_reached(monkeypatch):
    monkeypatch.setattr(checks, "EPOCHS", 1)
    with pytest.raises(CheckFailure, match=r"test accuracy 0\.\d+ < 0\.84 needed"):
        checks.assert_accuracy(_slow_learner)


def test_the_time_guard_stops_training_and_says_so(monkeypatch):
    monkeypatch.setattr(checks, "EPOCHS", 3)
    with pytest.raises(CheckFailure, match=r"past the budget of 0 s of CPU during epoch 1 of 3"):
        checks.train_and_score(_slow_learner, budget=0.01)


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("keras.layers.Dense(n_classes),", 'keras.layers.Dense(n_classes, activation="softmax"),', "softmax is applied twice"),
        ("SparseCategoricalCrossentropy(from_logits=True)", "SparseCategoricalCrossentropy()", "treats them as probabilities"),
        ("        keras.layers.Flatten(),\n", "", "not flattened"),
        ("SparseCategoricalCrossentropy(from_logits=True)", "CategoricalCrossentropy(from_logits=True)", "not one-hot"),
        ('        metrics=["accuracy"],\n', "", "no accuracy"),
        ('keras.layers.Dense(256, activation="relu")', 'keras.layers.Dense(3000, activation="relu")', "parameters"),
    ],
    ids=["double-softmax", "logits-as-probabilities", "no-flatten", "one-hot-loss", "no-metric", "too-big"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("keras_mlp", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message
    training = [c for c in verdict.checks if "84%" in c.title]
    assert "fix the checks above first" in training[0].message  # no training time spent on a broken model
