"""Hidden checks for exercise 21 (keras_mlp).

The contract is checked first, in a blink (a compiled keras.Model, the right
input and output shapes, a sane size, a loss that agrees with the outputs);
then the learner's model is trained with model.fit on the shipped Fashion-MNIST
subset with fixed seeds, a fixed number of epochs and a wall-clock guard, and
its test accuracy is computed here from the argmax of its outputs.  The model,
its seeds and the guard live where the learner's code runs (the sandbox); the
test images cross there, the outputs come back by value, and the accuracy and
the time are reckoned here.

Whether the outputs are logits or probabilities is the learner's choice; the
check only asks that the compiled loss agrees with it: the loss it reports on a
batch must equal the cross-entropy computed here (of softmax(outputs) for
logits, of the outputs themselves for probabilities).

The threshold, 0.84, measured with two maths threads (every check process has
them): the reference reaches 0.8605 / 0.8615 / 0.8640 on seeds 0 / 1 / 2, the
plainest MLP (Flatten, Dense(128, relu), Dense(softmax), Adam at its default
rate, no schedule, no Dropout) 0.8525 / 0.8500 / 0.8500: at least 0.01 of room
(tests/week3/test_plain_models.py).
"""

import functools

import keras
import numpy as np
import pytest

from checker.testing import (
    judge_side_model,
    fmt_gap,
    report_figure,
    after_cheap_checks,
    assert_true,
    fail,
    learner_isinstance,
    fmt,
    guarded_fit,
    learner_side,
    rng,
    shipped_fashion_mnist,
    type_name,
)

INPUT_SHAPE, N_CLASSES = (28, 28, 1), 10
EPOCHS, BATCH = 20, 128
THRESHOLD = 0.84
TIME_BUDGET = 30.0  # CPU seconds of model.fit (checker.testing.guarded_fit)
MAX_PARAMS = 2_000_000

DOUBLE_SOFTMAX = (
    "the outputs are already probabilities (a softmax output layer) but the loss has from_logits=True, so softmax "
    "is applied twice. Either drop the softmax activation (recommended) or use from_logits=False."
)
LOGITS_AS_PROBABILITIES = (
    "the outputs are logits (no softmax on the last layer) but the loss treats them as probabilities "
    "(from_logits=False, the default). Use keras.losses.SparseCategoricalCrossentropy(from_logits=True)."
)


def _build(ex, input_shape=INPUT_SHAPE, n_classes=N_CLASSES, seed=0):
    learner_side(keras.utils.set_random_seed, seed)  # the model is built (and trains) over there
    model = ex.build_mlp(tuple(input_shape), n_classes)
    what = f"build_mlp({tuple(input_shape)}, {n_classes})"
    if model is None:
        fail(f"{what} returned None.\nDid you forget `return model`?")
    if isinstance(model, tuple):
        fail(f"{what} returned a tuple of {len(model)} items, expected the model alone.\n"
             "model.compile(...) returns None: call it, then `return model`.")
    if not learner_isinstance(model, keras.Model):
        fail(f"{what} returned {type_name(model)}, expected a keras.Model (for example keras.Sequential([...])).")
    return model


def _outputs(model, x, what):
    try:
        out = model(x, training=False)
    except Exception as exc:  # noqa: BLE001 - any failure here is a model that does not take these images
        fail(
            f"{what} could not take a batch of shape {x.shape}:\n{type(exc).__name__}: {str(exc)[:400]}\n"
            "Start the model with keras.Input(shape=input_shape), using the input_shape argument (not a fixed shape)."
        )
    return np.asarray(out, dtype=np.float64)


# ---------------------------------------------------------------- the contract


def test_returns_a_keras_model(ex):
    """build_mlp returns a keras.Model"""
    _build(ex)


@pytest.mark.parametrize("input_shape, n_classes", [((28, 28, 1), 10), ((12, 10, 1), 4), ((28, 28, 1), 3)],
                         ids=["fashion", "12x10-4-classes", "3-classes"])
def test_maps_images_to_one_score_per_class(ex, input_shape, n_classes):
    """a batch of images (N, *input_shape) gives (N, n_classes) scores"""
    model = _build(ex, input_shape, n_classes)
    what = f"The model of build_mlp({input_shape}, {n_classes})"
    out = _outputs(model, rng(1).uniform(size=(5, *input_shape)).astype(np.float32), what)
    if out.shape == (5, n_classes):
        return
    if out.ndim > 2:
        fail(f"{what} gave outputs of shape {out.shape} for 5 images, expected (5, {n_classes}).\n"
             "Likely mistake: the images were not flattened. Put keras.layers.Flatten() right after the input.")
    fail(f"{what} gave outputs of shape {out.shape} for 5 images, expected (5, {n_classes}).\n"
         "The last layer must have one unit per class: keras.layers.Dense(n_classes).")


def test_the_model_is_compiled_with_accuracy(ex):
    """the model comes compiled, with an optimizer, a loss and the accuracy metric"""
    model = _build(ex)
    assert_true(
        getattr(model, "compiled", False) and getattr(model, "optimizer", None) is not None,
        "The model is not compiled: call model.compile(optimizer=..., loss=..., metrics=[\"accuracy\"]) "
        "before returning it.",
    )
    assert_true(getattr(model, "loss", None) is not None,
                "The model was compiled without a loss: pass loss=keras.losses.SparseCategoricalCrossentropy(...).")
    x = rng(0).uniform(size=(4, *INPUT_SHAPE)).astype(np.float32)
    try:
        report = model.evaluate(x, np.array([0, 1, 2, 3]), verbose=0, return_dict=True)
    except ValueError as exc:
        if "rank" in str(exc) or "shape" in str(exc):
            fail(
                "Evaluating the model on integer labels failed:\n"
                f"{str(exc)[:300]}\n"
                "The labels are class ids like 3, not one-hot vectors: use SparseCategoricalCrossentropy "
                "(CategoricalCrossentropy expects one-hot labels)."
            )
        raise
    assert_true(
        any("acc" in key for key in report),
        f"model.evaluate reports {sorted(report)}, but no accuracy: compile with metrics=[\"accuracy\"].",
    )


def test_the_model_is_an_mlp_of_sane_size(ex):
    """at least one hidden Dense layer, and at most 2 million parameters"""
    model = _build(ex)
    dense = [layer for layer in model.layers if learner_isinstance(layer, keras.layers.Dense)]
    assert_true(
        len(dense) >= 2,
        f"The model has {len(dense)} Dense layer(s): an MLP needs at least one hidden layer, "
        "keras.layers.Dense(units, activation=\"relu\"), before the output layer.",
    )
    count = model.count_params()
    assert_true(
        count <= MAX_PARAMS,
        f"The model has {count:,} parameters; at most {MAX_PARAMS:,} fit the training budget.\n"
        "Use fewer or narrower hidden layers (one Dense(256) layer has about 200 000 parameters).",
    )


def _compiled_loss(model, y, out):
    loss = model.loss
    if isinstance(loss, str):
        loss = keras.losses.get(loss)
    if not callable(loss):
        fail(f"The model's loss is {fmt(loss, max_chars=80)}: compile with loss=keras.losses.SparseCategoricalCrossentropy(...).")
    try:
        value = loss(y, out.astype(np.float32))
    except ValueError as exc:
        fail(f"The model's loss failed on integer labels:\n{str(exc)[:300]}\n"
             "The labels are class ids like 3, not one-hot vectors: use SparseCategoricalCrossentropy.")
    return float(np.mean(np.asarray(value)))


def test_the_loss_agrees_with_the_outputs(ex):
    """the loss fits the output layer: logits with from_logits=True, or softmax with from_logits=False"""
    model = _build(ex)
    g = rng(2)
    x = g.uniform(size=(16, *INPUT_SHAPE)).astype(np.float32)
    y = g.integers(0, N_CLASSES, size=16)
    out = _outputs(model, x, "The model")
    got = _compiled_loss(model, y, out)
    rows = np.arange(len(y))
    shifted = out - out.max(axis=1, keepdims=True)
    as_logits = float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[rows, y]))
    probabilities = bool(np.all(out >= 0) and np.allclose(out.sum(axis=1), 1.0, atol=1e-4))
    if probabilities:
        expected = float(np.mean(-np.log(np.clip(out[rows, y], 1e-7, 1.0))))
        mistake = DOUBLE_SOFTMAX if np.isclose(got, as_logits, rtol=1e-4) else ""
    else:
        expected, mistake = as_logits, LOGITS_AS_PROBABILITIES
    if not np.isclose(got, expected, rtol=1e-4, atol=1e-5):
        kind = "probabilities (each row sums to 1)" if probabilities else "logits (not probabilities)"
        fail(
            f"On a batch of 16 images the model's outputs are {kind}, so the cross-entropy is {expected:.5f}; "
            f"the compiled loss gives {got:.5f}.\n" + (f"Likely mistake: {mistake}" if mistake else
            "Compile with keras.losses.SparseCategoricalCrossentropy, from_logits matching the output layer.")
        )


# ---------------------------------------------------------------- training for real


@functools.lru_cache(maxsize=1)
def _fashion_mnist():
    """The shipped subset (always: the budget and the threshold are set for it)."""
    return shipped_fashion_mnist()


def train_and_score(build, seed=0, budget=TIME_BUDGET):
    """Build with build(INPUT_SHAPE, N_CLASSES), fit on the shipped subset; return (test accuracy, seconds, losses).

    Seeded and guarded where the model lives; the accuracy and the seconds are reckoned here.
    """
    (x_train, y_train), (x_test, y_test) = _fashion_mnist()
    learner_side(keras.utils.set_random_seed, seed)
    model = build(INPUT_SHAPE, N_CLASSES)
    guard, seconds, history = guarded_fit(model, x_train, y_train, budget, epochs=EPOCHS, batch_size=BATCH, verbose=0)
    if guard["stopped"]:
        fail(
            f"Training stopped: model.fit ran past the budget of {budget:.0f} s of CPU during epoch {guard['epoch'] + 1} of "
            f"{EPOCHS} ({seconds:.1f} s of CPU).\n"
            f"The model has {model.count_params():,} parameters: use a smaller one (one hidden Dense layer of "
            "a few hundred units trains in a few seconds)."
        )
    outputs = np.asarray(judge_side_model(model).predict(x_test, batch_size=500, verbose=0))  # computed here
    if outputs.shape != (len(y_test), N_CLASSES):
        fail(f"After training, model.predict gave outputs of shape {outputs.shape} for the {len(y_test)} test images, "
             f"expected ({len(y_test)}, {N_CLASSES}).")
    accuracy = float(np.mean(np.argmax(outputs, axis=1) == y_test))
    logged = history.history if history is not None else {}
    losses = logged.get("loss", []) if isinstance(logged, dict) else []
    return accuracy, seconds, [float(v) for v in losses if isinstance(v, (int, float, np.number))]


def assert_accuracy(build, seed=0):
    """Fail unless the model of `build` trains to THRESHOLD test accuracy within the budget."""
    accuracy, seconds, losses = train_and_score(build, seed=seed)
    report_figure("accuracy", accuracy)
    if accuracy < THRESHOLD:
        fail(
            f"test accuracy {fmt_gap(accuracy, THRESHOLD)} needed.\n"
            f"Your model trained with model.fit for {EPOCHS} epochs, batches of {BATCH}, on the 10 000 training "
            f"images ({seconds:.1f} s of CPU); the training loss went {fmt(losses[0]) if losses else '?'} → "
            f"{fmt(losses[-1]) if losses else '?'}.\n"
            "The reference (Flatten → Dense(256, relu) → Dropout(0.3) → Dense(10), Adam with a learning rate decaying "
            "from 1e-3, from_logits=True) reaches about 0.86. If the loss hardly fell, look at the optimizer and its "
            "learning rate; if it fell far but the accuracy is low, the model overfits: add Dropout."
        )


def test_reaches_84_percent_on_fashion_mnist(ex, request):
    """trained with model.fit for 20 epochs, the model reaches ≥ 84% test accuracy within 30 s"""
    _build(ex)  # first, so an unwritten build_mlp shows as "not written yet", as everywhere else
    after_cheap_checks(request, "Training takes several seconds, and it needs a model that meets the contract.")
    assert_accuracy(ex.build_mlp)
