"""Exercise 48 (seq_tagger): the check's accuracy over tagged words equals one counted from the
shipped (tokens, tags) lists sentence by sentence, each run unpadded (with sentences of its length), so PAD
and "?" never count and padding changes no tag; an unmasked Bidirectional layer does change with
padding (independently of the solution); the reference clears the threshold on other seeds;
plain correct taggers written another way pass through the real engine, a forward-only tagger
and a model that ignores the words stay under the threshold, and typical mistakes are named."""

import keras
import numpy as np
import pytest
from keras import layers

from checker.datasets import POS_TAGS, UNTAGGED, load_tagged_sentences
from tests.helpers import load_check, mutate, run_source, solution

sol = solution("seq_tagger")
checks = load_check("seq_tagger")


def test_the_data_is_as_the_stub_says():
    vocab, (x, y, w), (xt, yt, wt) = checks._data()
    assert len(vocab) == 5078 and vocab[:3] == ["", "<unk>", "the"]
    assert x.shape[0] == 9600 and xt.shape[0] == 1200 and int(wt.sum()) == 6001
    assert np.all(w[x == 0] == 0) and np.all(wt[xt == 0] == 0)  # PAD never weighs


def test_the_accuracy_counts_tagged_words_only_and_padding_changes_no_tag():
    """Independent count: the raw lists, one sentence at a time, unpadded; against the check's padded arrays."""
    vocab, (x, y, w), (xt, yt, wt) = checks._data()
    keras.utils.set_random_seed(0)
    model = sol.build_sequence_tagger(len(vocab), len(POS_TAGS))
    model.compile(keras.optimizers.Adam(5e-3), "sparse_categorical_crossentropy")
    model.fit(x[:2000], y[:2000], sample_weight=w[:2000], epochs=1, batch_size=64, verbose=0)  # a model that knows some
    padded = np.asarray(model.predict(xt, batch_size=256, verbose=0), dtype=np.float64)
    ids = {word: i for i, word in enumerate(vocab)}
    rows = load_tagged_sentences("test")
    alone = {}  # row -> its words' probabilities, from sentences of one length only: no padding at all
    for length in sorted({len(words) for words, _ in rows}):
        same = [row for row, (words, _) in enumerate(rows) if len(words) == length]
        batch = np.array([[ids.get(word, 1) for word in rows[row][0]] for row in same], np.int32)
        alone.update(zip(same, np.asarray(model(batch), dtype=np.float64)))
    right = counted = 0
    for row, (words, tags) in enumerate(rows):
        np.testing.assert_allclose(alone[row], padded[row, : len(words)], atol=1e-5)
        for probabilities, tag in zip(alone[row], tags):
            if tag != UNTAGGED:
                counted += 1
                right += POS_TAGS[int(np.argmax(probabilities))] == tag
    assert counted == 6001
    assert checks.tagged_accuracy(padded, yt, wt) == pytest.approx(right / counted, abs=1.5 / counted)
    assert right / counted > 0.6  # it learned something, so the comparison means something


def test_without_the_mask_padding_changes_the_tags():
    """The property the padding check relies on, shown on a Keras model of this test's own."""
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(30, 8),
                              layers.Bidirectional(layers.GRU(8, return_sequences=True)),
                              layers.Dense(6, activation="softmax")])
    x = checks.padded([[3, 1, 20], [5, 6]], 3)
    short = np.asarray(model(x))
    long = np.asarray(model(checks.padded([[3, 1, 20], [5, 6]], 14)))[:, :3]
    assert np.abs(short - long)[x > 0].max() > 1e-4


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


@pytest.mark.parametrize("seed", [1, 2])
def test_reference_clears_the_threshold_on_other_seeds(seed):
    accuracy, seconds = checks.train_and_score(sol.build_sequence_tagger, seed=seed)
    assert accuracy >= checks.THRESHOLD + 0.01, accuracy
    assert seconds < checks.TIME_BUDGET, seconds  # a loose bound: the machine running the tests may be shared


# ---------------------------------------------------------------- plain correct models, written another way

BIGRU_SOURCE = '''
import keras
from keras import layers


def build_sequence_tagger(vocab_size, n_tags):
    words = keras.Input(shape=(None,), dtype="int32")
    h = layers.Embedding(vocab_size, 32, mask_zero=True)(words)
    h = layers.Bidirectional(layers.GRU(48, return_sequences=True), merge_mode="sum")(h)
    return keras.Model(words, layers.TimeDistributed(layers.Dense(n_tags, activation="softmax"))(h))
'''

STACKED_SOURCE = '''
import keras
from keras import layers


def build_sequence_tagger(vocab_size, n_tags):
    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        layers.Embedding(vocab_size, 48, mask_zero=True),
        layers.Bidirectional(layers.GRU(24, return_sequences=True)),
        layers.Bidirectional(layers.GRU(24, return_sequences=True)),
        layers.Dense(32, activation="relu"),
        layers.Dense(n_tags, activation="softmax"),
    ])
'''


@pytest.mark.slow
@pytest.mark.parametrize("source", [BIGRU_SOURCE, STACKED_SOURCE], ids=["bigru-sum", "two-stacked-bigru"])
def test_plain_correct_models_pass_through_the_engine(tmp_path, source):
    verdict = run_source("seq_tagger", source, tmp_path)
    assert verdict.status == "passed", verdict.message


def forward_only(vocab_size, n_tags):
    return keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(vocab_size, 64, mask_zero=True),
                             layers.LSTM(64, return_sequences=True), layers.Dense(n_tags, activation="softmax")])


def always_the_same(vocab_size, n_tags):
    words = keras.Input((None,), dtype="int32")
    nothing = layers.Lambda(lambda t: keras.ops.zeros_like(keras.ops.cast(t[..., None], "float32")),
                            output_shape=(None, 1))
    return keras.Model(words, layers.Dense(n_tags, activation="softmax")(nothing(words)))


@pytest.mark.slow
@pytest.mark.parametrize("build, below", [(forward_only, checks.THRESHOLD), (always_the_same, 0.60)],
                         ids=["forward-only", "ignores-the-words"])
def test_a_forward_only_tagger_and_one_that_ignores_the_words_stay_under(build, below):
    accuracy, _ = checks.train_and_score(build, seed=0, budget=600.0)
    assert accuracy < below, accuracy


# ---------------------------------------------------------------- mistakes, named

BIDIRECTIONAL = "layers.Bidirectional(layers.LSTM(32, return_sequences=True))"


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("layers.Embedding(vocab_size, 64, mask_zero=True)", "layers.Embedding(vocab_size, 64)",
         "does not declare id 0 as padding"),
        ("layers.Embedding(vocab_size, 64, mask_zero=True),", "layers.Embedding(vocab_size, 64), layers.Masking(0.0),",
         "a Masking layer after the Embedding"),
        ('layers.Dense(n_tags, activation="softmax")', "layers.Dense(n_tags)", "the softmax is missing"),
        (BIDIRECTIONAL, "layers.Bidirectional(layers.LSTM(32))", "return_sequences=True is missing"),
        ('layers.Dense(n_tags, activation="softmax")', 'layers.Dense(6, activation="softmax")',
         "6 tags are hard-coded"),
        (BIDIRECTIONAL, "layers.LSTM(64, return_sequences=True)", "the tagger is not bidirectional"),
        (BIDIRECTIONAL, "layers.LSTM(64, return_sequences=True, go_backwards=True)", "go_backwards=True on its own"),
    ],
    ids=["no-mask", "masking-layer", "no-softmax", "one-vector", "hard-coded-tags", "forward-only", "go-backwards"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("seq_tagger", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message
