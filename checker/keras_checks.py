"""Helpers shared by the checks of Keras exercises (they import keras; numpy checks never do)."""

from __future__ import annotations


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

    from checker.testing import fail, fmt

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
