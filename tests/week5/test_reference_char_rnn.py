"""Exercise 46 (char_rnn): the reference sampler's frequencies equal the exact softmax
probabilities of a chosen model (a chi-square test), the held-out loss formula equals Keras'
own masked cross-entropy, the reference trains under the threshold on several seeds and
samples new names, and typical mistakes are named through the real engine."""

import keras
import numpy as np
import pytest

from tests.helpers import load_check, mutate, solution

sol = solution("char_rnn")
checks = load_check("char_rnn")


def test_the_held_out_loss_equals_keras_masked_cross_entropy():
    g = np.random.default_rng(0)
    logits = g.normal(size=(5, 6, checks.V))
    y = g.integers(1, checks.V, size=(5, 6))
    y[:, 4:] = 0  # padding
    keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    assert checks.held_out_loss(logits, y) == pytest.approx(float(keras_loss(y, logits.astype(np.float32))), rel=1e-5)


def test_sampled_names_follow_the_softmax_with_temperature():
    """Three first letters with p = 0.5, 0.3, 0.2 at T = 0.7: frequencies against exact probabilities."""
    table = checks._table({".": {"a": 0.5, "b": 0.3, "c": 0.2}})
    model = checks.table_model(table)
    names = sol.generate_names(model, checks.VOCAB, 3000, 0.7, np.random.default_rng(1))
    p = np.array([0.5, 0.3, 0.2]) ** (1 / 0.7)
    p /= p.sum()
    counts = np.array([names.count(ch) for ch in "abc"])
    chi2 = float(((counts - 3000 * p) ** 2 / (3000 * p)).sum())
    assert counts.sum() == 3000 and chi2 < 20.0  # 2 degrees of freedom: P(chi2 > 20) = e^-10 ≈ 4.5e-5


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


@pytest.mark.parametrize("seed", [1, 2])
def test_reference_trains_under_the_threshold_on_other_seeds(seed):
    loss, seconds, model = checks.train_and_score(sol.build_char_model, seed=seed)
    assert loss < checks.THRESHOLD - 0.05, loss
    assert seconds < checks.TIME_BUDGET, seconds
    names = sol.generate_names(model, checks.VOCAB, 200, 1.0, np.random.default_rng(seed))
    train = set(checks._data()[0])
    assert sum(name not in train for name in names) >= 0.6 * len(names)
    print("three generated names:", names[:3])


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("        z = logits / temperature", "        z = logits * temperature", "MULTIPLIED by the temperature"),
        ("        logits[:, 0] = -np.inf  # never PAD\n", "", "drew PAD"),
        ("            if nxt[i] == 1 or len(names[i]) == MAX_LEN:", "            if len(names[i]) == MAX_LEN:",
         "with \".\" inside"),
        ("layers.GRU(64, return_sequences=True)", "layers.Bidirectional(layers.GRU(32, return_sequences=True))",
         "looks at the future"),
        ("layers.GRU(64, return_sequences=True)", "layers.GRU(64)", "return_sequences=True is missing"),
        ("u = rng.random((n, 1))", "u = np.random.random((n, 1))", "global random state"),
    ],
    ids=["temperature-multiplies", "pad-drawn", "dot-kept", "bidirectional", "last-step-only", "global-random"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("char_rnn", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message
