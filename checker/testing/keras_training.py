"""Helpers shared by the checks of Keras exercises (they import keras; numpy checks never do)."""

from __future__ import annotations

import time

import keras

OVERRUN = 1.5  # the judge's own clock fails a fit that ran this many times its budget, whatever the guard says


class TimeGuard(keras.callbacks.Callback):
    """Stops model.fit once it runs past `budget` CPU seconds, or (given `total_batches`) once its pace says it would.

    CPU seconds of the process it lives in (all its threads), not wall-clock seconds: on a busy machine a
    model that trains fast enough is not stopped because other programs took their turns.

    It must live where the model trains: make it with learner_side(TimeGuard, budget, total_batches) and pass the
    proxy in callbacks=[...] (a callback made in the judge would be called across the channel on every batch).
    After fit, `state()` gives its findings as plain values, for messages: the grade's own clock is the judge's
    (see `guarded_fit`).
    """

    def __init__(self, budget: float, total_batches: int | None = None):
        super().__init__()
        self.budget, self.total = float(budget), total_batches
        self.start = time.process_time()
        self.epoch, self.done, self.seconds, self.first, self.projected, self.stopped = 0, 0, 0.0, 0.0, 0.0, False

    def on_train_begin(self, logs=None):
        self.start = time.process_time()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.done += 1
        self.seconds = time.process_time() - self.start
        if self.done == 1:
            self.first = self.seconds  # includes tracing: not the pace
        elif self.total:
            self.projected = self.first + (self.seconds - self.first) / (self.done - 1) * (self.total - 1)
        if self.seconds > self.budget or (self.total and self.done >= 20 and self.projected > 1.5 * self.budget):
            self.stopped = True
            self.model.stop_training = True

    def state(self) -> dict:
        """What the guard saw, as plain values: stopped, epoch (0-based), done and total batches, seconds, projected."""
        return {"stopped": bool(self.stopped), "epoch": int(self.epoch), "done": int(self.done), "total": self.total,
                "seconds": float(self.seconds), "projected": float(self.projected)}


class KerasProgress(keras.callbacks.Callback):
    """Tells `report` (a `ProgressReporter` of the judge) how far model.fit has come: each epoch, and mid-epoch.

    It must live where the model trains: make it with learner_side(KerasProgress, reporter) (guarded_fit does).
    It calls `report(epochs done, as a fraction, epochs, loss=..., accuracy=...)` at the end of each epoch and at
    most every `interval` seconds within one; what it says is the learner's process's word, bounded in the judge.
    """

    def __init__(self, report, interval: float = 1.0):
        super().__init__()
        self.report, self.interval = report, float(interval)
        self.last, self.epoch = 0.0, 0

    def _tell(self, done: float, logs) -> None:
        epochs = (self.params or {}).get("epochs")
        figures = {}
        for name, value in (logs or {}).items():
            if len(figures) < 4 and isinstance(name, str) and name.isidentifier():
                try:
                    figures[name] = float(value)
                except (TypeError, ValueError):
                    pass
        self.last = time.perf_counter()
        try:
            self.report(done, epochs, **figures)
        except Exception:  # noqa: BLE001 - progress is shown, never graded: never disturb the training
            pass

    def on_train_begin(self, logs=None):
        self.last = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        steps = (self.params or {}).get("steps")
        if steps and time.perf_counter() - self.last >= self.interval:
            self._tell(self.epoch + min(1.0, (batch + 1) / steps), logs)

    def on_epoch_end(self, epoch, logs=None):
        self._tell(epoch + 1, logs)


def guarded_fit(model, x, y, budget: float, total_batches: int | None = None, **fit_kwargs):
    """model.fit(x, y, **fit_kwargs) under a TimeGuard made where `model` lives; returns (guard state, seconds, history).

    The epochs are shown on the learner's screen while it trains (a `KerasProgress` reporting to the judge).

    `seconds` is measured here, around the call, in CPU seconds of the learner's processes (the kernel's
    accounting: other programs on a busy machine do not count, the learner's threads and children do).
    state["stopped"] is the guard's verdict, or the judge's own when the fit took more than OVERRUN × budget
    (a guard that did not stop it is not trusted).
    """
    from checker.testing.learner_side import learner_cpu_time, learner_side
    from checker.testing.progress import ProgressReporter

    guard = learner_side(TimeGuard, budget, total_batches)
    shown = learner_side(KerasProgress, ProgressReporter("epoch"))  # the epochs on the learner's screen meanwhile
    started = learner_cpu_time()
    history = model.fit(x, y, callbacks=[guard, shown], **fit_kwargs)
    seconds = learner_cpu_time() - started
    told = guard.state()
    told = told if isinstance(told, dict) else {}

    def number(key, kind):  # the guard's values came from the learner's process: plain numbers only
        value = told.get(key)
        return kind(value) if type(value) in (int, float) else kind(0)

    state = {"stopped": told.get("stopped") is True or seconds > OVERRUN * budget, "epoch": number("epoch", int),
             "done": number("done", int), "total": total_batches, "seconds": number("seconds", float),
             "projected": number("projected", float)}
    return state, seconds, history


def loss_from_logits(loss) -> bool:
    """Whether a compiled loss expects logits (strings and plain functions take probabilities)."""
    get_config = getattr(loss, "get_config", None)
    if callable(get_config):
        try:
            return bool(get_config().get("from_logits", False))
        except Exception:  # noqa: BLE001 - an exotic loss: assume the default
            return False
    return False


def check_loss_fits_outputs(model, input_shape: tuple, n_classes: int, part: str = "last layer") -> None:
    """Fail unless the compiled loss takes integer labels and matches the outputs (logits or probabilities).

    `part` names what makes the outputs in the learner's model ("last layer", "head").
    """
    import numpy as np

    from checker.testing.asserts import fail, fmt

    x = np.random.default_rng(0).uniform(size=(4, *input_shape)).astype(np.float32)
    y = np.arange(4) % n_classes
    try:
        model.evaluate(x, y, verbose=0)
    except Exception as exc:  # noqa: BLE001 - any failure here is the learner's loss/labels mismatch
        name = str(getattr(model, "loss", "")).lower()
        why = (
            "Likely mistake: categorical_crossentropy expects one-hot label vectors, but the labels are integer "
            "class ids: use loss=\"sparse_categorical_crossentropy\"."
            if "categorical" in name and "sparse" not in name
            else "The labels are integer class ids (shape (N,)): use the sparse categorical cross-entropy."
        )
        fail(f"The compiled model cannot score integer labels y = {y.tolist()}:\n{type(exc).__name__}: "
             f"{str(exc).splitlines()[0][:300]}\n{why}")
    out = np.asarray(model(x, training=False))
    probabilities = bool(np.all(out >= 0) and np.allclose(out.sum(axis=1), 1.0, atol=1e-3))
    from_logits = loss_from_logits(model.loss)
    if probabilities and from_logits:
        fail(
            f"Your {part} applies softmax AND the loss is told it gets logits (from_logits=True).\n"
            "Likely mistake: softmax is applied twice, which squashes the gradients and slows learning. "
            f"Either drop the {part}'s activation, or use the default loss (from_logits=False)."
        )
    if not probabilities and not from_logits:
        fail(
            f"Your model's outputs are not probabilities (for a random image: {fmt(out[0], precision=3)}, "
            f"summing to {out[0].sum():.3f}),\nbut the loss expects probabilities (from_logits=False, the default).\n"
            f"Likely mistake: the model outputs logits. Either give the {part}'s Dense activation=\"softmax\", or use "
            "keras.losses.SparseCategoricalCrossentropy(from_logits=True)."
        )


# --------------------------------------------------------------------------- describing the learner's model


def layer_flags(model) -> list[dict]:
    """Every layer, nested ones and a Bidirectional's two halves included, as plain data.

    Run where the model lives (learner_side(layer_flags, model)): each layer's class name, whether it is
    one half of a Bidirectional layer, and the flags the sequence checks' messages talk about.
    """
    out = []
    for layer, inside in _all_layers(model, False):
        try:
            config = layer.get_config()
        except Exception:  # noqa: BLE001 - a layer that cannot describe itself is described by its class only
            config = {}
        info = {"class": type(layer).__name__, "in_bidirectional": inside}
        for key in ("mask_zero", "return_sequences", "go_backwards"):
            if isinstance(config.get(key), bool):
                info[key] = config[key]
        out.append(info)
    return out


def _all_layers(model, inside: bool):
    for layer in getattr(model, "layers", []) or []:
        yield layer, inside
        for half in ("forward_layer", "backward_layer"):  # Bidirectional
            if getattr(layer, half, None) is not None:
                yield getattr(layer, half), True
        yield from _all_layers(layer, inside)


# --------------------------------------------------------------------------- scoring in the judge


def model_description(model) -> tuple:
    """(model.to_json(), the weights as numpy arrays): made where `model` lives, for `judge_side_model`."""
    import numpy as np

    return model.to_json(), [np.array(w) for w in model.get_weights()]


def _classes(node, found: list) -> list:
    """Every (module, class_name) a Keras configuration names, nested ones included."""
    if isinstance(node, dict):
        if "class_name" in node and "module" in node:
            found.append((node.get("module"), node.get("class_name")))
        for value in node.values():
            _classes(value, found)
    elif isinstance(node, list):
        for value in node:
            _classes(value, found)
    return found


def _is_keras_module(module) -> bool:
    return isinstance(module, str) and (module == "keras" or module.startswith("keras."))


def judge_side_model(model, what: str = "your model"):
    """The learner's trained `model`, rebuilt HERE from its configuration and weights: score this one.

    A model's outputs computed where the learner's code runs are the learner's to make up (a `predict` that
    looks the test set up answers it).  Only plain values cross: model.to_json() and the weights as numpy
    arrays; the model is rebuilt in the judge from Keras's own classes (in Keras's safe mode, without its
    compile configuration), and its outputs are computed here.  A class of the learner's own (a layer, a
    model subclass, an activation function) or a Lambda layer cannot be rebuilt without running the
    learner's code here: the check fails saying so.  `what` names the model in messages ("your model",
    "the encoder").
    """
    import json

    import numpy as np

    from checker.testing.asserts import CheckFailure, fail
    from checker.testing.learner_side import learner_side

    how = ("Build it from Keras's own layers (keras.layers.Dense, Conv2D, ...) with keras.Sequential([...]) or "
           "keras.Model(inputs, outputs), without subclasses or Lambda layers.")
    why = ("To score it, the check rebuilds the trained model from its configuration and weights "
           "(model.to_json(), model.get_weights()) and computes its outputs itself")
    try:
        text, weights = learner_side(model_description, model)
    except CheckFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the learner's model raised, it could not describe itself
        fail(f"{why}, but {what} could not give them: {type(exc).__name__}: {str(exc)[:300]}\n{how}")
    if type(text) is not str or type(weights) is not list or not all(type(w) is np.ndarray for w in weights):
        fail(f"{why}, but {what}'s to_json() and get_weights() did not give a string and a list of arrays.\n{how}")
    try:
        config = json.loads(text)
    except ValueError:
        config = None
    if not isinstance(config, dict):
        fail(f"{why}, but {what}'s to_json() did not give a Keras configuration.\n{how}")
    for module, class_name in _classes(config, []):
        if not _is_keras_module(module):
            fail(f"{what.capitalize()} uses {str(class_name)[:80]!r}, a class or function of your own, not one of "
                 f"Keras's.\n{why}, and it cannot rebuild your own classes without running your code there: "
                 f"a custom layer or model cannot be scored.\n{how}")
        if class_name == "Lambda":
            fail(f"{what.capitalize()} has a Lambda layer.\n{why}, and a Lambda layer holds your Python code, "
                 f"which it does not run there.\n{how}")
    config.pop("compile_config", None)  # only outputs are needed: no optimizer, no loss of the learner's
    try:
        rebuilt = keras.saving.deserialize_keras_object(config, safe_mode=True)
        if not isinstance(rebuilt, keras.Model):
            raise TypeError(f"the configuration describes a {type(rebuilt).__name__}, not a keras.Model")
        rebuilt.set_weights(weights)
    except Exception as exc:  # noqa: BLE001 - a configuration Keras cannot rebuild, or weights that do not fit it
        fail(f"{why}, but {what} could not be rebuilt from them: {type(exc).__name__}: {str(exc)[:300]}\n{how}")
    return rebuilt
