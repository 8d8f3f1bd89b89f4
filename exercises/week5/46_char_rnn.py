"""Exercise 46 — a character-level model that makes up first names.

A language model over characters reads a name one character at a time and,
at every step, gives scores (logits) for the NEXT character.  Trained on 4 647
first names of the 1990 US census, it learns what names look like; sampled one
character at a time, it invents new ones.

Tokens.  vocab is a list of strings: vocab[0] is PAD (padding, never a
character of a name), vocab[1] is "." (the boundary: a name starts after it
and ends at it), vocab[2:] are the letters "a" … "z".  "eva" is trained as

    input   .  e  v  a            (ids 1, 6, 23, 2), padded with 0 to the batch's length
    target  e  v  a  .            the next character at every step; 0 at padding (not counted)

1. build_char_model(vocab_size) -> keras.Model
    input   (N, T) integer ids (keras.Input(shape=(None,), dtype="int32"): any length T)
    output  (N, T, vocab_size) LOGITS (no softmax): at step t, the scores of the
            character after the first t + 1 tokens.
    It must be causal: the output at step t may depend on tokens 0 … t only —
    a recurrent layer going forwards (GRU or LSTM with return_sequences=True),
    never Bidirectional.  Suggested: Embedding(vocab_size, 32) →
    GRU(64, return_sequences=True) → Dense(vocab_size).  Not compiled: the
    check compiles it with Adam(1e-2) and the cross-entropy from logits that
    ignores PAD targets, trains it 4 epochs (batches of 64) on the training
    names, and measures its loss on the 516 held-out names: under 2.2 nats per
    character is needed (a model that knows only letter pairs gets about 2.45;
    the suggested one about 2.0).

2. generate_names(model, vocab, n, temperature, rng) -> list of n str
    Start every name with "." (id 1).  Repeat, for all n names at once:
      logits = model(tokens)[:, -1, :]               the scores for the next character
      logits of PAD (id 0) to −inf                   PAD is never sampled
      p = softmax(logits / temperature)              temperature > 0 divides the LOGITS
      draw the next id of each name from p with the rng (as in exercise 45)
    A name ends when "." is drawn (the "." is not part of it), or when it has
    MAX_LEN = 20 characters.  Return the names as strings of letters, e.g.
    ["mara", "jonell", ...].  Every random number comes from rng.

The checks also sample your trained model: 200 names at temperature 1 must all
be well-formed (1 to 20 letters a–z) and at least half of them not in the
training list.
"""

import keras
import numpy as np
from keras import layers  # noqa: F401 - for your code

MAX_LEN = 20


def build_char_model(vocab_size: int) -> keras.Model:
    """Token ids (N, T) → logits (N, T, vocab_size) for the next character at every step (causal)."""
    # TODO: keras.Input(shape=(None,), dtype="int32"), Embedding(vocab_size, 32),
    #       GRU(64, return_sequences=True), Dense(vocab_size) (logits: no activation)
    # TODO: return the model (keras.Sequential([...])), not compiled
    raise NotImplementedError("build_char_model")


def generate_names(model, vocab, n, temperature, rng):
    """n new names, sampled one character at a time from the model with `temperature`."""
    # TODO: tokens = np.ones((n, 1), dtype=np.int32) (every name starts with "."), names = n empty lists
    # TODO: loop at most MAX_LEN + 1 times: logits = np.asarray(model(tokens))[:, -1, :]; logits[:, 0] = -inf;
    #       p = softmax(logits / temperature) (subtract the row max first); draw the next ids with rng
    # TODO: a name ends at "." (id 1) or at MAX_LEN letters; else append vocab[id]; stop when all have ended;
    #       tokens = np.concatenate([tokens, next_ids[:, None]], axis=1)
    # TODO: return ["".join(letters) for letters in names]
    raise NotImplementedError("generate_names")


if __name__ == "__main__":
    # Try it yourself: `python 46_char_rnn.py` trains as the check does and prints ten new names.
    from checker.datasets import load_names

    train, _ = load_names()
    vocab = ["", "."] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    ids = {ch: i for i, ch in enumerate(vocab)}
    T = max(map(len, train)) + 1
    x, y = np.zeros((len(train), T), np.int32), np.zeros((len(train), T), np.int32)
    for row, name in enumerate(train):
        seq = [1] + [ids[ch] for ch in name] + [1]
        x[row, : len(seq) - 1], y[row, : len(seq) - 1] = seq[:-1], seq[1:]
    keras.utils.set_random_seed(0)
    model = build_char_model(len(vocab))
    model.compile(keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    model.fit(x, y, epochs=4, batch_size=64)
    print(generate_names(model, vocab, 10, 1.0, np.random.default_rng(0)))
