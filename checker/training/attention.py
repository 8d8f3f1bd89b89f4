"""The attention decoder of `dlx train captioner --attention`: it looks again at the scene for every word.

The plain decoder (exercise 52) sees a scene once, as the encoder's pooled
128-d vector.  This one keeps the encoder's spatial map, (8, 8, 64) per scene,
flattened to P = 64 positions of C = 64 channels, and at every step attends
over it with ADDITIVE attention, exactly the formula of exercise 58
(`additive_attention(features, h, W_f, W_h, v)`):

    a[b, p]       = tanh(features[b, p] @ W_f + h[b] @ W_h)
    score[b, p]   = a[b, p] @ v
    weights[b, :] = softmax(score[b, :]) over the P positions
    context[b]    = Σ_p weights[b, p] · features[b, p]

The learner's numpy function is what the checks judge (forward and backward);
training needs gradients on the accelerator, so the decoder uses the same
formula written with TensorFlow (`additive_attention_tf`, in `AdditiveAttention`,
no biases, the same three weights).  The two are held equal: a test
(tests/test_attention_maps.py) sets the layer's weights and compares it with the
reference solution of exercise 58, weights and context, on several shapes; and
every `--attention` run first compares it with the learner's own function
(`compare_with_learner`) and refuses to train if they disagree.

One step of the decoder (`AttentionLSTMCell.step`), "Show, attend and tell"
in small, with the attention after the LSTM (its query is the state that has
just read the previous word):

    h, c             = LSTMCell([embedding(token), previous context], (h, c))
    context, weights = attention(features, h)
    logits           = Dense(V)([h, context])

so the weights of the step that emits a word are where the decoder looked to
choose it.  The first state is learned, one vector for every scene
(`StartState`), and the first "previous context" is the mean of the positions:
the decoder sees a scene only through what it attends to.  The model takes
`[feature_map (B, P, C), tokens (B, T)]` and returns logits `(B, T, V)`, as
exercise 52's decoder does, so the learner's training loop (exercise 57),
masked loss (53), greedy decoding (54) and beam search (55) drive it unchanged;
`step_fn_for_attention` is its step function for decoding, and can record the
attention weights of every step (the maps `dlx train captioner --attention`
draws).
"""

from __future__ import annotations

from typing import Any, Callable

import keras
import numpy as np
import tensorflow as tf

ATTENTION_UNITS = 64  # A, the width of the additive attention's hidden layer


def additive_attention_tf(features, h, W_f, W_h, v):
    """(context (B, C), weights (B, P)): exercise 58's formula in TensorFlow (differentiable, batched)."""
    a = tf.tanh(tf.einsum("bpc,ca->bpa", features, W_f) + tf.matmul(h, W_h)[:, None, :])
    score = tf.einsum("bpa,a->bp", a, v)
    weights = tf.nn.softmax(score, axis=1)
    return tf.einsum("bp,bpc->bc", weights, features), weights


@keras.saving.register_keras_serializable(package="dlx")
class AdditiveAttention(keras.layers.Layer):
    """Exercise 58's additive attention as a layer: weights W_f (C, A), W_h (H, A), v (A,); no biases."""

    def __init__(self, channels: int, hidden: int, units: int = ATTENTION_UNITS, **kwargs):
        super().__init__(**kwargs)
        self.channels, self.hidden, self.units = int(channels), int(hidden), int(units)

    def build(self, *shapes):
        init = keras.initializers.GlorotUniform
        self.W_f = self.add_weight(shape=(self.channels, self.units), initializer=init(), name="W_f")
        self.W_h = self.add_weight(shape=(self.hidden, self.units), initializer=init(), name="W_h")
        self.v = self.add_weight(shape=(self.units,), initializer=keras.initializers.RandomNormal(stddev=0.1),
                                 name="v")
        self.built = True

    def call(self, features, h):
        return additive_attention_tf(features, h, self.W_f, self.W_h, self.v)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "hidden": self.hidden, "units": self.units}


@keras.saving.register_keras_serializable(package="dlx")
class StartState(keras.layers.Layer):
    """The decoder's first hidden state: one learned vector tanh(s) (H,), the same for every scene (B, H)."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape=None):
        self.s = self.add_weight(shape=(self.units,), initializer="zeros", name="s")
        self.built = True

    def call(self, features):
        return tf.tile(tf.tanh(self.s)[None, :], [tf.shape(features)[0], 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="dlx")
class AttentionLSTMCell(keras.layers.Layer):
    """An LSTM cell that attends over the positions at each step; the positions ride along in the state.

    States: [h (H), c (H), the previous context (C), the flattened positions
    (P·C)] (the last one never changes: Keras' RNN loop hands it to every
    step).  Output per step: [h, context] (H + C), what the logits layer reads.
    """

    def __init__(self, units: int, positions: int, channels: int, attention_units: int = ATTENTION_UNITS,
                 **kwargs):
        super().__init__(**kwargs)
        self.units, self.positions, self.channels = int(units), int(positions), int(channels)
        self.attention_units = int(attention_units)
        self.state_size = [self.units, self.units, self.channels, self.positions * self.channels]
        self.output_size = self.units + self.channels
        self.lstm = keras.layers.LSTMCell(self.units, name="lstm")
        self.attention = AdditiveAttention(self.channels, self.units, self.attention_units, name="attention")

    def build(self, input_shape):
        self.lstm.build((None, int(input_shape[-1]) + self.channels))
        self.attention.build()
        self.built = True

    def step(self, x, h, c, context, features, training=False):
        """One step from token embedding x and state (h, c, the previous context):
        (output [h, context], h, c, context, weights (B, P))."""
        _, (h, c) = self.lstm(tf.concat([x, context], axis=-1), [h, c], training=training)
        context, weights = self.attention(features, h)
        return tf.concat([h, context], axis=-1), h, c, context, weights

    def call(self, inputs, states, training=False):
        h, c, context, flat = states
        features = tf.reshape(flat, (-1, self.positions, self.channels))
        output, h, c, context, _ = self.step(inputs, h, c, context, features, training=training)
        return output, [h, c, context, flat]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "positions": self.positions,
                "channels": self.channels, "attention_units": self.attention_units}


def attention_layer(channels: int, hidden: int, units: int = ATTENTION_UNITS):
    """A fresh `AdditiveAttention` layer, built: call it as `layer(features (B, P, C), h (B, H))`."""
    layer = AdditiveAttention(channels, hidden, units)
    layer.build()
    return layer


def build_attention_decoder(vocab_size: int, positions: int, channels: int, embed_dim: int, hidden_dim: int,
                            attention_units: int = ATTENTION_UNITS):
    """[feature_map (B, P, C), tokens (B, T)] -> logits (B, T, vocab_size), attending at every step.

    Layers named as exercise 52's ("init_state", "embedding", "rnn", "logits"),
    and "flat_positions" (the positions, carried in the recurrent state).
    """
    from keras import layers

    feature_map = keras.Input(shape=(positions, channels), dtype="float32", name="feature_map")
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    h0 = StartState(hidden_dim, name="init_state")(feature_map)
    flat = layers.Reshape((positions * channels,), name="flat_positions")(feature_map)
    embedded = layers.Embedding(vocab_size, embed_dim, mask_zero=True, name="embedding")(tokens)
    cell = AttentionLSTMCell(hidden_dim, positions, channels, attention_units, name="attention_lstm")
    context0 = layers.GlobalAveragePooling1D(name="mean_position")(feature_map)
    sequence = layers.RNN(cell, return_sequences=True, name="rnn")(embedded, initial_state=[h0, h0, context0, flat])
    logits = layers.Dense(vocab_size, name="logits")(sequence)
    return keras.Model([feature_map, tokens], logits, name="attention_caption_decoder")


def positions_of(feature_maps: np.ndarray) -> np.ndarray:
    """Feature maps (N, 8, 8, C) as positions (N, 64, C), row by row (position p = row · 8 + column)."""
    feature_maps = np.asarray(feature_maps, np.float32)
    return feature_maps.reshape(len(feature_maps), -1, feature_maps.shape[-1])


def step_fn_for_attention(decoder: Any, record: list | None = None) -> Callable[[Any, int, Any], tuple[np.ndarray, Any]]:
    """`step_fn(positions (P, C), token, state) -> (log_probs (V,), new_state)` for `build_attention_decoder`'s model.

    With `record` (a list), each call appends its attention weights (P,): with
    greedy decoding, record[k] is where the decoder looked when it chose word k.
    """
    init, mean = decoder.get_layer("init_state"), decoder.get_layer("mean_position")
    embedding, to_logits = decoder.get_layer("embedding"), decoder.get_layer("logits")
    cell = decoder.get_layer("rnn").cell

    @tf.function(reduce_retracing=True)
    def first_state(features):
        h = init(features)
        return [h, h, mean(features)]

    @tf.function(reduce_retracing=True)
    def one_step(features, token, h, c, context):
        output, h, c, context, weights = cell.step(embedding(token)[:, 0], h, c, context, features)
        return tf.nn.log_softmax(to_logits(output), axis=-1), [h, c, context], weights

    def step_fn(features: Any, token: int, state: Any) -> tuple[np.ndarray, Any]:
        features = tf.convert_to_tensor(np.asarray(features, np.float32).reshape(1, cell.positions, cell.channels))
        if state is None:
            state = first_state(features)
        log_probs, new_state, weights = one_step(features, tf.constant([[int(token)]], tf.int32), *state)
        if record is not None:
            record.append(weights.numpy()[0].astype(np.float64))
        return log_probs.numpy()[0].astype(np.float64), new_state

    return step_fn


def compare_with_learner(additive_attention: Callable, seed: int = 0) -> float:
    """The largest difference between the learner's numpy `additive_attention` and the layer's formula.

    On small random inputs of the decoder's kind (B=2, P=64, C=8, H=6, A=5),
    float64; a well-written exercise 58 differs by about 1e-15.
    """
    g = np.random.default_rng(seed)
    B, P, C, H, A = 2, 64, 8, 6, 5
    args = [g.normal(size=(B, P, C)), g.normal(size=(B, H)), g.normal(size=(C, A)) / np.sqrt(C),
            g.normal(size=(H, A)) / np.sqrt(H), g.normal(size=A)]
    want = [t.numpy() for t in additive_attention_tf(*(tf.constant(x) for x in args))]
    got = additive_attention(*[x.copy() for x in args])
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return float("inf")
    try:
        return max(float(np.max(np.abs(np.asarray(g_, np.float64) - w))) for g_, w in zip(got, want))
    except (TypeError, ValueError):
        return float("inf")


class Traced:
    """The decoder with its forward pass traced once into a TensorFlow graph (`tf.function`), for training.

    The learner's training step (exercise 57) calls `decoder([features, inputs],
    training=True)` eagerly; a recurrent cell that attends costs a Python round
    trip per layer per word that way (seconds a batch).  Traced, the same call is
    one graph; the gradient tape records it as usual.  Everything else
    (`trainable_variables`, `save`, ...) is the model's.
    """

    def __init__(self, model: Any):
        self.model = model
        self._call = tf.function(lambda inputs, training: model(inputs, training=training), reduce_retracing=True)

    def __call__(self, inputs: Any, training: bool = False) -> Any:
        return self._call([tf.convert_to_tensor(x) for x in inputs], bool(training))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)
