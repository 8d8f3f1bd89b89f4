"""Exercise 52 — the caption decoder: the image sets the state, the words drive an LSTM.

A caption is generated one word at a time by a recurrent network that has
"seen" the image.  The image enters ONCE, as the recurrent network's initial
state; after that only words go in:

    features (B, F) ──Dense(H, tanh) "init_state"──► h0 (B, H)
                                                      │ initial state
    tokens (B, T) ──Embedding(V, E) "embedding"──► (B, T, E) ──LSTM(H) "rnn"──► (B, T, H)
                                                              ──Dense(V) "logits"──► (B, T, V)

Contract (`dlx train captioner` and `dlx caption` build on it, by these names):

    build_caption_decoder(vocab_size, feature_dim, embed_dim, hidden_dim) -> keras.Model

- two inputs, in this order: features (B, feature_dim) float32 and tokens
  (B, T) integer ids, T free (keras.Input(shape=(None,), dtype="int32"));
  one output: logits (B, T, vocab_size), one score per word of the vocabulary
  at every position, NO softmax (the loss of exercise 53 takes logits);
- exactly these four named layers (name="..."), which the greedy and beam
  decoders re-use one step at a time:
    "init_state": Dense(hidden_dim, activation="tanh") on the features;
    "embedding":  Embedding(vocab_size, embed_dim, mask_zero=True): it declares
                  id 0 as padding (PAD only ever follows END, where the masked
                  loss of exercise 53 ignores the outputs);
    "rnn":        keras.layers.LSTM(hidden_dim, return_sequences=True,
                  return_state=True) (a GRU of hidden_dim units works too),
                  called as rnn(embedded, initial_state=[h0, h0]) for an LSTM
                  (h0 is both its hidden state h and its cell c) or
                  initial_state=[h0] for a GRU; it returns [sequence, *states],
                  keep the sequence;
    "logits":     Dense(vocab_size), no activation, on the sequence.
- the features are NOT fed at every step: do not repeat them along time and
  concatenate them to the embeddings.  They set the initial state only.

Teacher forcing (exercise 57 does the shift, not this model): during training
the decoder reads the caption without its last token and is asked, at every
position t, for the NEXT token:

    caption  = [START, a, shoe, END]
    tokens   = [START, a, shoe]          (the input: caption[:, :-1])
    targets  = [a, shoe, END]            (what logits[:, t] must predict: caption[:, 1:])

so the output at position t may depend on the image and on tokens[0..t], never
on later tokens: an LSTM running forward (not Bidirectional) gives that.
"""

import keras
from keras import layers


def build_caption_decoder(vocab_size: int, feature_dim: int, embed_dim: int, hidden_dim: int) -> keras.Model:
    """[features (B, feature_dim), tokens (B, T)] -> logits (B, T, vocab_size)."""
    # TODO: the two inputs: keras.Input(shape=(feature_dim,)) and keras.Input(shape=(None,), dtype="int32")
    # TODO: h0 = layers.Dense(hidden_dim, activation="tanh", name="init_state")(features)
    # TODO: embedded = layers.Embedding(vocab_size, embed_dim, mask_zero=True, name="embedding")(tokens)
    # TODO: sequence, h, c = layers.LSTM(hidden_dim, return_sequences=True, return_state=True, name="rnn")(embedded, initial_state=[h0, h0])
    # TODO: logits = layers.Dense(vocab_size, name="logits")(sequence); return keras.Model([features, tokens], logits)
    raise NotImplementedError("build_caption_decoder")
