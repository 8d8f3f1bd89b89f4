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
