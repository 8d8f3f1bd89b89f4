"""Exercise 47 — a recurrent network that reads a word and names its part of speech (reference solution)."""

import keras
from keras import layers


def build_sequence_classifier(vocab_size: int, n_classes: int) -> keras.Model:
    """Letter ids (N, T), padded with 0 → class probabilities (N, n_classes); padding changes nothing."""
    return keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            layers.Embedding(vocab_size, 32, mask_zero=True),
            layers.LSTM(64),
            layers.Dense(n_classes, activation="softmax"),
        ]
    )
