"""Hidden checks for exercise 48 (seq_tagger).

The learner's model is built where its code runs and called there on word ids
chosen here; its outputs come back by value and are judged here.  The cheap
checks come first: one probability vector per word (not one per sentence: a
recurrent layer without return_sequences=True), the n_tags argument used,
probabilities out (a missing softmax), padding that changes nothing at the
real words (the same sentences padded to their own length, to the batch's and
11 steps more: a backward layer reading unmasked padding fails it), and both
directions read: the first word's tags change when only the LAST word does (a
forward-only layer fails that) and the last word's when only the first does.
The layers are described by checker.testing's `layer_flags`, run on the learner's side
(class names and flags, plain data), only to say WHICH mistake it is.

Then the model is compiled here (Adam 5e-3, sparse categorical cross-entropy
on probabilities) and trained 4 epochs with fixed seeds under a time guard on
the 9 600 training sentences, with sample weight 0 at padding and at untagged
("?") words, so that PAD never counts in the loss; the accuracy over the 6 001
tagged words of the 1 200 test sentences (PAD and "?" never counted) is
reckoned here from its probabilities.  Measured with two maths threads on a
loaded two-core machine (nice 10): the reference (Embedding 64,
Bidirectional LSTM 32) gets 0.927-0.934 over seeds 0-2 in about 12 s of CPU;
a Bidirectional GRU(48) summed over a 32-wide embedding with a TimeDistributed
output 0.922-0.933, two stacked Bidirectional GRU(24) with a hidden Dense
0.930-0.935 (seeds 0-2 each) (tests/week5/test_reference_seq_tagger.py); the
reference without mask_zero 0.930-0.934 (the sample weights keep PAD out of the
loss: only the padding check catches it); the reference's layer going forwards
only (LSTM 64) 0.894-0.896 over seeds 0-2, an Embedding with a Dense and no
recurrent layer 0.857, a model that always says FUNC 0.573.  THRESHOLD = 0.91
leaves every correct model 0.012 of room and fails the forward-only tagger on
accuracy too (it already fails the two-ways check).
"""

from __future__ import annotations

import functools
import math
from collections import Counter

import keras
import numpy as np
import pytest

from checker.datasets import POS_TAGS, UNTAGGED, load_tagged_sentences
from checker.testing import (
    after_cheap_checks,
    fail,
    fmt,
    fmt_gap,
    guarded_fit,
    layer_flags,
    learner_isinstance,
    learner_side,
    report_figure,
    rng,
    shipped,
    type_name,
)

N_TAGS = len(POS_TAGS)
MIN_COUNT = 2  # a training word seen fewer times is UNK
EPOCHS, BATCH, LR = 4, 64, 5e-3
THRESHOLD = 0.91
TIME_BUDGET = 60.0  # CPU seconds of training (checker.testing.guarded_fit)

NO_MASK_ZERO = ("Likely mistake: the Embedding does not declare id 0 as padding, so the backward layer reads the "
                "padding before the sentence's last word and starts from a state made of zeros-as-words. Use "
                "layers.Embedding(vocab_size, 64, mask_zero=True).")
MASKING_LAYER = ("Likely mistake: a Masking layer after the Embedding. Masking skips the steps whose vectors are all "
                 "mask_value (0.0), but the Embedding's vector for PAD is not zero, so nothing is skipped. Drop the "
                 "Masking layer and use layers.Embedding(vocab_size, 64, mask_zero=True).")
MASK_LOST = ("The Embedding has mask_zero=True, but the mask is lost on the way: a layer between it and the "
             "Bidirectional layer does not pass the mask on (Conv1D, a Lambda...), or the recurrent layer is given "
             "another tensor. Feed the Embedding's output straight into the Bidirectional layer.")

GO_BACKWARDS = ("Likely mistake: a recurrent layer with go_backwards=True on its own. It reads the padding first, and "
                "returns its outputs in reverse order (the last word's first), so they no longer line up with the "
                "words. Use layers.Bidirectional(layers.LSTM(32, return_sequences=True)): it runs the backward layer "
                "for you and puts its outputs back in the words' order.")


# ---------------------------------------------------------------- the learner's side


def _compiled(model, lr):
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy")
    return model


# ---------------------------------------------------------------- helpers here


def build(ex, vocab_size, n_tags=N_TAGS, seed=0):
    call = f"build_sequence_tagger({vocab_size}, {n_tags})"
    learner_side(keras.utils.set_random_seed, seed)
    model = ex.build_sequence_tagger(vocab_size, n_tags)
    if model is None:
        fail(f"{call} returned None.\nDid you forget `return model`?")
    if not learner_isinstance(model, keras.Model):
        fail(f"{call} returned {type_name(model)}, expected a keras.Model.\n"
             "Build it with keras.Sequential([...]) or keras.Model(inputs, outputs) and return the model itself.")
    return model, call


def outputs(model, call, x):
    """The model's outputs for ids x, as float64, or a failure that says why they could not be had."""
    try:
        return np.asarray(model(x, training=False), dtype=np.float64)
    except Exception as exc:  # noqa: BLE001 - a model that does not take integer ids of any length
        fail(f"{call} could not take word ids of shape {x.shape}:\n{type(exc).__name__}: {str(exc)[:300]}\n"
             "Start with keras.Input(shape=(None,), dtype=\"int32\") (sentences of any length) and an Embedding layer.")


def padded(sentences, T):
    x = np.zeros((len(sentences), T), np.int32)
    for row, sentence in enumerate(sentences):
        x[row, : len(sentence)] = sentence
    return x


def check_tags(model, call, n_tags, x):
    """One probability vector per step, or a failure that names the mistake; returns the outputs."""
    out = outputs(model, call, x)
    N, T = x.shape
    if out.shape == (N, n_tags):
        fail(f"For ids of shape {x.shape} (N = {N} sentences of T = {T} words) {call} gave outputs of shape "
             f"{out.shape}: one answer per SENTENCE, expected one per word, ({N}, {T}, {n_tags}).\nLikely mistake: "
             "return_sequences=True is missing. A tagger needs the recurrent layer's output at every step: "
             "layers.Bidirectional(layers.LSTM(32, return_sequences=True)).")
    if out.shape == (N, T, 6) and n_tags != 6:
        fail(f"{call} gave outputs of shape {out.shape}, expected ({N}, {T}, {n_tags}).\n"
             "Likely mistake: 6 tags are hard-coded; use the n_tags argument: Dense(n_tags, ...).")
    if out.shape != (N, T, n_tags):
        fail(f"For ids of shape {x.shape} {call} gave outputs of shape {out.shape}, expected ({N}, {T}, {n_tags}): "
             "one probability per tag for each word.")
    if not np.all(np.isfinite(out)):
        fail(f"{call} gave NaN or inf for the ids {fmt(x)}.")
    return out


def _sentences(seed, vocab_size, lengths):
    g = rng(seed)
    return [g.integers(1, vocab_size, size=n) for n in lengths]


# ---------------------------------------------------------------- cheap checks


@pytest.mark.parametrize("vocab_size, n_tags, lengths", [(50, 6, (3, 7, 5)), (20, 3, (4,)), (9, 8, (2, 6, 1, 5))],
                         ids=["50-6", "20-3", "9-8"])
def test_one_tag_per_word(ex, vocab_size, n_tags, lengths):
    """ids (N, T) padded with 0 → probabilities (N, T, n_tags): one answer per word, for several sizes"""
    model, call = build(ex, vocab_size, n_tags)
    check_tags(model, call, n_tags, padded(_sentences(vocab_size, vocab_size, lengths), max(lengths)))


def test_outputs_are_probabilities(ex):
    """each word's outputs are probabilities: at least 0, summing to 1 (a softmax over the tags)"""
    model, call = build(ex, 40)
    x = padded(_sentences(1, 40, (3, 6)), 6)
    out = check_tags(model, call, N_TAGS, x)[x > 0]  # the real words' outputs
    sums = out.sum(axis=-1)
    if np.any(out < -1e-6) or not np.allclose(sums, 1.0, atol=1e-3):
        fail(f"{call}: the outputs for the 3 words of {fmt(x[0, :3])} are not probabilities:\n"
             f"{fmt(out[:3], precision=3)}\n(sums over the tags {fmt(sums[:3], precision=3)}).\n"
             "Likely mistake: the softmax is missing: the last layer gives logits. The check trains your model with a "
             "loss that takes probabilities (\"sparse_categorical_crossentropy\"): use "
             "Dense(n_tags, activation=\"softmax\").")


def test_padding_changes_nothing(ex):
    """the real words' tags are the same for a sentence alone, padded to the batch's longest, and 11 steps more"""
    model, call = build(ex, 30)
    sentences = _sentences(2, 30, (3, 7, 5))
    shown = [[int(i) for i in s] for s in sentences]
    real = padded(sentences, 7) > 0
    tight = check_tags(model, call, N_TAGS, padded(sentences, 7))
    wide = check_tags(model, call, N_TAGS, padded(sentences, 18))[:, :7]
    alone = np.zeros_like(tight)
    for row, s in enumerate(sentences):
        alone[row, : len(s)] = check_tags(model, call, N_TAGS, padded([s], len(s)))[0]
    gap_wide, gap_alone = np.abs(wide - tight)[real].max(), np.abs(alone - tight)[real].max()
    if max(gap_wide, gap_alone) <= 1e-5:
        return
    row = int(np.argmax([np.abs(wide - tight)[r][real[r]].max() + np.abs(alone - tight)[r][real[r]].max()
                         for r in range(len(sentences))]))
    n = len(sentences[row])
    layers = learner_side(layer_flags, model)
    classes = [info.get("class") for info in layers]
    if any(info.get("go_backwards") and not info["in_bidirectional"] for info in layers):
        why = GO_BACKWARDS
    elif any(info.get("mask_zero") for info in layers):
        why = MASK_LOST
    elif "Masking" in classes:
        why = MASKING_LAYER
    else:
        why = NO_MASK_ZERO
    fail(f"{call}: padding changes the tags of real words. For the sentence {shown[row]} (padded with 0), the "
         f"probabilities of tag 0 at its {n} words:\n"
         f"  alone:              {fmt(alone[row, :n, 0], precision=4)}\n"
         f"  padded to 7 steps:  {fmt(tight[row, :n, 0], precision=4)}\n"
         f"  padded to 18 steps: {fmt(wide[row, :n, 0], precision=4)}\n{why}")


def test_reads_the_sentence_both_ways(ex):
    """the first word's tags change when only the last word changes, and the last word's when only the first does"""
    vocab_size, T = 30, 6
    model, call = build(ex, vocab_size)
    x = padded(_sentences(4, vocab_size, (T, T)), T)
    base = check_tags(model, call, N_TAGS, x)
    last, first = x.copy(), x.copy()
    last[:, -1] = x[:, -1] % (vocab_size - 1) + 1  # another real word at the end
    first[:, 0] = x[:, 0] % (vocab_size - 1) + 1  # another real word at the start
    sees_after = np.abs(check_tags(model, call, N_TAGS, last)[:, 0] - base[:, 0]).max()
    sees_before = np.abs(check_tags(model, call, N_TAGS, first)[:, -1] - base[:, -1]).max()
    if sees_after < 1e-6:
        layers = learner_side(layer_flags, model)
        structure = ("There is no Bidirectional layer: a recurrent layer going forwards gives the tag at step t from "
                     "words 0 … t only." if not any(info.get("class") == "Bidirectional" for info in layers)
                     else "The model has a Bidirectional layer, but its backward half does not reach the output.")
        fail(f"{call}: changing only the LAST word of {fmt(x[0])} did not change the tags of the first word: the "
             f"model does not read the words after a word.\n{structure} Likely mistake: the tagger is not "
             "bidirectional. Wrap the recurrent layer: layers.Bidirectional(layers.LSTM(32, return_sequences=True)).")
    if sees_before < 1e-6:
        fail(f"{call}: changing only the FIRST word of {fmt(x[0])} did not change the tags of the last word: the "
             "model does not read the words before a word.\nLikely mistake: only a backward layer "
             "(go_backwards=True) instead of both directions: use layers.Bidirectional(layers.LSTM(32, "
             "return_sequences=True)), which runs one layer each way and joins them at every step.")


# ---------------------------------------------------------------- training


@functools.lru_cache(maxsize=1)
def _data():
    """(vocab, (x, y, w) of the training sentences, (x, y, w) of the test ones): w = 1 at a tagged real word."""
    sentences = shipped(load_tagged_sentences, what="the course's tagged sentences")
    counts = Counter(word for words, _ in sentences["train"] for word in words)
    vocab = ["", "<unk>"] + sorted((w for w, c in counts.items() if c >= MIN_COUNT), key=lambda w: (-counts[w], w))
    ids = {word: i for i, word in enumerate(vocab)}

    def encode(rows):
        x = np.zeros((len(rows), max(len(words) for words, _ in rows)), np.int32)
        y, w = np.zeros_like(x), np.zeros(x.shape, np.float32)
        for row, (words, tags) in enumerate(rows):
            x[row, : len(words)] = [ids.get(word, 1) for word in words]
            for t, tag in enumerate(tags):
                if tag != UNTAGGED:
                    y[row, t], w[row, t] = POS_TAGS.index(tag), 1.0
        return x, y, w

    return vocab, encode(sentences["train"]), encode(sentences["test"])


def tagged_accuracy(probabilities, y, w):
    """The share of tagged real words (w = 1) whose most probable tag is right: PAD and "?" never count."""
    right = np.argmax(probabilities, axis=-1) == y
    return float(right[w > 0].mean())


def train_and_score(build_sequence_tagger, seed=0, budget=TIME_BUDGET):
    """Train as the stub says; return (accuracy over the test split's tagged words, training seconds)."""
    vocab, (x, y, w), (xt, yt, wt) = _data()
    V = len(vocab)
    learner_side(keras.utils.set_random_seed, seed)
    model = build_sequence_tagger(V, N_TAGS)
    call = f"build_sequence_tagger({V}, {N_TAGS})"
    check_tags(model, call, N_TAGS, xt[:3])
    learner_side(_compiled, model, LR)
    guard, seconds, _ = guarded_fit(model, x, y, budget, EPOCHS * math.ceil(len(x) / BATCH), sample_weight=w,
                                    epochs=EPOCHS, batch_size=BATCH, shuffle=True, verbose=0)
    if guard["stopped"]:
        fail(f"Training was stopped: after {guard['done']} of {guard['total']} batches it had taken {seconds:.0f} s of CPU, "
             f"and the budget is {budget:.0f} s of CPU.\nUse a smaller model: a Bidirectional LSTM of 32 units over a "
             "64-wide Embedding trains in about 15 s on two CPU cores.")
    probabilities = np.asarray(model.predict(xt, batch_size=256, verbose=0), dtype=np.float64)
    if probabilities.shape != (*xt.shape, N_TAGS) or not np.all(np.isfinite(probabilities)):
        fail(f"After training, the model gave outputs of shape {probabilities.shape} (or NaN/inf) for the "
             f"{len(xt)} test sentences; expected {(*xt.shape, N_TAGS)} finite probabilities.")
    return tagged_accuracy(probabilities, yt, wt), seconds


def test_held_out_accuracy(ex, request):
    """trained 4 epochs on 9 600 sentences, it tags ≥ 0.91 of the 6 001 tagged test words right (PAD never counted)"""
    vocab_size = len(_data()[0])
    model, call = build(ex, vocab_size)
    check_tags(model, call, N_TAGS, padded(_sentences(3, vocab_size, (4, 2)), 4))
    after_cheap_checks(request, "Training takes several seconds, and it needs a model that keeps the contract.")
    score, seconds = train_and_score(ex.build_sequence_tagger)
    report_figure("accuracy", score)
    if score < THRESHOLD:
        fail(f"After {EPOCHS} epochs ({seconds:.0f} s of CPU) the accuracy over the tagged test words is "
             f"{fmt_gap(score, THRESHOLD)} needed (always FUNC gets 0.57, a tag per word with no context 0.86, the "
             "suggested Embedding(64, mask_zero=True) → Bidirectional(LSTM(32, return_sequences=True)) → "
             "Dense(softmax) about 0.93).\nIs the recurrent layer wide enough (32 units each way)? Does the "
             "Embedding give each word 64 numbers?")
