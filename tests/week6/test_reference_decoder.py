"""Exercise 52 (decoder): the solution's logits against an independent numpy forward pass (the LSTM
equations with Keras' gate order i, f, c, o, from the model's own weights); a GRU decoder passes
through the engine; typical mistakes injected into the solution are named."""

import keras
import numpy as np
import pytest

from tests.helpers import mutate, run_source, solution

sol = solution("decoder")


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def numpy_decoder(model, features, tokens):
    Wi, bi = model.get_layer("init_state").get_weights()
    (E,) = model.get_layer("embedding").get_weights()
    W, U, b = model.get_layer("rnn").get_weights()
    Wo, bo = model.get_layer("logits").get_weights()
    h = np.tanh(features @ Wi + bi)
    c = h.copy()
    out = []
    for t in range(tokens.shape[1]):
        z = E[tokens[:, t]] @ W + h @ U + b
        i, f, g, o = np.split(z, 4, axis=1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        out.append(h @ Wo + bo)
    return np.stack(out, axis=1)


@pytest.mark.parametrize("v, f, e, h, b, t", [(11, 6, 4, 5, 3, 7), (30, 128, 16, 32, 2, 12)])
def test_logits_equal_a_numpy_lstm(v, f, e, h, b, t):
    keras.utils.set_random_seed(v)
    model = sol.build_caption_decoder(v, f, e, h)
    g = np.random.default_rng(t)
    features, tokens = g.normal(size=(b, f)).astype(np.float32), g.integers(1, v, size=(b, t))
    got = np.asarray(model([features, tokens]))
    np.testing.assert_allclose(got, numpy_decoder(model, features.astype(float), tokens), rtol=1e-4, atol=1e-5)
    assert [layer.name for layer in model.layers if layer.weights] == ["embedding", "init_state", "rnn", "logits"] or \
        {layer.name for layer in model.layers if layer.weights} == {"embedding", "init_state", "rnn", "logits"}


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


GRU = '''
import keras
from keras import layers


def build_caption_decoder(vocab_size, feature_dim, embed_dim, hidden_dim):
    features = keras.Input((feature_dim,))
    tokens = keras.Input((None,), dtype="int64")
    h0 = layers.Dense(hidden_dim, activation="tanh", name="init_state")(features)
    x = layers.Embedding(vocab_size, embed_dim, mask_zero=True, name="embedding")(tokens)
    outputs = layers.GRU(hidden_dim, return_sequences=True, return_state=True, name="rnn")(x, initial_state=[h0])
    return keras.Model([features, tokens], layers.Dense(vocab_size, name="logits")(outputs[0]))
'''

EVERY_STEP = '''
import keras
from keras import layers, ops


class AlongTime(layers.Layer):
    def call(self, features, tokens):
        return ops.expand_dims(features, 1) * ops.ones_like(ops.expand_dims(ops.cast(tokens, "float32"), -1))


def build_caption_decoder(vocab_size, feature_dim, embed_dim, hidden_dim):
    features = keras.Input((feature_dim,))
    tokens = keras.Input((None,), dtype="int32")
    h0 = layers.Dense(hidden_dim, activation="tanh", name="init_state")(features)
    x = layers.Embedding(vocab_size, embed_dim, mask_zero=True, name="embedding")(tokens)
    x = layers.Concatenate()([x, AlongTime()(features, tokens)])
    seq, h, c = layers.LSTM(hidden_dim, return_sequences=True, return_state=True, name="rnn")(x, initial_state=[h0, h0])
    return keras.Model([features, tokens], layers.Dense(vocab_size, name="logits")(seq))
'''


def test_a_gru_decoder_passes(tmp_path):
    verdict = run_source("decoder", GRU, tmp_path)
    assert verdict.status == "passed", verdict.message


def test_features_at_every_step_are_named(tmp_path):
    verdict = run_source("decoder", EVERY_STEP, tmp_path)
    assert verdict.status == "failed"
    assert any("fed at every step" in c.message for c in verdict.checks if not c.passed)


MISTAKES = {
    "softmax": ('layers.Dense(vocab_size, name="logits")', 'layers.Dense(vocab_size, activation="softmax", name="logits")',
                "apply it twice"),
    "no-mask": ("mask_zero=True", "mask_zero=False", "mask_zero=False"),
    "bidirectional": ('layers.LSTM(hidden_dim, return_sequences=True, return_state=True, name="rnn")(\n        embedded, initial_state=[h0, h0])',
                      'layers.LSTM(hidden_dim, return_sequences=True, return_state=True, go_backwards=True, name="rnn")(\n        embedded, initial_state=[h0, h0])',
                      "AFTER step"),
}


@pytest.mark.parametrize("key", MISTAKES)
def test_typical_mistakes_are_named(tmp_path, key):
    old, new, text = MISTAKES[key]
    verdict = mutate("decoder", tmp_path, old, new)
    assert verdict.status == "failed"
    assert any(text in c.message for c in verdict.checks if not c.passed), [c.message for c in verdict.checks]
