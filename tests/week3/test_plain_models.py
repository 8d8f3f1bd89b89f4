"""Thresholds with room: plain correct models, not the reference, pass the training checks with a margin.

Each model here is what a learner following the stub's advice (or a well-known
public example) writes: the keras-io "simple MNIST convnet" for keras_cnn, a
Dense-only MLP at Adam's default rate for keras_mlp, keras-io's transfer-learning
recipe at Adam's default 1e-3 for transfer.  Each is trained by the check's own
`train_and_score` on several seeds and must clear the threshold by MARGIN.  The
time budgets are lifted: these tests are about accuracy (the reference tests
hold the reference to the budget), and the machine running them may be shared.

Measured accuracies are in the check modules' docstrings and the closing note.
"""

from __future__ import annotations

import keras
import pytest
from keras import layers

from tests.helpers import load_check

MARGIN = 0.01 - 1e-9  # room every plain model keeps above the threshold (0.01, as floats add up)


def keras_io_convnet(input_shape, n_classes):
    """keras-io's "simple MNIST convnet", as published (Dropout 0.5, no hidden Dense, Adam at its default 1e-3)."""
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def stub_convnet_at_1e3(input_shape, n_classes):
    """The stub's network, logits out, at the low end of the stub's suggested rates (Adam 1e-3)."""
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(n_classes),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def dense_only_mlp(input_shape, n_classes):
    """The plainest MLP: Flatten, Dense(128, relu), Dense(softmax); Adam at its default rate, no schedule, no Dropout."""
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def keras_io_transfer(base, n_classes, n_trainable=0):
    """keras-io's transfer-learning guide: reuse base, freeze it, a softmax head, Adam() at its default 1e-3."""
    base.trainable = False
    weighted = [layer for layer in base.layers if layer.weights]
    for layer in weighted[len(weighted) - n_trainable:] if n_trainable else []:
        layer.trainable = True
    inputs = keras.Input(shape=base.input_shape[1:])
    outputs = layers.Dense(n_classes, activation="softmax")(base(inputs, training=False))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.slow
@pytest.mark.parametrize("build, seed", [(keras_io_convnet, 0), (keras_io_convnet, 1), (stub_convnet_at_1e3, 0)],
                         ids=["keras-io-seed0", "keras-io-seed1", "stub-1e-3-seed0"])
def test_plain_convnets_clear_the_keras_cnn_threshold(monkeypatch, build, seed):
    checks = load_check("keras_cnn")
    monkeypatch.setattr(checks, "TIME_BUDGET", 10_000.0)
    accuracy, _ = checks.train_and_score(build, seed=seed)
    assert accuracy >= checks.THRESHOLD + MARGIN, accuracy


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_a_dense_only_mlp_clears_the_keras_mlp_threshold(seed):
    checks = load_check("keras_mlp")
    accuracy, _, _ = checks.train_and_score(dense_only_mlp, seed=seed, budget=10_000.0)
    assert accuracy >= checks.THRESHOLD + MARGIN, accuracy


@pytest.mark.slow
def test_the_transfer_recipe_at_adams_default_rate_beats_scratch(monkeypatch):
    """The model that failed when the baseline was a fixed Adam(1e-2) head: now both arms share its rate."""
    checks = load_check("transfer")
    monkeypatch.setattr(checks, "TIME_BUDGET", 10_000.0)
    transfer, scratch, _ = checks.train_and_score(keras_io_transfer, seed=0)
    assert transfer >= scratch + checks.MARGIN + MARGIN, (transfer, scratch)

