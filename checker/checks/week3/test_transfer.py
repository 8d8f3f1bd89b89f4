"""Hidden checks for exercise 30 (transfer).

The learner's model is built on the shipped pre-trained encoder (a fresh copy
for every build).  Cheap contract checks come first (a compiled keras.Model that
uses the encoder it was given, with its pre-trained weights, the right shapes,
a loss for integer labels, and the right layers frozen, judged by what the
optimizer will actually update: the model's trainable weights); the training
checks repeat them before they train, so a broken model fails in a blink.

Then behaviour: after training, frozen layers are bit-identical and the others
moved; and on the five classes the encoder never saw, with 20 labels per class,
the transfer model beats the very same construction (the learner's own
function, so the same head, optimizer and learning rate) on a freshly
initialised copy of the encoder (keras.models.clone_model) by at least MARGIN.
Comparing like with like is what makes the check measure the point of the
exercise (pre-trained features beat random ones with few labels) and not the
learning rate: with a fixed baseline at Adam(1e-2), a correct head trained at
Adam's default 1e-3 lost to a head on random features.

Where things run: the encoders the learner's function gets are made where the
learner's code runs (learner_side), so that it can freeze them and its models
train them; weights, shapes and test-set scores come back by value and are
judged here.  The weights are the judge's: the pre-trained ones are held
against its own copy of the shipped file, and the baseline's fresh encoder is
initialised here and its random weights sent over, so both are checked
unchanged after the build.  The baseline is the learner's own construction, so
it trains where the learner's code runs too: what cannot be prevented there is
code written on purpose to train its own baseline badly.

Measured (mean of 3 draws): the reference 0.853 vs 0.766 on a fresh encoder
(seed 0), 0.874 vs 0.794 (seed 1); keras-io's transfer recipe at Adam's default
1e-3, which failed against the old fixed Adam(1e-2) baseline, 0.787 vs 0.408.
"""

from __future__ import annotations

import functools
import time

import keras
import numpy as np
import pytest

from checker.datasets import NEW_CLASS_NAMES, NEW_CLASSES, load_encoder
from checker.testing import (
    judge_side_model,
    check_loss_fits_outputs,
    fail,
    learner_isinstance,
    guarded_fit,
    learner_side,
    report_figure,
    shipped,
    shipped_fashion_mnist,
    type_name,
)

N_CLASSES = len(NEW_CLASSES)
PER_CLASS, EPOCHS, BATCH = 20, 20, 10
DRAWS = 3  # label draws averaged over: one draw of 100 images is a noisy yardstick
MARGIN = 0.02
TIME_BUDGET = 90.0  # CPU seconds for all the training runs of one check (both arms, every draw; guarded_fit)


# ---------------------------------------------------------------- data and encoder


@functools.lru_cache(maxsize=1)
def _new_classes():
    """Train and test images of the classes the encoder never saw, relabelled 0..4."""
    (x_train, y_train), (x_test, y_test) = shipped_fashion_mnist()
    relabel = np.full(10, -1)
    relabel[list(NEW_CLASSES)] = np.arange(N_CLASSES)
    train, test = np.isin(y_train, NEW_CLASSES), np.isin(y_test, NEW_CLASSES)
    return x_train[train], relabel[y_train[train]], x_test[test], relabel[y_test[test]]


def few_labels(seed: int):
    """PER_CLASS labelled training images of each new class, drawn with `seed`."""
    x, y, _, _ = _new_classes()
    g = np.random.default_rng(seed)
    idx = g.permutation(np.concatenate([g.choice(np.flatnonzero(y == c), PER_CLASS, replace=False) for c in range(N_CLASSES)]))
    return x[idx], y[idx]


def _encoder_here():
    """A fresh copy of the shipped encoder in this process (the judge's own)."""
    return shipped(load_encoder, what="the course's pre-trained encoder")


@functools.lru_cache(maxsize=1)
def shipped_weights() -> tuple:
    """The pre-trained weights as shipped, read here: what the learner's copy must hold."""
    return tuple(_value(v) for v in _encoder_here().weights)


def encoder():
    """A fresh copy of the shipped encoder where the learner's code runs, so its model can freeze and train it."""
    shipped_weights()  # a missing file is named here first
    return learner_side(load_encoder)


def fresh_weights(seed: int) -> list:
    """Freshly initialised weights for the encoder (keras.models.clone_model with `seed`), drawn here."""
    keras.utils.set_random_seed(seed)
    return [np.asarray(w) for w in keras.models.clone_model(_encoder_here()).get_weights()]


def encoder_holding(weights):
    """The encoder's architecture holding `weights` (the check's), made where the learner's code runs."""
    base = load_encoder()
    base.set_weights(weights)
    return base


def weighted_layers(base):
    return [layer for layer in base.layers if layer.weights]


def _value(variable):
    """A numpy copy of a Keras variable's current value."""
    return np.array(variable.numpy(), copy=True)


def _names(layers_):
    return "[" + ", ".join(layer.name for layer in layers_) + "]" if layers_ else "none"


def _by_id(objects) -> dict:
    """{id(v): v}, keeping every v alive.

    The learner's objects reach the checks as proxies, one per object while it lives: id() tells two proxies
    apart only while both live, so a set of bare ids of a temporary list (model.weights) would not do.
    """
    return {id(v): v for v in objects}


# ---------------------------------------------------------------- the contract




def check_frozen(model, base, n_trainable, call):
    """The layers the optimizer will update (model.trainable_weights) are the ones asked for."""
    weighted = weighted_layers(base)
    updated = _by_id(model.trainable_weights)
    got = [layer for layer in weighted if any(id(v) in updated for v in layer.weights)]
    want = weighted[len(weighted) - n_trainable:] if n_trainable else []
    if got != want:
        tail = [layer for layer in base.layers[len(base.layers) - n_trainable:] if layer.weights] if n_trainable else []
        if not n_trainable and got == weighted:
            why = ("Likely mistake: the encoder is not frozen. Set layer.trainable = False on its layers "
                   "(base.trainable = False freezes them all at once).")
        elif n_trainable and got and got == tail:
            why = ("Likely mistake: you counted the last n_trainable layers of base.layers, including layers without "
                   "weights (pooling, GlobalAveragePooling2D). Count only the layers that have weights.")
        elif n_trainable and got == weighted[:n_trainable]:
            why = "Likely mistake: you unfroze the FIRST n_trainable weighted layers; it is the LAST ones that stay trainable."
        elif n_trainable and not got:
            why = ("Likely mistake: every layer of the encoder is frozen: is n_trainable ignored, or did you count "
                   "the last layers of base.layers including those without weights (the last one, features, is a "
                   "GlobalAveragePooling2D)? Count only the layers that have weights.")
        elif got == weighted:
            why = "Likely mistake: nothing is frozen."
        else:
            why = ""
        fail(
            f"{call}: the encoder layers your model will train are {_names(got)}; expected {_names(want)} "
            f"(the last {n_trainable} of the layers with weights {_names(weighted)}, the others frozen).\n{why}".rstrip()
        )
    own = _by_id(base.weights)
    if not any(id(v) not in own for v in updated.values()):
        fail(f"{call}: the model has no trainable weights outside the encoder: the new head is frozen too.\n"
             "Freeze the encoder's layers only, not the whole model (not model.trainable = False).")


def check_head(model, base, n_classes, call):
    """The head is one Dense(n_classes) layer on the features: a kernel and a bias, nothing else."""
    own = _by_id(base.weights)
    shapes = sorted((tuple(v.shape) for v in model.weights if id(v) not in own), key=len)
    features = base.output_shape[-1]
    if shapes != [(n_classes,), (features, n_classes)]:
        fail(
            f"{call}: the weights outside the encoder have shapes {shapes}; expected one Dense({n_classes}) layer on "
            f"the {features} features: a kernel ({features}, {n_classes}) and a bias ({n_classes},).\n"
            "The head is a single Dense layer (a Dropout before it is fine): the checks compare encoders through "
            "the same linear classifier, and a hidden layer would blur that comparison."
        )


def check_model(model, base, n_classes, n_trainable, pretrained=None):
    """Fail with a learner-facing message unless `model` keeps the exercise's contract."""
    call = f"build_transfer_model(base, {n_classes}, n_trainable={n_trainable})"
    if model is None:
        fail(f"{call} returned None.\nDid you forget `return model`?")
    if not learner_isinstance(model, keras.Model):
        fail(f"{call} returned {type_name(model)}, expected a keras.Model (keras.Model(inputs, outputs)).")
    if not getattr(model, "compiled", False):
        fail(f"{call} returned a model that is not compiled.\n"
             "Call model.compile(optimizer=..., loss=..., metrics=[\"accuracy\"]) before `return model`.")
    mine = _by_id(model.weights)
    if not all(id(v) in mine for v in base.weights):
        fail(
            f"{call} returned a model that does not contain the encoder it was given: base's weights are not among "
            "the model's.\nLikely mistake: the encoder was copied or re-created (keras.models.clone_model, a new "
            "model of the same layers...), which gives new, random weights. Call base itself: features = base(inputs)."
        )
    if pretrained is not None:
        for v, saved in zip(base.weights, pretrained):
            if not np.array_equal(_value(v), saved):
                fail(f"{call} changed the encoder's pre-trained weights ({v.path}) while building the model.\n"
                     "Do not re-initialise or modify base: its weights are what transfer learning re-uses.")
    want_in, want_out = tuple(base.input_shape), (None, n_classes)
    got_in, got_out = tuple(model.input_shape), tuple(model.output_shape)
    if got_in != want_in or got_out != want_out:
        fixed = " Likely mistake: the number of classes is hard-coded; use n_classes." if got_in == want_in else ""
        fail(f"{call} returned a model of input shape {got_in} and output shape {got_out}; expected {want_in} → "
             f"{want_out}, one score per class.{fixed}")
    check_head(model, base, n_classes, call)
    check_frozen(model, base, n_trainable, call)

    check_loss_fits_outputs(model, want_in[1:], n_classes, part="head")


def build(build_fn, base, n_trainable=None, n_classes=N_CLASSES, weights=None):
    """Call the learner's function (without n_trainable when None: its default must be 0) and check the result.

    `base` holds `weights` (the check's own values; default: the shipped pre-trained ones, for `encoder()`), and
    must still hold them after the build.
    """
    pretrained = shipped_weights() if weights is None else weights
    if n_trainable is None:
        model, n_trainable = build_fn(base, n_classes), 0
    else:
        model = build_fn(base, n_classes, n_trainable=n_trainable)
    check_model(model, base, n_classes, n_trainable, pretrained)
    return model


# ---------------------------------------------------------------- training


def _score(model, what):
    """Test accuracy on the new classes, from the model's scores (by value), reckoned here."""
    _, _, x_test, y_test = _new_classes()
    scores = np.asarray(judge_side_model(model, what).predict(x_test, batch_size=500, verbose=0))  # computed here
    if scores.shape != (len(y_test), N_CLASSES):
        fail(f"After training {what}, model.predict gave scores of shape {scores.shape} for the {len(y_test)} test "
             f"images, expected ({len(y_test)}, {N_CLASSES}).")
    if not np.all(np.isfinite(scores)):
        fail(f"After training {what}, its outputs contain NaN or inf: the training diverged. Is the learning rate too high?")
    return float(np.mean(np.argmax(scores, axis=1) == y_test))


def _fit_and_score(model, x, y, budget, what):
    """Train the learner's model under a guard (where it lives); (test accuracy, seconds of training)."""
    guard, seconds, _ = guarded_fit(model, x, y, budget, epochs=EPOCHS, batch_size=BATCH, shuffle=True, verbose=0)
    if guard["stopped"]:
        fail(f"Training was stopped: training {what} ran past the {TIME_BUDGET:.0f} s budget of this check.\n"
             "A head on 128 features and 100 images should train in a few seconds: keep the head small "
             "(Dense(n_classes), maybe one small hidden Dense layer).")
    return _score(model, what), seconds


def train_and_score(build_fn, seed: int = 0) -> tuple[float, float, float]:
    """Transfer vs. scratch on few labels, each the mean over DRAWS label draws: (transfer, scratch, seconds).

    Scratch is `build_fn` on an encoder of freshly initialised weights (drawn here).  Both models are seeded
    alike and trained where the learner's code runs, under one shared TIME_BUDGET; both accuracies are reckoned
    here.
    """
    started = time.perf_counter()
    spent = 0.0
    transfer, scratch = [], []
    for draw in range(seed * DRAWS, (seed + 1) * DRAWS):
        x, y = few_labels(draw)
        learner_side(keras.utils.set_random_seed, draw)
        accuracy, seconds = _fit_and_score(build(build_fn, encoder()), x, y, TIME_BUDGET - spent, "your transfer model")
        spent += seconds
        transfer.append(accuracy)
        fresh = fresh_weights(draw)  # same architecture, freshly initialised weights
        learner_side(keras.utils.set_random_seed, draw)  # the same head initialisation and batch order
        model = build(build_fn, learner_side(encoder_holding, fresh), weights=fresh)
        accuracy, seconds = _fit_and_score(model, x, y, TIME_BUDGET - spent, "the model on a fresh encoder")
        spent += seconds
        scratch.append(accuracy)
    return float(np.mean(transfer)), float(np.mean(scratch)), time.perf_counter() - started


# ---------------------------------------------------------------- checks


def test_returns_a_compiled_model_on_the_encoder(ex):
    """returns a compiled keras.Model that uses the encoder it was given, frozen (n_trainable defaults to 0)"""
    build(ex.build_transfer_model, encoder())


@pytest.mark.parametrize("n_classes", [3, 7])
def test_the_head_has_n_classes_outputs(ex, n_classes):
    """the new head has n_classes outputs"""
    build(ex.build_transfer_model, encoder(), n_trainable=0, n_classes=n_classes)


@pytest.mark.parametrize("n_trainable", [0, 1, 2, 3])
def test_the_right_layers_are_frozen(ex, n_trainable):
    """all encoder layers are frozen except the last n_trainable layers with weights"""
    build(ex.build_transfer_model, encoder(), n_trainable=n_trainable)


@pytest.mark.parametrize("n_trainable", [0, 2])
def test_frozen_layers_stay_frozen_in_training(ex, n_trainable):
    """after training, frozen layers are bit-identical; the n_trainable layers and the head moved"""
    base = encoder()
    learner_side(keras.utils.set_random_seed, 3)
    model = build(ex.build_transfer_model, base, n_trainable=n_trainable)
    weights = model.weights  # kept: the proxies (and so their ids) live as long as this list
    before = [_value(v) for v in weights]
    x, y = few_labels(3)
    model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)
    moved = {id(v): not np.array_equal(old, _value(v)) for v, old in zip(weights, before)}
    weighted = weighted_layers(base)
    for i, layer in enumerate(weighted):
        trainable = i >= len(weighted) - n_trainable
        changed = any(moved.get(id(v), False) for v in layer.weights)
        if changed and not trainable:
            fail(f"After one epoch of training with n_trainable={n_trainable}, the frozen layer {layer.name} changed.\n"
                 "A frozen layer (layer.trainable = False) must keep its pre-trained weights bit for bit.")
        if trainable and not changed:
            fail(f"After one epoch of training with n_trainable={n_trainable}, layer {layer.name} did not change, "
                 "though it should be fine-tuned.")
    own = _by_id(base.weights)
    if not any(moved.get(id(v), False) for v in model.trainable_weights if id(v) not in own):
        fail("After one epoch of training, the new head's weights did not change: is the head trainable, and the "
             "learning rate above zero?")


def test_transfer_beats_training_from_scratch(ex):
    """with 20 labels per class, the pre-trained encoder beats a freshly initialised one by ≥ 0.02 accuracy"""
    transfer, scratch, seconds = train_and_score(ex.build_transfer_model, seed=0)
    report_figure("accuracy", transfer)
    report_figure("scratch accuracy", scratch)
    if transfer < scratch + MARGIN:
        fail(
            f"On the {N_CLASSES} new classes ({', '.join(NEW_CLASS_NAMES)}) with {PER_CLASS} labelled images each, "
            f"{EPOCHS} epochs (batch size {BATCH}), mean test accuracy over {DRAWS} draws of the labelled images "
            f"({seconds:.0f} s of CPU in all):\n"
            f"  your transfer model:                       {transfer:.4f}\n"
            f"  the same on a freshly initialised encoder: {scratch:.4f}\n"
            f"The transfer model must be at least {MARGIN} better (it is {transfer - scratch:+.4f}); "
            "the reference wins by about 0.08 to 0.14.\n"
            "Are the pre-trained weights really used (base itself, not a copy) and frozen? Chance is 0.2: near it, "
            "look at the learning rate (1e-2 for a head on frozen features) and the head's activation."
        )
