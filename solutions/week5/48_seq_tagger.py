"""Exercise 48 — a bidirectional recurrent network that tags every word of a sentence (reference solution)."""

import keras
from keras import layers


def build_sequence_tagger(vocab_size: int, n_tags: int) -> keras.Model:
    """Word ids (N, T), padded with 0 → tag probabilities (N, T, n_tags), reading the sentence both ways."""
    return keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            layers.Embedding(vocab_size, 64, mask_zero=True),
            layers.Bidirectional(layers.LSTM(32, return_sequences=True)),
            layers.Dense(n_tags, activation="softmax"),
        ]
    )
