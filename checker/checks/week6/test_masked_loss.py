"""Hidden checks for exercise 53 (masked_loss).

Expected losses are computed here in numpy (float64, a stable logsumexp) on
tiny seeded batches with PAD after each caption's END; the typical mistakes --
PAD positions counted, the sum divided by B·T, each caption's mean averaged,
the softmax applied before the loss (so twice), the targets shifted inside the
loss, a sum instead of a mean, PAD hard-coded as 0 -- are computed the same way
so that each is named.  The gradient is taken where the learner's code runs,
under a tf.GradientTape of this file's helper, and held against the closed
form (softmax − one-hot) · mask / (number of real tokens): exactly zero at PAD.
"""

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, call_unchanged, fail, fmt, learner_side, rng

NOT_DIFFERENTIABLE = ("the loss is not differentiable by a tf.GradientTape: write it with TensorFlow operations "
                      "(tf.nn.sparse_softmax_cross_entropy_with_logits, tf.reduce_sum, tf.cast), not numpy.")


def _logsumexp(z):
    m = z.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))[..., 0]


def cross_entropy(logits, targets):
    """ce[b, t] = logsumexp(logits[b, t]) − logits[b, t, targets[b, t]], in float64."""
    z = np.asarray(logits, dtype=np.float64)
    picked = np.take_along_axis(z, np.asarray(targets)[..., None], axis=-1)[..., 0]
    return _logsumexp(z) - picked


def masked_mean(logits, targets, pad_id):
    ce, mask = cross_entropy(logits, targets), (np.asarray(targets) != pad_id)
    return float((ce * mask).sum() / mask.sum())


def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def mistakes(logits, targets, pad_id):
    ce, mask = cross_entropy(logits, targets), (targets != pad_id)
    b, t = targets.shape
    per_caption = (ce * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
    out = {
        "PAD positions are counted: multiply the cross-entropy by the mask (targets != pad_id) before summing.":
            float(ce.mean()),
        "the sum over real tokens was divided by B·T (all positions); divide by the number of real tokens, "
        "tf.reduce_sum(mask).": float((ce * mask).sum() / (b * t)),
        "each caption's mean was averaged: every real token must count once, sum over all real tokens / their number.":
            float(per_caption.mean()),
        "the softmax was applied before the loss, so twice: the loss takes LOGITS (from_logits), apply no softmax.":
            masked_mean(softmax(logits), targets, pad_id),
        "the loss returned the sum over real tokens, not their mean: divide by the number of real tokens.":
            float((ce * mask).sum()),
    }
    if t > 1:
        out["the targets were shifted inside the loss: logits[:, t] goes with targets[:, t] as given (exercise 57 "
            "shifts the captions, not the loss)."] = masked_mean(logits[:, :-1], targets[:, 1:], pad_id)
    if pad_id != 0:
        out["PAD was taken to be 0: use the pad_id argument (targets != pad_id)."] = masked_mean(logits, targets, 0)
    return out


def batch(seed, lengths, t, v, pad_id=0, scale=1.0, dtype=np.float32):
    """Logits (B, T, V) and targets (B, T): caption b has lengths[b] real tokens (never pad_id), then pad_id."""
    g = rng(seed)
    logits = (scale * g.normal(size=(len(lengths), t, v))).astype(dtype)
    real = [i for i in range(v) if i != pad_id]
    targets = np.full((len(lengths), t), pad_id, dtype=np.int64)
    for b, n in enumerate(lengths):
        targets[b, :n] = g.choice(real, size=n)
    return logits, targets


def loss_value(ex, logits, targets, pad_id, what):
    got = call_unchanged(ex.masked_caption_loss, logits, targets, pad_id, what=what,
                         names=["logits", "targets", "pad_id"])
    if got is None:
        fail(f"{what} returned None.\nDid you forget to return the loss?")
    try:
        value = np.asarray(got, dtype=np.float64)
    except Exception:  # noqa: BLE001 - whatever came back is not a number
        fail(f"{what} returned {fmt(got)}, expected a 0-d tensor (a single number).")
    if value.size != 1:
        fail(f"{what} returned shape {value.shape}, expected a single number (a 0-d tensor): reduce with tf.reduce_sum "
             "and divide by the number of real tokens.")
    return float(value.reshape(()))


def check(ex, logits, targets, pad_id, shown=True):
    what = (f"masked_caption_loss(logits {logits.shape} {logits.dtype}, targets {targets.shape}, pad_id={pad_id})"
            + (f" with targets =\n{fmt(targets)}" if shown else ""))
    got = loss_value(ex, logits, targets, pad_id, what)
    assert_close(got, masked_mean(logits, targets, pad_id), what=what, rtol=1e-5, atol=1e-6,
                 mistakes=mistakes(logits, targets, pad_id))


@pytest.mark.parametrize("lengths, t, v", [([3, 5], 5, 7), ([1, 4, 2], 4, 6), ([6], 8, 5)])
def test_mean_over_real_tokens(ex, lengths, t, v):
    """the mean cross-entropy over the real (non-PAD) targets: Σ ce · mask / Σ mask"""
    logits, targets = batch(sum(lengths) + t, lengths, t, v)
    check(ex, logits, targets, 0)


def test_no_padding(ex):
    """without any PAD the loss is the plain mean over all B·T positions"""
    logits, targets = batch(3, [4, 4, 4], 4, 9)
    check(ex, logits, targets, 0)


def test_float64_logits(ex):
    """float64 logits are accepted too"""
    logits, targets = batch(4, [2, 3], 3, 6, dtype=np.float64)
    check(ex, logits, targets, 0)


def test_pad_id_is_an_argument(ex):
    """PAD is whatever pad_id says (here 5, not 0)"""
    logits, targets = batch(5, [2, 4, 1], 4, 8, pad_id=5)
    check(ex, logits, targets, 5)


def test_stable_at_huge_logits(ex):
    """logits of size 1e4 give a finite loss, the same as the stable formula's"""
    logits, targets = batch(6, [3, 2], 4, 5, scale=1e4)
    what = f"masked_caption_loss(logits of size ~1e4 {logits.shape}, targets {targets.shape}, pad_id=0)"
    got = loss_value(ex, logits, targets, 0, what)
    if not np.isfinite(got):
        fail(f"{what} returned {got}: the softmax overflowed. Use tf.nn.sparse_softmax_cross_entropy_with_logits "
             "(stable), never tf.math.log(tf.nn.softmax(logits)) or an exp of the raw logits.")
    assert_close(got, masked_mean(logits, targets, 0), what=what, rtol=1e-5, atol=1e-3)


def loss_gradient(fn, logits, targets, pad_id):
    """∂ fn(logits, targets, pad_id) / ∂ logits under a tf.GradientTape, where the learner's code runs."""
    import tensorflow as tf

    x = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = fn(x, targets, pad_id)
    if not tf.is_tensor(loss):
        return "not a tensor"
    gradient = tape.gradient(loss, x)
    return None if gradient is None else np.asarray(tf.convert_to_tensor(gradient))


@pytest.mark.parametrize("lengths, t, v, pad_id", [([2, 4], 4, 5, 0), ([3, 1, 2], 3, 6, 2)])
def test_gradient_is_zero_at_pad(ex, lengths, t, v, pad_id):
    """the gradient (by tf.GradientTape) is (softmax − one-hot) / #real tokens at real targets, exactly 0 at PAD"""
    logits, targets = batch(7 + t, lengths, t, v, pad_id=pad_id, dtype=np.float64)
    what = f"the gradient of masked_caption_loss w.r.t. logits {logits.shape}, targets =\n{fmt(targets)}, pad_id={pad_id}"
    grad = learner_side(loss_gradient, ex.masked_caption_loss, logits, targets, pad_id)
    if grad is None or isinstance(grad, str):
        fail(f"{what}: the tape gave no gradient.\nLikely mistake: {NOT_DIFFERENTIABLE}")
    grad = assert_array(grad, what=what, shape=logits.shape)
    mask = targets != pad_id
    onehot = np.eye(v)[targets]
    expected = (softmax(logits) - onehot) * mask[..., None] / mask.sum()
    if np.abs(grad[~mask]).max(initial=0.0) > 0:
        fail(f"{what}: the gradient at PAD positions is not zero (largest {np.abs(grad[~mask]).max():.3g}).\n"
             "Likely mistake: PAD positions are counted: multiply the cross-entropy by the mask before summing.")
    assert_close(grad, expected, what=what, rtol=1e-5, atol=1e-8)
