"""Hidden checks for exercise 57 (train_captioner).

The learner's training step and loop drive a decoder, an optimizer and a loss
made where its code runs by helpers of this file: the reference decoder of
exercise 52 (its forward pass compiled with tf.function, so that a training
run fits the budget on two CPU cores), Keras optimizers, and the reference
masked loss of exercise 53.  A recording decoder and a recording loss note what
they were given (the input tokens, the training flag, the targets): the
teacher-forcing shift and the order of the rows are judged on those records,
by value, here.  One SGD step is held against the same step computed here.

The training check trains the reference decoder with the learner's
fit_captioner on the shipped scenes (features from the shipped scene encoder,
the vocabulary and caption matrices built here with the course's conventions:
PAD 0, UNK 1, START 2, END 3), decodes the held-out test scenes greedily with a
step function built from the decoder's named layers, and scores them with
nltk's corpus BLEU-4 against their five references.  An image-blind decoder
(features zeroed) trained the same way here, with the same budget, stays well
below the threshold: the captions must come from the images.

`greedy_captions` below decodes a whole batch at once from a decoder's named
layers ("init_state", "embedding", "rnn", "logits"); `dlx train captioner`
decodes one scene at a time with checker/training/decoding.py's step function.
"""

from __future__ import annotations

import functools
import math
import time
from collections import Counter

import keras
import numpy as np
import pytest
import tensorflow as tf

from checker.datasets import load_caption_scenes, load_scene_encoder
from checker.testing import (
    after_cheap_checks,
    report_progress,
    assert_close,
    call_unchanged,
    fail,
    fmt,
    learner_cpu_time,
    learner_side,
    on_learner_side,
    report_figure,
    rng,
    type_name,
)

PAD, UNK, START, END = 0, 1, 2, 3
SPECIAL = ("<pad>", "<unk>", "<start>", "<end>")

# The training check: the reference decoder, trained by the learner's fit_captioner.
EMBED, HIDDEN = 64, 128
EPOCHS, BATCH, LEARNING_RATE = 5, 64, 3e-3
CAPTIONS_PER_IMAGE = 1  # rows per epoch: one caption of each train scene, drawn anew for each seed
MAX_LEN = 30  # decoding steps
THRESHOLD = 0.40  # BLEU-4 on the 500 test scenes: the reference loop reaches SEEING, an image-blind decoder BLIND
SEEING, BLIND = 0.52, 0.23  # measured (seed 0): tests/week6/test_reference_train_captioner.py
TIME_BUDGET = 180.0  # CPU seconds (all threads) for the learner's training run; the reference needs about 40


# ---------------------------------------------------------------- conventions (exercises 49-50, written here)


def tokenize(caption: str) -> list[str]:
    return caption.lower().split()


def vocabulary(captions: list[str], min_count: int = 1) -> dict[str, int]:
    counts = Counter(token for caption in captions for token in tokenize(caption))
    kept = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
    return {token: i for i, token in enumerate(SPECIAL + tuple(kept))}


def caption_matrix(captions: list[str], vocab: dict[str, int]) -> np.ndarray:
    rows = [[START] + [vocab.get(t, UNK) for t in tokenize(c)] + [END] for c in captions]
    out = np.full((len(rows), max(map(len, rows))), PAD, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


# ---------------------------------------------------------------- the reference decoder, loss and loop


def decoder_layers(vocab_size, feature_dim, embed_dim, hidden_dim, rnn="lstm"):
    """The decoder of exercise 52: [features, tokens] -> logits, layers named as its contract says."""
    features = keras.Input(shape=(feature_dim,), name="features")
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    h0 = keras.layers.Dense(hidden_dim, activation="tanh", name="init_state")(features)
    embedded = keras.layers.Embedding(vocab_size, embed_dim, mask_zero=True, name="embedding")(tokens)
    if rnn == "lstm":
        sequence, _, _ = keras.layers.LSTM(hidden_dim, return_sequences=True, return_state=True, name="rnn")(
            embedded, initial_state=[h0, h0])
    else:
        sequence, _ = keras.layers.GRU(hidden_dim, return_sequences=True, return_state=True, name="rnn")(
            embedded, initial_state=[h0])
    logits = keras.layers.Dense(vocab_size, name="logits")(sequence)
    return keras.Model([features, tokens], logits, name="caption_decoder")


class FastDecoder(keras.Model):
    """A decoder whose forward pass runs as one tf.function (about 4× faster on a CPU); records what it is given."""

    def __init__(self, inner, record=False, compiled=False):
        super().__init__()
        self.inner = inner
        self.record = record
        self.seen = []  # (tokens, training) of every call, when recording
        forward = lambda f, t, training: inner([f, t], training=training)  # noqa: E731
        # Compiled only for the long training run: one tf.function per decoder, and the small checks make many
        # decoders, which would make TensorFlow warn about retracing in the learner's output.
        self._forward = tf.function(forward, reduce_retracing=True, autograph=False) if compiled else forward

    def call(self, inputs, training=False):
        features, tokens = inputs
        return self._forward(tf.cast(features, tf.float32), tf.cast(tokens, tf.int32), bool(training))

    def __call__(self, inputs, *args, **kwargs):
        if self.record:
            training = kwargs.get("training", args[0] if args else None)
            self.seen.append((np.array(inputs[1]), training))
        return super().__call__(inputs, *args, **kwargs)


def reference_decoder(vocab_size, feature_dim, embed_dim, hidden_dim, seed, rnn="lstm", record=False,
                      frozen_embedding=False, compiled=False):
    """The reference decoder with seeded weights (made where it is trained)."""
    keras.utils.set_random_seed(seed)
    inner = decoder_layers(vocab_size, feature_dim, embed_dim, hidden_dim, rnn)
    if frozen_embedding:
        inner.get_layer("embedding").trainable = False
    decoder = FastDecoder(inner, record=record, compiled=compiled)
    decoder([np.zeros((1, feature_dim), np.float32), np.full((1, 2), START, np.int32)])
    return decoder


def reference_loss(logits, targets, pad_id):
    """The masked caption loss of exercise 53."""
    targets = tf.cast(targets, tf.int32)
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
    mask = tf.cast(tf.not_equal(targets, pad_id), ce.dtype)
    return tf.reduce_sum(ce * mask) / tf.reduce_sum(mask)


class RecordingLoss:
    """reference_loss, noting the targets and the logits' shape of every call."""

    def __init__(self):
        self.targets = []
        self.shapes = []

    def __call__(self, logits, targets, pad_id):
        self.targets.append(np.array(targets))
        self.shapes.append(tuple(int(d) for d in logits.shape))
        return reference_loss(logits, targets, pad_id)


def reference_fit(decoder, optimizer, features, captions, epochs, batch_size, rng_, on_batch=None):
    """The reference training loop (exercise 57), used here for the image-blind baseline."""
    n = len(captions)
    n_batches = math.ceil(n / batch_size)
    history = []
    for epoch in range(epochs):
        order = rng_.permutation(n)
        losses = []
        for batch in range(n_batches):
            rows = order[batch * batch_size:(batch + 1) * batch_size]
            with tf.GradientTape() as tape:
                logits = decoder([features[rows], captions[rows][:, :-1]], training=True)
                loss = reference_loss(logits, captions[rows][:, 1:], PAD)
            gradients = tape.gradient(loss, decoder.trainable_variables)
            optimizer.apply_gradients(zip(gradients, decoder.trainable_variables))
            losses.append(float(loss))
            if on_batch is not None:
                on_batch(epoch, batch, n_batches, float(loss))
        history.append(float(np.mean(losses)))
    return history


# ---------------------------------------------------------------- the step function and greedy decoding


def _rnn_is_lstm(rnn) -> bool:
    return isinstance(rnn, keras.layers.LSTM)


def greedy_captions(decoder, features, max_len=MAX_LEN):
    """Greedy captions of a batch of images (token ids without START and END), all images at once."""
    model = getattr(decoder, "inner", decoder)
    init, embed, rnn, out = (model.get_layer(name) for name in ("init_state", "embedding", "rnn", "logits"))
    lstm = _rnn_is_lstm(rnn)

    @tf.function(reduce_retracing=True)
    def step(tokens, state):
        sequence, *new_state = rnn(embed(tokens[:, None]), initial_state=list(state))
        return tf.argmax(out(sequence[:, -1]), axis=-1, output_type=tf.int32), new_state

    h0 = init(np.asarray(features, np.float32))
    state = [h0, h0] if lstm else [h0]
    tokens = tf.fill([len(features)], START)
    chosen = []
    for _ in range(max_len):
        tokens, state = step(tokens, state)
        chosen.append(tokens.numpy())
    captions = []
    for row in np.stack(chosen, axis=1):
        ends = np.flatnonzero(row == END)
        captions.append([int(t) for t in row[: ends[0] if len(ends) else max_len]])
    return captions


def bleu4(references: list[list[str]], hypotheses: list[list[int]], vocab: dict[str, int]) -> float:
    """nltk's corpus BLEU-4 of the decoded captions against their reference captions."""
    from nltk.translate.bleu_score import corpus_bleu

    words = {i: w for w, i in vocab.items()}
    return float(corpus_bleu([[tokenize(r) for r in refs] for refs in references],
                             [[words[t] for t in hyp] for hyp in hypotheses]))


# ---------------------------------------------------------------- the shipped scenes


def _features(encoder, images, batch_size=500):
    return np.concatenate([np.asarray(encoder(images[s:s + batch_size], training=False))
                           for s in range(0, len(images), batch_size)]).astype(np.float32)


@functools.lru_cache(maxsize=1)
def scene_data():
    """(train features, train captions, test features, test captions, vocabulary), made here from the shipped files."""
    from checker.testing import shipped

    train_images, train_captions = shipped(load_caption_scenes, split="train", what="the course's caption scenes")
    test_images, test_captions = shipped(load_caption_scenes, split="test", what="the course's caption scenes")
    encoder = shipped(load_scene_encoder, what="the course's scene encoder")
    vocab = vocabulary([c for caps in train_captions for c in caps])
    return _features(encoder, train_images), train_captions, _features(encoder, test_images), test_captions, vocab


def training_rows(seed):
    """(features, caption matrix): CAPTIONS_PER_IMAGE captions of each train scene, drawn with `seed`."""
    features, captions, _, _, vocab = scene_data()
    g = np.random.default_rng(seed)
    picks = [g.choice(5, size=CAPTIONS_PER_IMAGE, replace=False) for _ in captions]
    rows = [i for i, p in enumerate(picks) for _ in p]
    chosen = [captions[i][k] for i, p in enumerate(picks) for k in p]
    return features[rows], caption_matrix(chosen, vocab)


def blind_bleu(seed, epochs=EPOCHS):
    """BLEU-4 of the reference decoder trained here on zeroed features (it cannot see the images): the yardstick."""
    features, captions = training_rows(seed)
    _, _, test_features, test_captions, vocab = scene_data()
    decoder = reference_decoder(len(vocab), features.shape[1], EMBED, HIDDEN, seed, compiled=True)
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    reference_fit(decoder, optimizer, np.zeros_like(features), captions, epochs, BATCH, np.random.default_rng(seed))
    return bleu4(test_captions, greedy_captions(decoder, np.zeros_like(test_features)), vocab)


# ---------------------------------------------------------------- helpers run where the learner's code runs


def seen_of(decoder):
    """[(tokens, training)] of every call of a recording decoder, as plain data."""
    return [(np.array(tokens), None if training is None else bool(training)) for tokens, training in decoder.seen]


def targets_of(loss_fn):
    return [np.array(t) for t in loss_fn.targets]


def weights_of(decoder):
    return [np.array(w) for w in decoder.get_weights()]


def recording_loss():
    return RecordingLoss()


# ---------------------------------------------------------------- one step

V, F, E, H = 9, 4, 3, 5
CAPTIONS = np.array([[2, 5, 6, 3, 0, 0],
                     [2, 7, 3, 0, 0, 0],
                     [2, 4, 8, 5, 6, 3]])
CAPTIONS_TEXT = "captions =\n" + fmt(CAPTIONS) + "\n(START = 2, END = 3, PAD = 0)"
WRONG_WAY = ("the shift goes the wrong way: inputs = captions[:, :-1] (START, w1 … wn: the last token is never read) "
             "and targets = captions[:, 1:] (w1 … wn, END: START is never predicted).")
END_IN_INPUTS = "END is in the inputs: the decoder reads the caption without its last column, inputs = captions[:, :-1]."
START_IN_TARGETS = "START is in the targets: START is given, never predicted; targets = captions[:, 1:]."
NOT_SHIFTED = ("the targets are not shifted: at step t the decoder must predict the NEXT token, "
               "targets = captions[:, 1:] while inputs = captions[:, :-1].")


def _step_problem(seed, rnn="lstm", frozen_embedding=False):
    features = rng(seed).normal(size=(len(CAPTIONS), F)).astype(np.float32)
    decoder = learner_side(reference_decoder, V, F, E, H, seed, rnn, True, frozen_embedding)
    twin = reference_decoder(V, F, E, H, seed, rnn, False, frozen_embedding)
    twin.set_weights(learner_side(weights_of, decoder))  # the same start, whatever either process drew before
    return features, decoder, twin, learner_side(recording_loss)


def _train_step(ex, decoder, optimizer, loss_fn, features, captions):
    what = f"caption_train_step(decoder, optimizer, loss_fn, features {features.shape}, captions, pad_id=0) with {CAPTIONS_TEXT}"
    try:
        got = call_unchanged(ex.caption_train_step, decoder, optimizer, loss_fn, features, captions, PAD, what=what,
                             names=["decoder", "optimizer", "loss_fn", "features", "captions", "pad_id"])
    except Exception:
        _name_a_failed_shift(what, decoder, loss_fn)  # logits and targets of different lengths: say why
        raise
    if got is None:
        fail(f"{what} returned None.\nReturn the batch's loss as a Python float: return float(loss).")
    if not isinstance(got, float):
        fail(f"{what} returned {type_name(got)}, expected a Python float: return float(loss) (the training loop "
             "averages and prints it).")
    return what, got


def _name_a_failed_shift(what, decoder, loss_fn):
    """After the step raised: fail naming the shift if the records show a misaligned one."""
    try:
        seen, targets = learner_side(seen_of, decoder), learner_side(targets_of, loss_fn)
    except Exception:  # noqa: BLE001 - no records to go by: let the learner's error speak
        return
    same = lambda a, b: a.shape == b.shape and np.array_equal(a, b)  # noqa: E731
    if seen and same(seen[-1][0], CAPTIONS):
        fail(f"{what} raised an error: the logits and the targets have different lengths.\nLikely mistake: {END_IN_INPUTS}")
    if targets and same(targets[-1], CAPTIONS):
        fail(f"{what} raised an error: the logits and the targets have different lengths.\nLikely mistake: {START_IN_TARGETS}")


def _check_shift(what, seen, targets):
    if not seen:
        fail(f"{what}: the decoder was never called. Inside the tape: logits = decoder([features, inputs], training=True).")
    if not targets:
        fail(f"{what}: loss_fn was never called. Inside the tape: loss = loss_fn(logits, targets, pad_id).")
    tokens, training = seen[-1]
    target = targets[-1]
    same = lambda a, b: a.shape == b.shape and np.array_equal(a, b)  # noqa: E731
    if same(tokens, CAPTIONS[:, 1:]):
        fail(f"{what}: the decoder read\n{fmt(tokens)}\nLikely mistake: {WRONG_WAY}")
    if same(tokens, CAPTIONS):
        fail(f"{what}: the decoder read the whole captions.\nLikely mistake: {END_IN_INPUTS}")
    if not same(tokens, CAPTIONS[:, :-1]):
        fail(f"{what}: the decoder read\n{fmt(tokens)}\nexpected inputs = captions[:, :-1] =\n{fmt(CAPTIONS[:, :-1])}")
    if same(target, CAPTIONS):
        fail(f"{what}: the loss got the whole captions as targets.\nLikely mistake: {START_IN_TARGETS}")
    if same(target, CAPTIONS[:, :-1]):
        fail(f"{what}: the loss got the targets\n{fmt(target)}\nLikely mistake: {NOT_SHIFTED}")
    if not same(target, CAPTIONS[:, 1:]):
        fail(f"{what}: the loss got the targets\n{fmt(target)}\nexpected targets = captions[:, 1:] =\n{fmt(CAPTIONS[:, 1:])}")
    if training is not True:
        fail(f"{what}: the decoder was called with training={training}.\n"
             "Call it as decoder([features, inputs], training=True) inside the tape (Dropout and friends train only then).")


def _sgd_step_here(twin, features, lr):
    with tf.GradientTape() as tape:
        loss = reference_loss(twin([features, CAPTIONS[:, :-1]], training=True), CAPTIONS[:, 1:], PAD)
    gradients = tape.gradient(loss, twin.trainable_variables)
    keras.optimizers.SGD(lr).apply_gradients(zip(gradients, twin.trainable_variables))
    return float(loss)


@pytest.mark.parametrize("rnn", ["lstm", "gru"])
def test_teacher_forcing_shift(ex, rnn):
    """the decoder reads captions[:, :-1] (training=True), the loss scores captions[:, 1:]"""
    features, decoder, _, loss_fn = _step_problem(1, rnn)
    what, _ = _train_step(ex, decoder, learner_side(keras.optimizers.SGD, 0.1), loss_fn, features, CAPTIONS)
    _check_shift(what, learner_side(seen_of, decoder), learner_side(targets_of, loss_fn))


def test_one_sgd_step(ex):
    """the returned loss is the one before the update; the weights move as one SGD step computed here says"""
    lr = 0.5
    features, decoder, twin, loss_fn = _step_problem(2)
    before = twin.get_weights()
    what, got = _train_step(ex, decoder, learner_side(keras.optimizers.SGD, lr), loss_fn, features, CAPTIONS)
    _check_shift(what, learner_side(seen_of, decoder), learner_side(targets_of, loss_fn))
    expected = _sgd_step_here(twin, features, lr)
    after_here = [np.asarray(w) for w in twin.get_weights()]
    after = learner_side(weights_of, decoder)
    if all(np.array_equal(a, b) for a, b in zip(after, before)):
        fail(f"{what}: the decoder's weights did not move.\n"
             "Apply the gradients: optimizer.apply_gradients(zip(gradients, decoder.trainable_variables)).")
    for a, b in zip(after, after_here):
        assert_close(a, b, what=f"{what}: the decoder's weights after one step of SGD({lr})", rtol=1e-4, atol=1e-5)
    twin_after = reference_decoder(V, F, E, H, 2)
    twin_after.set_weights(after_here)
    loss_after = float(reference_loss(twin_after([features, CAPTIONS[:, :-1]]), CAPTIONS[:, 1:], PAD))
    assert_close(got, expected, what=f"{what}: the returned loss", rtol=1e-4, atol=1e-6,
                 mistakes={"the loss returned is the one after the update: return the loss computed inside the tape.":
                           loss_after})


def test_only_trainable_variables_change(ex):
    """a frozen layer (trainable=False) stays as it was: gradients go to decoder.trainable_variables only"""
    features, decoder, _, loss_fn = _step_problem(3, frozen_embedding=True)
    before = learner_side(weights_of, decoder)
    what, _ = _train_step(ex, decoder, learner_side(keras.optimizers.SGD, 0.5), loss_fn, features, CAPTIONS)
    after = learner_side(weights_of, decoder)
    embedding = [i for i, w in enumerate(before) if w.shape == (V, E)]
    if any(not np.array_equal(before[i], after[i]) for i in embedding):
        fail(f"{what}: the embedding, frozen (trainable=False), changed.\n"
             "Likely mistake: the gradients were applied to decoder.variables (or .weights); use "
             "decoder.trainable_variables, both in tape.gradient and in apply_gradients.")
    still = [i for i, (a, b) in enumerate(zip(before, after)) if i not in embedding and np.array_equal(a, b)]
    if still:
        fail(f"{what}: {len(still)} of the decoder's trainable weights did not move: compute the gradients of the loss "
             "for all of decoder.trainable_variables and apply them all.")


def test_overfits_one_small_batch(ex):
    """60 steps of Adam(1e-2) on one batch of 3 captions bring the loss below a tenth of its start"""
    features = rng(4).normal(size=(len(CAPTIONS), F)).astype(np.float32)
    decoder = learner_side(reference_decoder, V, F, 16, 32, 4)  # the reference ends near 0.003 of its start
    optimizer = learner_side(keras.optimizers.Adam, 1e-2)
    loss_fn = on_learner_side(reference_loss)
    losses = [ex.caption_train_step(decoder, optimizer, loss_fn, features, CAPTIONS, PAD) for _ in range(60)]
    if not all(isinstance(x, float) and np.isfinite(x) for x in losses):
        fail(f"caption_train_step returned {fmt(losses[:5])}...: expected finite Python floats.")
    if losses[-1] > 0.1 * losses[0]:
        fail(f"Training on one batch of 3 captions for 60 steps of Adam(1e-2): the loss went from {losses[0]:.3f} to "
             f"{losses[-1]:.3f}; a correct step brings it below a tenth of its start (a network memorises 3 "
             "captions).\nAre the gradients those of the loss, applied to decoder.trainable_variables, each step?")


# ---------------------------------------------------------------- the loop


class Calls:
    """on_batch: records its calls (it lives here; the learner's code calls it back)."""

    def __init__(self):
        self.calls = []

    def __call__(self, epoch, batch, n_batches, loss):
        self.calls.append((epoch, batch, n_batches, loss))


def _distinct_rows(n, seed):
    """n captions whose first word (id 4 + i) is theirs alone, so that a batch's rows can be told apart."""
    g = rng(seed)
    out = np.zeros((n, 6), dtype=np.int64)
    for i in range(n):
        length = int(g.integers(1, 4))
        out[i, 0], out[i, 1] = START, 4 + i
        out[i, 2:2 + length] = g.integers(4 + n, 7 + n, size=length)  # other words: ids no row starts with
        out[i, 2 + length] = END
    return out


def _fit(ex, n, batch_size, epochs, seed, on_batch=None):
    captions = _distinct_rows(n, seed)
    features = rng(seed + 1).normal(size=(n, F)).astype(np.float32)
    decoder = learner_side(reference_decoder, 7 + n, F, E, H, seed)
    loss_fn = learner_side(recording_loss)
    what = f"fit_captioner(..., N={n} captions, pad_id=0, epochs={epochs}, batch_size={batch_size}, rng)"
    history = call_unchanged(ex.fit_captioner, decoder, learner_side(keras.optimizers.SGD, 0.05), loss_fn, features,
                             captions, PAD, epochs, batch_size, np.random.default_rng(seed), on_batch, what=what,
                             names=["decoder", "optimizer", "loss_fn", "features", "captions", "pad_id", "epochs",
                                    "batch_size", "rng", "on_batch"])
    return what, history, captions, learner_side(targets_of, loss_fn)


@pytest.mark.parametrize("n, batch_size, epochs", [(10, 4, 2), (6, 6, 1), (5, 8, 2)])
def test_on_batch_counts(ex, n, batch_size, epochs):
    """on_batch(epoch, batch, n_batches, loss) after every batch; the history is each epoch's mean batch loss"""
    calls = Calls()
    what, history, _, _ = _fit(ex, n, batch_size, epochs, 10 + n, calls)
    n_batches = math.ceil(n / batch_size)
    got = [(e, b, k) for e, b, k, _ in calls.calls]
    want = [(e, b, n_batches) for e in range(epochs) for b in range(n_batches)]
    if got != want:
        fail(f"{what} called on_batch with (epoch, batch, n_batches) =\n{fmt(got)}\nexpected\n{fmt(want)}\n"
             f"(n_batches = ceil(N / batch_size) = {n_batches}; epochs and batches count from 0; the last batch is "
             "shorter).")
    if not isinstance(history, list) or len(history) != epochs:
        fail(f"{what} returned {fmt(history)}, expected a list of {epochs} numbers: the mean loss of each epoch.")
    means = [float(np.mean([c[3] for c in calls.calls if c[0] == e])) for e in range(epochs)]
    assert_close(np.asarray(history, dtype=float), np.asarray(means), what=f"{what}: the returned history",
                 rtol=1e-5, atol=1e-7,
                 mistakes={"the history holds each epoch's LAST batch loss: append the mean of its batch losses.":
                           np.asarray([[c[3] for c in calls.calls if c[0] == e][-1] for e in range(epochs)])})


def test_rows_are_shuffled_with_rng(ex):
    """each epoch visits the rows in the order rng.permutation(N) gives, a new permutation per epoch"""
    n, batch_size, epochs, seed = 11, 4, 3, 21
    what, _, captions, targets = _fit(ex, n, batch_size, epochs, seed)
    def row_of(target):  # the row's own word, wherever a shift put it
        own = [int(w) - 4 for w in target if 4 <= w < 4 + n]
        return own[0] if own else -1

    order = [row_of(t) for batch in targets for t in batch]
    g = np.random.default_rng(seed)
    want = [int(i) for _ in range(epochs) for i in g.permutation(n)]
    if order == want:
        return
    once = [int(i) for i in np.random.default_rng(seed).permutation(n)] * epochs
    if order == list(range(n)) * epochs:
        why = "the rows were not shuffled: draw order = rng.permutation(N) at the start of every epoch."
    elif order == once:
        why = "the same permutation is used for every epoch: draw a new one, rng.permutation(N), in each epoch."
    elif sorted(order) != sorted(want):
        why = "some rows were visited twice or never: each epoch visits every row once, batch after batch of order."
    else:
        why = ("the order was not drawn from the generator given: use rng.permutation(N) (not np.random, "
               "not rng.shuffle on the data, nor another draw before it).")
    fail(f"{what} visited the rows in the order\n{fmt(order)}\nexpected (rng.permutation(N) for each epoch)\n"
         f"{fmt(want)}\nLikely mistake: {why}")


# ---------------------------------------------------------------- the training check


class OutOfTime(Exception):
    """Raised by the guard's on_batch to stop a training run past its budget."""


class Guard:
    """on_batch for the training check: counts batches and stops the run past `budget` CPU seconds.

    CPU time of the learner's process (all its threads), not the wall clock: a loaded machine (a grader running
    several submissions at once) slows a run down without making it a worse one.
    """

    def __init__(self, budget):
        self.budget, self.batches, self.stopped, self.losses = budget, 0, False, []
        self.started, self.cpu_start = time.perf_counter(), learner_cpu_time()

    def cpu(self):
        return learner_cpu_time() - self.cpu_start

    def __call__(self, epoch, batch, n_batches, loss):
        self.batches += 1
        self.losses.append(float(loss))
        if type(epoch) is int and type(batch) is int and type(n_batches) is int and n_batches > 0:
            report_progress(epoch + (batch + 1) / n_batches, EPOCHS, "epoch", loss=self.losses[-1])  # on screen
        if self.cpu() > self.budget:
            self.stopped = True
            raise OutOfTime(f"stopped after {self.budget:.0f} s")


def learner_bleu(fit_fn, seed=0):
    """The reference decoder trained by `fit_fn` where the learner's code runs, decoded and scored here.

    Returns (BLEU-4 on the test scenes, seconds of training, the guard).
    """
    features, captions = training_rows(seed)
    _, _, test_features, test_captions, vocab = scene_data()
    decoder = learner_side(reference_decoder, len(vocab), features.shape[1], EMBED, HIDDEN, seed, compiled=True)
    optimizer = learner_side(keras.optimizers.Adam, LEARNING_RATE)
    guard = Guard(TIME_BUDGET)
    try:
        fit_fn(decoder, optimizer, on_learner_side(reference_loss), features, captions, PAD, EPOCHS, BATCH,
               np.random.default_rng(seed), guard)
    except Exception:  # noqa: BLE001 - the guard's stop comes back as whatever the learner's side made of it
        if not guard.stopped:
            raise
    seconds = time.perf_counter() - guard.started
    if guard.stopped:
        return None, seconds, guard
    here = reference_decoder(len(vocab), features.shape[1], EMBED, HIDDEN, seed)
    here.set_weights(learner_side(weights_of, decoder))
    return bleu4(test_captions, greedy_captions(here, test_features), vocab), seconds, guard


def test_reaches_bleu_on_held_out_scenes(ex, request):
    """the reference decoder trained by your fit_captioner captions held-out scenes: BLEU-4 above the threshold"""
    _fit(ex, 3, 2, 1, 0)  # a blink: an unwritten fit_captioner is "not started", not "not run yet"
    after_cheap_checks(request, "Training the captioner takes a few minutes.")
    features, captions = training_rows(0)
    n_batches = math.ceil(len(captions) / BATCH)
    score, seconds, guard = learner_bleu(ex.fit_captioner)
    report_figure("bleu4", score)
    setting = (f"{EPOCHS} epochs of {len(captions)} captions (one per train scene), batches of {BATCH}, "
               f"Adam({LEARNING_RATE})")
    if guard.stopped:
        fail(f"Training was stopped after {TIME_BUDGET:.0f} CPU seconds, at batch {guard.batches} of {EPOCHS * n_batches} "
             f"({setting}).\nOne caption_train_step per batch, nothing else in the loop: no extra passes over the data.")
    if guard.batches != EPOCHS * n_batches:
        fail(f"fit_captioner called on_batch {guard.batches} times for {setting}; expected {EPOCHS * n_batches}.")
    if score < THRESHOLD:
        fail(f"After {setting} ({seconds:.0f} s), greedy captions of the 500 test scenes score BLEU-4 = {score:.3f}; "
             f"expected at least {THRESHOLD}.\nThe reference loop reaches {SEEING:.2f}; a decoder that cannot see the "
             f"images (features zeroed), trained the same way, {BLIND:.2f}. "
             "Is each batch's features row-aligned with its captions (the same rows of both)?")
