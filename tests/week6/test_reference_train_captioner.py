"""Exercise 57 (train_captioner): one caption_train_step against Keras' own train_on_batch (the
masked mean as sample weights), the loop's order against rng.permutation; the training check's
figures measured (the reference loop with and without the image features); typical mistakes
injected into the solution are named; a loop written another way passes through the engine."""

from pathlib import Path

import keras
import numpy as np
import pytest

from tests.helpers import load_check, run_source, solution

sol = solution("train_captioner")
loss_sol = solution("masked_loss")
check = load_check("train_captioner")


def _twins(seed, v=12, f=6):
    keras.utils.set_random_seed(seed)
    first = check.decoder_layers(v, f, 5, 8)
    second = keras.models.clone_model(first)
    second.set_weights(first.get_weights())
    return first, second


def test_train_step_equals_a_keras_loss_step():
    """Against a step written with Keras' own loss (SparseCategoricalCrossentropy, the mask as sample weights).

    (Keras' train_on_batch is not used: the functional decoder carries the Embedding's mask to its output, and
    compile() then re-weights the loss in its own way.)
    """
    import tensorflow as tf

    ours, theirs = _twins(0)
    g = np.random.default_rng(1)
    features = g.normal(size=(4, 6)).astype(np.float32)
    captions = np.zeros((4, 7), dtype=np.int64)
    for row, n in zip(captions, (2, 5, 3, 4)):
        row[0], row[1:n + 1], row[n + 1] = check.START, g.integers(4, 12, size=n), check.END
    inputs, targets = captions[:, :-1], captions[:, 1:]
    mask = (targets != 0).astype(np.float32)
    keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    optimizer, theirs_optimizer = keras.optimizers.SGD(0.3), keras.optimizers.SGD(0.3)
    for _ in range(3):
        loss = sol.caption_train_step(ours, optimizer, loss_sol.masked_caption_loss, features, captions, 0)
        with tf.GradientTape() as tape:
            expected = keras_loss(targets, theirs([features, inputs], training=True), sample_weight=mask) / mask.sum()
        theirs_optimizer.apply_gradients(zip(tape.gradient(expected, theirs.trainable_variables), theirs.trainable_variables))
        assert isinstance(loss, float)
        assert loss == pytest.approx(float(expected), rel=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_fit_visits_rows_in_permutation_order():
    seen = []

    def step(decoder, optimizer, loss_fn, features, captions, pad_id):
        seen.extend(int(x) for x in features[:, 0])
        return 1.0

    original = sol.caption_train_step
    sol.caption_train_step = step
    try:
        calls = []
        history = sol.fit_captioner(None, None, None, np.arange(10.0)[:, None], np.zeros((10, 3)), 0, 2, 4,
                                    np.random.default_rng(5), lambda *a: calls.append(a[:3]))
    finally:
        sol.caption_train_step = original
    g = np.random.default_rng(5)
    assert seen == list(g.permutation(10)) + list(g.permutation(10))
    assert calls == [(e, b, 3) for e in range(2) for b in range(3)] and history == [1.0, 1.0]


@pytest.mark.slow
def test_the_image_blind_figure():
    """The reference loop on zeroed features (image-blind): the check's BLIND, well under the threshold.

    The seeing figure (SEEING) is the BLEU-4 a correct loop reaches through the engine: test_another_loop_passes
    holds it, so the captioner is trained once with the images and once without them in a test run (and once
    more by `dlx dev check`, which proves the reference solution passes).
    """
    blind = check.blind_bleu(0)
    print(f"BLEU-4 blind {blind:.3f}, threshold {check.THRESHOLD}")
    assert blind <= check.THRESHOLD - 0.1 and abs(blind - check.BLIND) < 0.05


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


STEP_MISTAKES = {
    "wrong-way": ("captions[:, :-1], captions[:, 1:]", "captions[:, 1:], captions[:, :-1]", "the wrong way"),
    "no-training": ("training=True)", ")", "training=None"),
    "end-in-inputs": ("inputs, targets = captions[:, :-1], captions[:, 1:]", "inputs, targets = captions, captions[:, 1:]",
                      "END is in the inputs"),
}
FIT_MISTAKES = {
    "global-random": ("order = rng.permutation(n)", "order = np.random.permutation(n)", "not drawn from the generator"),
    "last-loss": ("history.append(float(np.mean(losses)))", "history.append(losses[-1])", "LAST batch loss"),
    "no-shuffle": ("order = rng.permutation(n)", "order = np.arange(n)", "not shuffled"),
}
# A step mistake and a loop mistake fail different checks, so one engine run tries one of each; END in the
# inputs makes every step raise (logits one longer than the targets), so it runs alone.
PAIRS = [("wrong-way", "no-shuffle"), ("no-training", "global-random"), ("end-in-inputs", None), (None, "last-loss")]


@pytest.mark.parametrize("pair", PAIRS, ids=["+".join(p for p in pair if p) for pair in PAIRS])
def test_typical_mistakes_are_named(tmp_path, pair):
    source = Path(sol.__file__).read_text(encoding="utf-8")
    pair = [(table, key) for table, key in zip((STEP_MISTAKES, FIT_MISTAKES), pair) if key]
    for table, key in pair:
        old, new, _ = table[key]
        assert old in source, old
        source = source.replace(old, new, 1)
    verdict = run_source("train_captioner", source, tmp_path)
    assert verdict.status == "failed"
    messages = [c.message for c in verdict.checks if not c.passed]
    for table, key in pair:
        assert any(table[key][2] in m for m in messages), (key, messages)


ANOTHER_LOOP = '''
import numpy as np
import tensorflow as tf


def caption_train_step(decoder, optimizer, loss_fn, features, captions, pad_id):
    with tf.GradientTape() as tape:
        loss = loss_fn(decoder([features, captions[:, :-1]], training=True), captions[:, 1:], pad_id)
    variables = decoder.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return float(loss.numpy())


def fit_captioner(decoder, optimizer, loss_fn, features, captions, pad_id, epochs, batch_size, rng, on_batch=None):
    n_batches = -(-len(captions) // batch_size)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(captions))
        total = 0.0
        for batch, start in enumerate(range(0, len(captions), batch_size)):
            rows = order[start:start + batch_size]
            loss = caption_train_step(decoder, optimizer, loss_fn, features[rows], captions[rows], pad_id)
            total += loss
            if on_batch:
                on_batch(epoch, batch, n_batches, loss)
        history.append(total / n_batches)
    return history
'''


@pytest.mark.slow
def test_another_loop_passes(tmp_path):
    """A loop written another way passes, and reaches the check's SEEING (the same arithmetic, batch by batch)."""
    verdict = run_source("train_captioner", ANOTHER_LOOP, tmp_path)
    assert verdict.status == "passed", verdict.message
    seeing = verdict.figures["bleu4"]
    print(f"BLEU-4 seeing {seeing:.3f}, threshold {check.THRESHOLD}")
    assert seeing >= check.THRESHOLD + 0.05 and abs(seeing - check.SEEING) < 0.05
