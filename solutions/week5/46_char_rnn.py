"""Exercise 46 — a character-level model that makes up first names (reference solution)."""

import keras
import numpy as np
from keras import layers

MAX_LEN = 20


def build_char_model(vocab_size: int) -> keras.Model:
    """Token ids (N, T) → logits (N, T, vocab_size) for the next character at every step (causal)."""
    return keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            layers.Embedding(vocab_size, 32),
            layers.GRU(64, return_sequences=True),
            layers.Dense(vocab_size),
        ]
    )


def generate_names(model, vocab, n, temperature, rng):
    """n new names, sampled one character at a time from the model with `temperature`."""
    tokens = np.ones((n, 1), dtype=np.int32)  # every name starts with "." (id 1)
    done = np.zeros(n, dtype=bool)
    names = [[] for _ in range(n)]
    for _ in range(MAX_LEN + 1):
        logits = np.asarray(model(tokens, training=False), dtype=np.float64)[:, -1, :]
        logits[:, 0] = -np.inf  # never PAD
        z = logits / temperature
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        u = rng.random((n, 1))
        nxt = np.minimum((np.cumsum(p, axis=1) < u).sum(axis=1), len(vocab) - 1)
        for i in np.flatnonzero(~done):
            if nxt[i] == 1 or len(names[i]) == MAX_LEN:
                done[i] = True
            else:
                names[i].append(vocab[nxt[i]])
        if done.all():
            break
        tokens = np.concatenate([tokens, nxt[:, None].astype(np.int32)], axis=1)
    return ["".join(chars) for chars in names]
