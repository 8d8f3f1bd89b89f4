"""Exercise 52 — the caption decoder: image features set the state, tokens drive an LSTM (reference solution)."""

import keras
from keras import layers


def build_caption_decoder(vocab_size: int, feature_dim: int, embed_dim: int, hidden_dim: int) -> keras.Model:
    """[features (B, feature_dim), tokens (B, T)] -> logits (B, T, vocab_size)."""
    features = keras.Input(shape=(feature_dim,), dtype="float32", name="features")
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    h0 = layers.Dense(hidden_dim, activation="tanh", name="init_state")(features)
    embedded = layers.Embedding(vocab_size, embed_dim, mask_zero=True, name="embedding")(tokens)
    sequence, _, _ = layers.LSTM(hidden_dim, return_sequences=True, return_state=True, name="rnn")(
        embedded, initial_state=[h0, h0])
    logits = layers.Dense(vocab_size, name="logits")(sequence)
    return keras.Model([features, tokens], logits, name="caption_decoder")
