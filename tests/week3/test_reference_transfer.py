"""Exercise 30 (transfer): the shipped encoder is what its script builds and what the
README says, its loader fails clearly, the reference solution beats the
freshly-initialised baseline on several seeds (the check is not flaky), the
contract check accepts every correct convention, and typical mistakes are named."""

import types

import keras
import numpy as np
import pytest

from checker.datasets import encoder as pretrained
from checker.datasets import FASHION_MNIST_CLASSES, DataNotFound, load_fashion_mnist
from checker.testing import CheckFailure
from checker.datasets import data_dir
from tests.helpers import (
    CATALOG,
    SOLUTIONS,
    load_check,
    load_module,
    mutate,
    solution,
)

sol = solution("transfer")
checks = load_check("transfer")
SOURCE = (SOLUTIONS / CATALOG.get("transfer").file).read_text(encoding="utf-8")


def _variant(old, new):
    """The reference solution with one snippet replaced, as a module (for checks called directly)."""
    assert old in SOURCE
    module = types.ModuleType("transfer_variant")
    exec(compile(SOURCE.replace(old, new, 1), "transfer_variant.py", "exec"), module.__dict__)  # noqa: S102
    return module


# ---------------------------------------------------------------- the shipped encoder


def test_the_encoder_file_is_small_and_what_the_script_builds():
    path = data_dir() / pretrained.ENCODER_FILE
    assert path.stat().st_size < 2 * 1024 * 1024
    shipped = pretrained.load_encoder()
    built = load_module(data_dir() / "make_encoder.py").build_encoder()
    assert [(type(l).__name__, l.name) for l in shipped.layers] == [(type(l).__name__, l.name) for l in built.layers]
    assert [tuple(v.shape) for v in shipped.weights] == [tuple(v.shape) for v in built.weights]
    assert shipped.input_shape == (None, 28, 28, 1) and shipped.output_shape == (None, pretrained.FEATURE_DIM)
    assert [l.name for l in checks.weighted_layers(shipped)] == ["conv1", "conv2", "conv3"]
    assert not shipped.compiled


def test_each_load_is_a_fresh_copy():
    a, b = pretrained.load_encoder(), pretrained.load_encoder()
    a.layers[1].trainable = False
    a.weights[0].assign(np.zeros(a.weights[0].shape, dtype="float32"))
    assert b.layers[1].trainable and np.any(b.weights[0].numpy())


def test_a_missing_encoder_is_named(tmp_path):
    with pytest.raises(DataNotFound, match=r"(?s)nowhere\.keras is missing.*make_encoder\.py"):
        pretrained.load_encoder(tmp_path / "nowhere.keras")


def test_the_classes_split_in_two_halves():
    assert sorted(pretrained.PRETRAINED_CLASSES + pretrained.NEW_CLASSES) == list(range(10))
    assert pretrained.NEW_CLASS_NAMES == ("Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
    assert pretrained.PRETRAINED_CLASS_NAMES == FASHION_MNIST_CLASSES[:5]


def _nearest_mean_accuracy(features, y, features_test, y_test):
    classes = np.unique(y)
    means = np.stack([features[y == c].mean(axis=0) for c in classes])
    distances = ((features_test[:, None, :] - means[None]) ** 2).sum(axis=-1)
    return float(np.mean(classes[np.argmin(distances, axis=1)] == y_test))


def test_the_features_are_good_on_the_old_classes_and_better_than_random_on_the_new():
    """A nearest-class-mean classifier on the features: no training, independent of the check."""
    (x, y), (xt, yt) = load_fashion_mnist(data_dir() / "fashion_mnist_subset.npz")
    shipped = pretrained.load_encoder()
    keras.utils.set_random_seed(0)
    random = keras.models.clone_model(pretrained.load_encoder())
    f, ft = shipped.predict(x, batch_size=1000, verbose=0), shipped.predict(xt, batch_size=1000, verbose=0)
    old, old_t = np.isin(y, pretrained.PRETRAINED_CLASSES), np.isin(yt, pretrained.PRETRAINED_CLASSES)
    assert _nearest_mean_accuracy(f[old], y[old], ft[old_t], yt[old_t]) > 0.8
    new, new_t = ~old, ~old_t
    rf, rft = random.predict(x[new], batch_size=1000, verbose=0), random.predict(xt[new_t], batch_size=1000, verbose=0)
    assert _nearest_mean_accuracy(f[new], y[new], ft[new_t], yt[new_t]) > _nearest_mean_accuracy(rf, y[new], rft, yt[new_t]) + 0.05


# ---------------------------------------------------------------- the reference through the check


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


@pytest.mark.parametrize("seed", [1, 2])
def test_reference_beats_scratch_on_other_seeds(seed):
    transfer, scratch, seconds = checks.train_and_score(sol.build_transfer_model, seed=seed)
    assert transfer >= scratch + checks.MARGIN + 0.03, (transfer, scratch)
    assert seconds < checks.TIME_BUDGET  # a loose bound: the machine running the tests may be shared


def _logits_sequential(base, n_classes, n_trainable=0):
    """Another correct answer: Sequential, Dropout before the head, logits with from_logits=True."""
    weighted = [layer for layer in base.layers if layer.weights]
    base.trainable = False
    for layer in weighted[len(weighted) - n_trainable:] if n_trainable else []:
        layer.trainable = True
    model = keras.Sequential([base, keras.layers.Dropout(0.2), keras.layers.Dense(n_classes)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@pytest.mark.parametrize("n_trainable", [0, 1, 2, 3])
def test_the_contract_accepts_other_correct_answers(n_trainable):
    checks.build(_logits_sequential, checks.encoder(), n_trainable=n_trainable)
    checks.build(sol.build_transfer_model, checks.encoder(), n_trainable=n_trainable)


def test_the_time_guard_stops_a_slow_run_with_a_message(monkeypatch):
    monkeypatch.setattr(checks, "TIME_BUDGET", 0.1)
    with pytest.raises(CheckFailure, match="Training was stopped"):
        checks.train_and_score(sol.build_transfer_model, seed=0)


# ---------------------------------------------------------------- mistakes


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("        layer.trainable = False\n", "        pass\n", "the encoder is not frozen"),
        ("weighted[max(len(weighted) - n_trainable, 0):]", "weighted[-n_trainable:]", "the encoder is not frozen"),
        ("features = base(inputs)", "features = keras.models.clone_model(base)(inputs)", "copied or re-created"),
        ("    learning_rate = 1e-2", "    model.trainable = False\n    learning_rate = 1e-2", "the new head is frozen too"),
        ('activation="softmax", name="head")(features)', 'activation="softmax")(layers.Dense(32)(features))', "single Dense layer"),
    ],
    ids=["not-frozen", "minus-zero-slice", "cloned-encoder", "frozen-head", "hidden-layer"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("transfer", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message


@pytest.mark.parametrize(
    "old, new, n_trainable, named",
    [
        ("if layer.weights]", "]", 2, "including layers without weights"),
        ("weighted[max(len(weighted) - n_trainable, 0):]", "weighted[:n_trainable]", 1, "FIRST n_trainable"),
        ("weighted[max(len(weighted) - n_trainable, 0):]", "[]", 2, "is n_trainable ignored"),
    ],
    ids=["counts-weightless-layers", "first-not-last", "ignores-n_trainable"],
)
def test_freezing_mistakes_are_named(old, new, n_trainable, named):
    """Called directly: through the engine these mutants would also train (n_trainable=0 is right)."""
    with pytest.raises(CheckFailure, match=named):
        checks.build(_variant(old, new).build_transfer_model, checks.encoder(), n_trainable=n_trainable)


def test_a_layer_that_should_be_fine_tuned_but_does_not_move_is_caught():
    frozen_in_effect = _variant("1e-2 if n_trainable == 0 else 1e-3", "1e-2 if n_trainable == 0 else 0.0")
    with pytest.raises(CheckFailure, match="did not change, though it should be fine-tuned"):
        checks.test_frozen_layers_stay_frozen_in_training(frozen_in_effect, 2)


def test_the_fresh_encoder_holds_the_checks_random_weights_and_they_are_checked():
    """The baseline's encoder is initialised by the check and sent over: a build that swaps its weights is named."""
    fresh = checks.fresh_weights(0)
    base = checks.encoder_holding(fresh)
    assert all(np.array_equal(v.numpy(), w) for v, w in zip(base.weights, fresh))
    assert not all(np.array_equal(w, s) for w, s in zip(fresh, checks.shipped_weights()))
    checks.build(sol.build_transfer_model, checks.encoder_holding(fresh), weights=fresh)

    def pretrained_instead(base, n_classes, n_trainable=0):
        base.set_weights(list(checks.shipped_weights()))
        return sol.build_transfer_model(base, n_classes, n_trainable)

    with pytest.raises(CheckFailure, match="changed the encoder's pre-trained weights"):
        checks.build(pretrained_instead, checks.encoder_holding(fresh), weights=fresh)
