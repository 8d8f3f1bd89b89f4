"""Exercise 28 (keras_cnn): the reference solution clears the accuracy threshold on
several seeds within the time budget (the check is not flaky), the contract check
accepts every correct convention, and typical mistakes are caught and named."""

import keras
import pytest

from checker.testing import CheckFailure
from tests.helpers import load_check, mutate, solution

sol = solution("keras_cnn")
checks = load_check("keras_cnn")


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


@pytest.mark.parametrize("seed", [1, 2])
def test_reference_clears_the_threshold_on_other_seeds(seed):
    accuracy, seconds = checks.train_and_score(sol.build_cnn, seed=seed)
    assert accuracy >= checks.THRESHOLD + 0.01, accuracy
    assert seconds < checks.TIME_BUDGET, seconds  # a loose bound: the machine running the tests may be shared


def _logits_cnn(input_shape, n_classes):
    """The other correct convention, in the functional API: logits out, from_logits=True."""
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Conv2D(8, 3, activation="relu")(inputs)
    x = keras.layers.GlobalMaxPooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(n_classes)(x))
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@pytest.mark.parametrize("input_shape, n_classes", [((28, 28, 1), 10), ((32, 32, 3), 5)])
def test_the_contract_accepts_logits_and_the_functional_api(input_shape, n_classes):
    checks.check_model(_logits_cnn(input_shape, n_classes), input_shape, n_classes)
    checks.check_model(sol.build_cnn(input_shape, n_classes), input_shape, n_classes)


def test_hard_coded_classes_are_named():
    """Checked directly: through the engine this mutant would also train (10 classes fit)."""
    with pytest.raises(CheckFailure, match="10 classes are hard-coded"):
        checks.check_model(_logits_cnn((32, 32, 3), 10), (32, 32, 3), 5)
    with pytest.raises(CheckFailure, match="instead of a fixed"):
        checks.check_model(_logits_cnn((28, 28, 1), 5), (32, 32, 3), 5)


def test_the_time_guard_stops_a_slow_run_with_a_message(monkeypatch):
    monkeypatch.setattr(checks, "TIME_BUDGET", 0.2)
    with pytest.raises(CheckFailure, match=r"Training was stopped: after \d+ of 395 batches.*budget is 0 s of CPU"):
        checks.train_and_score(sol.build_cnn, seed=0)


@pytest.mark.parametrize(
    "old, new, named",
    [
        (
            'loss="sparse_categorical_crossentropy"',
            "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
            "softmax is applied twice",
        ),
        ('layers.Dense(n_classes, activation="softmax")', "layers.Dense(n_classes)", "the model outputs logits"),
        ('loss="sparse_categorical_crossentropy"', 'loss="categorical_crossentropy"', "expects one-hot label vectors"),
        ("layers.MaxPooling2D(2),\n            layers.Conv2D(64", "layers.Conv2D(64", "put a MaxPooling2D after each"),
        ("    model.compile(", "    0 and model.compile(", "not compiled"),
    ],
    ids=["double-softmax", "logits-with-probability-loss", "one-hot-loss", "no-pooling", "not-compiled"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("keras_cnn", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message
