"""Hidden checks for exercise 44 (temporal_loss).

Expected values are computed here, independently of the learner's code, from
log p = logits − logsumexp(logits) with numpy's np.logaddexp.reduce (stable for
any logits), keeping only the real steps; the gradient is also held against
central differences of that loss.  The normalisation is the stub's: the sum
over the real steps divided by N.  The misconceptions named: masked steps
still contributing (to the loss or the gradient), the other normalisations (by
the number of real tokens, by N·T, none), no max-subtraction (overflow at
logits of 1e4), a NaN leaking from the padding.
"""

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, assert_scalar, call_unchanged, fail, fmt, gradcheck, rng

NO_MASK = (
    "the masked (padding) steps still count: only the steps where mask is True enter the loss, "
    "so leave the others out of the sum (and give them zero gradient)."
)
BY_TOKENS = (
    "divided by the number of real tokens (mask.sum()). This exercise divides the summed loss by N, the number of "
    "sequences (see the module docstring): loss = Σ over real steps / N."
)
BY_NT = "divided by N·T (a mean over every step, padding included). Divide the sum over the real steps by N only."
NO_DIV = "the division by N (the number of sequences) is missing."
NO_MAX = (
    "no max-subtraction before exp: exp(1e4) overflows to inf and inf / inf is NaN. Subtract each row's max over "
    "the vocabulary first, z = logits − logits.max(axis=-1, keepdims=True); the softmax does not change."
)


def _log_p(logits):
    return logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)


def _per_step(logits, y):
    """−log p of the right token at every step, (N, T)."""
    return -np.take_along_axis(_log_p(logits), y[..., None], axis=-1)[..., 0]


def _loss(logits, y, mask, divide="N", use_mask=True):
    steps = _per_step(logits, y)
    total = np.sum(np.where(mask, steps, 0.0)) if use_mask else np.sum(steps)
    n, t = y.shape
    return total / {"N": n, "tokens": max(int(mask.sum()), 1), "NT": n * t, "none": 1}[divide]


def _grad(logits, y, mask, divide="N", use_mask=True):
    with np.errstate(under="ignore"):
        d = np.exp(_log_p(logits))
    np.put_along_axis(d, y[..., None], np.take_along_axis(d, y[..., None], axis=-1) - 1.0, axis=-1)
    if use_mask:
        d = np.where(mask[..., None], d, 0.0)
    n, t = y.shape
    return d / {"N": n, "tokens": max(int(mask.sum()), 1), "NT": n * t, "none": 1}[divide]


def _mistakes(f, logits, y, mask):
    return {
        NO_MASK: f(logits, y, mask, use_mask=False),
        BY_TOKENS: f(logits, y, mask, divide="tokens"),
        BY_NT: f(logits, y, mask, divide="NT"),
        NO_MASK + " (And the division is by N·T.)": f(logits, y, mask, divide="NT", use_mask=False),
        NO_DIV: f(logits, y, mask, divide="none"),
    }


def _problem(seed, n, t, v, scale=2.0):
    g = rng(seed)
    logits = g.normal(size=(n, t, v)) * scale
    y = g.integers(0, v, size=(n, t))
    lengths = g.integers(1, t + 1, size=n)
    lengths[0] = t  # one full sequence, and the others padded after their length
    mask = np.arange(t)[None, :] < lengths[:, None]
    return logits, y, mask


def _call(ex, logits, y, mask, what):
    result = call_unchanged(ex.temporal_softmax_loss, logits, y, mask, what="temporal_softmax_loss",
                            names=["logits", "y", "mask"])
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{what} returned {fmt(result, max_chars=120)}, expected a pair (loss, dlogits).")
    loss = assert_scalar(result[0], what=f"{what} (loss)")
    dlogits = assert_array(result[1], what=f"{what} (dlogits)", shape=logits.shape)
    return loss, dlogits


# Two sequences of 3 steps over 3 tokens; the second has one real step. The real steps' logits are 0,
# so each costs −log(1/3) = log 3: loss = 4 · log 3 / N with N = 2 (not / 4 real tokens, not / 6 steps).
# The two padding steps hold other logits, which must not count.
TL = np.zeros((2, 3, 3))
TL[1, 1:] = [3.0, 0.0, 0.0]
TY = np.array([[0, 1, 2], [1, 0, 0]])
TM = np.array([[True, True, True], [True, False, False]])
TINY_WHAT = "temporal_softmax_loss on 2 sequences of 3 steps, V = 3, logits 0 at the real steps"


def test_loss_tiny(ex):
    """the loss on a tiny batch you can check by hand: 4 real steps, their logits 0"""
    loss, _ = _call(ex, TL, TY, TM, TINY_WHAT)
    assert_close(loss, 4 * np.log(3) / 2, what=f"{TINY_WHAT} (loss)", inputs={"logits[1]": TL[1], "y": TY, "mask": TM},
                 mistakes=_mistakes(_loss, TL, TY, TM),
                 hint="Each real step costs −log(1/3) = log 3; there are 4 real steps and N = 2 sequences.")


def test_gradient_tiny(ex):
    """dlogits on the tiny batch: (1/3 − onehot) / N at real steps, 0 at padding"""
    _, d = _call(ex, TL, TY, TM, TINY_WHAT)
    assert_close(d, _grad(TL, TY, TM), what=f"{TINY_WHAT} (dlogits)", inputs={"logits[1]": TL[1], "y": TY, "mask": TM},
                 mistakes=_mistakes(_grad, TL, TY, TM))


@pytest.mark.parametrize("n, t, v", [(3, 5, 4), (1, 4, 6), (6, 3, 2), (4, 7, 5)], ids=str)
def test_loss_values(ex, n, t, v):
    """the loss for several shapes (N, T, V) and random sequence lengths"""
    logits, y, mask = _problem(n * 100 + t * 10 + v, n, t, v)
    what = f"temporal_softmax_loss on logits of shape {logits.shape}, {int(mask.sum())} real steps"
    loss, _ = _call(ex, logits, y, mask, what)
    assert_close(loss, _loss(logits, y, mask), what=f"{what} (loss)", mistakes=_mistakes(_loss, logits, y, mask))


@pytest.mark.parametrize("n, t, v", [(3, 5, 4), (1, 4, 6), (4, 3, 3)], ids=str)
def test_gradient_matches_numerical_gradient(ex, n, t, v):
    """dlogits agrees with a numerical gradient of the masked loss"""
    logits, y, mask = _problem(7 + n * 100 + t * 10 + v, n, t, v)
    what = f"temporal_softmax_loss on logits of shape {logits.shape}, {int(mask.sum())} real steps"
    _, d = _call(ex, logits, y, mask, what)
    gradcheck(lambda l: _loss(l, y, mask), d, logits, what=f"{what} (dlogits)",
              mistakes=_mistakes(_grad, logits, y, mask))


def test_masked_steps_get_exactly_zero_gradient(ex):
    """dlogits is exactly 0 at every padding step, whatever the logits there"""
    logits, y, mask = _problem(41, 5, 6, 4)
    logits[~mask] *= 50.0  # wild logits at the padding: they must not matter at all
    what = f"temporal_softmax_loss on logits of shape {logits.shape}"
    loss, d = _call(ex, logits, y, mask, what)
    leaked = ~mask[..., None] & (d != 0)
    if leaked.any():
        n_bad = int(leaked.any(axis=-1).sum())
        fail(f"{what}: dlogits is not 0 at {n_bad} of the {int((~mask).sum())} padding steps "
             f"(largest |value| {fmt(float(np.abs(d[leaked]).max()))}).\nLikely mistake: {NO_MASK}")
    assert_close(loss, _loss(logits, y, mask), what=f"{what} (loss)", mistakes=_mistakes(_loss, logits, y, mask))


def test_stable_for_huge_logits(ex):
    """logits of size 1e4: the loss and the gradient stay finite and right"""
    g = rng(9)
    logits = np.round(g.normal(size=(2, 3, 4)), 1) * 1e4
    y = g.integers(0, 4, size=(2, 3))
    mask = np.array([[True, True, True], [True, True, False]])
    what = "temporal_softmax_loss on logits of size 1e4"
    with np.errstate(all="ignore"):
        loss, d = _call(ex, logits, y, mask, what)
    if not np.isfinite(loss) or not np.all(np.isfinite(d)):
        fail(f"{what} returned loss = {fmt(loss)} and {int(np.sum(~np.isfinite(d)))} NaN/inf value(s) in dlogits\n"
             f"on the input\n  logits[0] = {fmt(logits[0])}\n  y = {fmt(y)}\n  mask = {fmt(mask)}\n"
             f"Likely mistake: {NO_MAX}")
    assert_close(loss, _loss(logits, y, mask), what=f"{what} (loss)", rtol=1e-9)
    assert_close(d, _grad(logits, y, mask), what=f"{what} (dlogits)")
