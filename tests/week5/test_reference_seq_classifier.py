"""Exercise 47 (seq_classifier): the reference's answer for a padded word equals a numpy LSTM
run over the word's real letters only (with the model's own weights), so the padding check
asks for what a mask gives; a model without the mask does change with padding; the accuracy
formula equals Keras' metric; the reference clears the threshold on other seeds; plain correct
models written another way (a GRU, a masked Conv1D with max-pooling, two stacked GRUs, a
Bidirectional LSTM) pass through the real engine or the check's own training, models that
ignore the word or the padding stay under the threshold, and typical mistakes are named."""

import keras
import numpy as np
import pytest
from keras import layers

from tests.helpers import load_check, mutate, run_source, solution

sol = solution("seq_classifier")
checks = load_check("seq_classifier")


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def numpy_lstm_answer(model, word):
    """softmax(Dense(h_T)) with h_T from an LSTM (Keras gate order i, f, c, o) over the word's letters alone."""
    (E,), (W, U, b), (Wd, bd) = (layer.get_weights() for layer in model.layers)
    h = c = np.zeros(U.shape[0])
    for letter in word:
        z = E[letter] @ W + h @ U + b
        i, f, g, o = np.split(z, 4)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
    logits = h @ Wd + bd
    return np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()


def test_a_padded_word_gets_the_answer_of_its_real_letters():
    keras.utils.set_random_seed(3)
    model = sol.build_sequence_classifier(checks.V, 4)
    model.set_weights([w + np.random.default_rng(i).normal(0, 0.3, w.shape).astype(np.float32)
                       for i, w in enumerate(model.get_weights())])  # weights far from their initial values
    words = [[3, 1, 20], [17, 21, 9, 3, 11, 12, 25], [1]]
    x = checks.padded(words, 15)
    got = np.asarray(model(x, training=False), dtype=np.float64)
    expected = np.stack([numpy_lstm_answer(model, word) for word in words])
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_without_the_mask_padding_changes_the_answer():
    """The property the check relies on: an unmasked LSTM reads the zeros (independently of the solution)."""
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(27, 8), layers.LSTM(8),
                              layers.Dense(4, activation="softmax")])
    words = [[3, 1, 20], [5, 6]]
    assert np.abs(np.asarray(model(checks.padded(words, 3))) - np.asarray(model(checks.padded(words, 14)))).max() > 1e-4


def test_the_accuracy_equals_keras_metric():
    g = np.random.default_rng(0)
    p = g.dirichlet(np.ones(4), size=300)
    y = g.integers(0, 4, size=300)
    metric = keras.metrics.SparseCategoricalAccuracy()
    metric.update_state(y, p)
    assert checks.accuracy(p, y) == pytest.approx(float(metric.result()), abs=1e-6)


def test_the_data_is_as_the_stub_says():
    (x, y), (xt, yt) = checks._data()
    assert x.shape[0] == 10088 and xt.shape[0] == 1260 and x.max() == 26 and x.min() == 0
    assert np.bincount(yt).tolist() == [315] * 4  # balanced: chance is 0.25
    assert np.all((x > 0).sum(axis=1) >= 3) and np.all(np.diff((x > 0).astype(int), axis=1) <= 0)  # padding after


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


@pytest.mark.parametrize("seed", [1, 2])
def test_reference_clears_the_threshold_on_other_seeds(seed):
    accuracy, seconds = checks.train_and_score(sol.build_sequence_classifier, seed=seed)
    assert accuracy >= checks.THRESHOLD + 0.03, accuracy
    assert seconds < checks.TIME_BUDGET, seconds  # a loose bound: the machine running the tests may be shared


# ---------------------------------------------------------------- plain correct models, written another way

GRU_SOURCE = '''
import keras
from keras import layers


def build_sequence_classifier(vocab_size, n_classes):
    inputs = keras.Input(shape=(None,), dtype="int32")
    h = layers.Embedding(vocab_size, 16, mask_zero=True)(inputs)
    h = layers.GRU(48)(h)
    return keras.Model(inputs, layers.Dense(n_classes, activation="softmax")(h))
'''

CONV_SOURCE = '''
import keras
from keras import layers, ops


def build_sequence_classifier(vocab_size, n_classes):
    """Convolutions over letter trigrams, padded steps zeroed by hand, then the max over the word."""
    inputs = keras.Input(shape=(None,), dtype="int32")
    real = ops.expand_dims(ops.cast(ops.not_equal(inputs, 0), "float32"), -1)
    h = layers.Embedding(vocab_size, 32)(inputs) * real
    h = layers.Conv1D(64, 3, padding="same", activation="relu")(h) * real
    h = layers.Conv1D(64, 3, padding="same", activation="relu")(h) * real
    h = ops.max(h, axis=1)  # ReLU outputs are >= 0, so the zeroed padded steps never win
    return keras.Model(inputs, layers.Dense(n_classes, activation="softmax")(h))
'''


@pytest.mark.slow
@pytest.mark.parametrize("source", [GRU_SOURCE, CONV_SOURCE], ids=["gru", "masked-conv1d"])
def test_plain_correct_models_pass_through_the_engine(tmp_path, source):
    verdict = run_source("seq_classifier", source, tmp_path)
    assert verdict.status == "passed", verdict.message


def stacked_grus(vocab_size, n_classes):
    return keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(vocab_size, 32, mask_zero=True),
                             layers.GRU(32, return_sequences=True), layers.GRU(32),
                             layers.Dense(n_classes, activation="softmax")])


def bidirectional_lstm(vocab_size, n_classes):
    return keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(vocab_size, 24, mask_zero=True),
                             layers.Bidirectional(layers.LSTM(32)), layers.Dense(32, activation="relu"),
                             layers.Dense(n_classes, activation="softmax")])


@pytest.mark.slow
@pytest.mark.parametrize("build", [stacked_grus, bidirectional_lstm])
def test_other_depths_and_widths_clear_the_threshold(build):
    accuracy, _ = checks.train_and_score(build, seed=1, budget=600.0)
    assert accuracy >= checks.THRESHOLD + 0.02, accuracy


def ignores_the_word(vocab_size, n_classes):
    inputs = keras.Input((None,), dtype="int32")
    nothing = layers.Lambda(lambda t: keras.ops.zeros_like(keras.ops.cast(t[:, :1], "float32")), output_shape=(1,))
    return keras.Model(inputs, layers.Dense(n_classes, activation="softmax")(nothing(inputs)))


def reads_the_padding(vocab_size, n_classes):
    return keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(vocab_size, 32),
                             layers.LSTM(64), layers.Dense(n_classes, activation="softmax")])


@pytest.mark.slow
@pytest.mark.parametrize("build, below", [(ignores_the_word, 0.30), (reads_the_padding, checks.THRESHOLD)],
                         ids=["ignores-the-word", "no-mask"])
def test_models_that_ignore_the_word_or_read_the_padding_stay_under(build, below):
    accuracy, _ = checks.train_and_score(build, seed=0, budget=600.0)
    assert accuracy < below, accuracy


# ---------------------------------------------------------------- mistakes, named


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("layers.Embedding(vocab_size, 32, mask_zero=True)", "layers.Embedding(vocab_size, 32)",
         "does not declare id 0 as padding"),
        ("layers.Embedding(vocab_size, 32, mask_zero=True),", "layers.Embedding(vocab_size, 32), layers.Masking(0.0),",
         "a Masking layer after the Embedding"),
        ("layers.LSTM(64)", "layers.Conv1D(32, 3, padding=\"same\"), layers.LSTM(64)", "the mask is lost on the way"),
        ('layers.Dense(n_classes, activation="softmax")', "layers.Dense(n_classes)", "the softmax is missing"),
        ("layers.LSTM(64)", "layers.LSTM(64, return_sequences=True)", "return_sequences=True on the last recurrent"),
        ('layers.Dense(n_classes, activation="softmax")', 'layers.Dense(4, activation="softmax")',
         "4 classes are hard-coded"),
    ],
    ids=["no-mask", "masking-layer", "mask-lost", "no-softmax", "returns-a-sequence", "hard-coded-classes"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("seq_classifier", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message
