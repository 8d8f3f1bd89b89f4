"""Hidden checks for exercise 36 (word2vec).

Expected values are computed here, independently of the learner's code, from
log σ(z) = −logaddexp(0, −z) (exact for any z) and σ(z) = exp(log σ(z)); each
gradient is also held against central differences of that loss.  Overflow and
log(0) are caught by running the learner's function with numpy's overflow,
0/0 and divide-by-zero turned into errors (underflow, harmless here, stays
allowed) and its warnings recorded.  The mistakes named: the sign inside σ of
the negative term, a mean or a single negative instead of the sum, a missing
term, log(sigmoid) or log(1 − sigmoid) that dies at large scores, the minus of
−u_k·v_c lost in d_negatives, σ(s) mixed up with 1 − σ(s).
"""

import warnings

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, assert_scalar, at_learner_line, call_unchanged, fail, fmt, gradcheck, rng

NAMES = ["center", "context", "negatives"]


def _log_sigmoid(z):
    return -np.logaddexp(0.0, -z)


def _sigmoid(z):
    with np.errstate(under="ignore"):
        return np.exp(_log_sigmoid(z))


def _loss(center, context, negatives):
    return float(-_log_sigmoid(context @ center) - np.sum(_log_sigmoid(-(negatives @ center))))


def _grads(center, context, negatives):
    g_o, g = _sigmoid(context @ center) - 1.0, _sigmoid(negatives @ center)
    return g_o * context + g @ negatives, g_o * center, g[:, None] * center[None, :]


def _problem(seed, d, k, scale=0.5):
    g = rng(seed)
    return g.normal(scale=scale, size=d), g.normal(scale=scale, size=d), g.normal(scale=scale, size=(k, d))


def _loss_mistakes(center, context, negatives):
    pos, neg = -_log_sigmoid(context @ center), -_log_sigmoid(-(negatives @ center))
    return {
        "the negative term has the wrong sign inside σ: −log σ(u_k·v_c) pulls the negatives toward the center; "
        "the loss needs −log σ(−u_k·v_c) (minus INSIDE σ).": pos + np.sum(-_log_sigmoid(negatives @ center)),
        "the negatives are averaged: the loss has Σ_k over all K negatives, not their mean.": pos + np.mean(neg),
        "only one negative was counted: the loss sums −log σ(−u_k·v_c) over all K rows of `negatives`.": pos + neg[0],
        "the negative-sampling term is missing: add −Σ_k log σ(−u_k·v_c).": pos,
        "the positive term is missing: the loss starts with −log σ(u_o·v_c).": np.sum(neg),
        "the positive term has the wrong sign inside σ: it is −log σ(u_o·v_c), not −log σ(−u_o·v_c).":
            -_log_sigmoid(-(context @ center)) + np.sum(neg),
        "the loss has the wrong sign: it is MINUS the log-probabilities (−log σ(...) ≥ 0).": -(pos + np.sum(neg)),
    }


def _center_mistakes(center, context, negatives):
    g_o, g = _sigmoid(context @ center) - 1.0, _sigmoid(negatives @ center)
    return {
        "in d_center the negatives' part has the wrong sign: it is +Σ_k σ(s_k)·u_k.": g_o * context - g @ negatives,
        "d_center lacks the negatives' part Σ_k σ(s_k)·u_k (the loss depends on v_c through every u_k·v_c).":
            g_o * context,
        "d_center lacks the positive part (σ(s_o) − 1)·u_o.": g @ negatives,
        "in d_center the positive part has the wrong sign: it is (σ(s_o) − 1)·u_o, which is ≤ 0 along u_o.":
            -g_o * context + g @ negatives,
        "in d_center σ(s_k) and 1 − σ(s_k) are swapped: the negatives' part is Σ_k σ(s_k)·u_k.":
            g_o * context + (1.0 - g) @ negatives,
    }


def _context_mistakes(center, context, negatives):
    g_o = _sigmoid(context @ center) - 1.0
    return {
        "d_context has the wrong sign: d/dz[−log σ(z)] = σ(z) − 1 (negative), so d_context = (σ(s_o) − 1)·v_c.":
            -g_o * center,
        "d_context is σ(s_o)·v_c: the − 1 of d/dz[−log σ(z)] = σ(z) − 1 is missing.": (g_o + 1.0) * center,
    }


def _negatives_mistakes(center, context, negatives):
    g = _sigmoid(negatives @ center)
    return {
        "d_negatives misses the minus sign of the chain rule: −log σ(−u_k·v_c) differentiates through the inner "
        "−u_k·v_c, which turns −(1 − σ(−s_k))·v_c into +σ(s_k)·v_c.": -g[:, None] * center[None, :],
        "in d_negatives σ(s_k) and 1 − σ(s_k) are swapped: row k is σ(s_k)·v_c.":
            (1.0 - g)[:, None] * center[None, :],
        "d_negatives is the negatives' rows times σ: row k is σ(s_k)·v_c, the CENTER vector, not u_k.":
            g[:, None] * negatives,
    }


def _call(fn, center, context, negatives, *, strict=False):
    """Call the learner's function with inputs guarded; strict: overflow, 0/0 and log(0) raise."""
    if not strict:
        result = call_unchanged(fn, center, context, negatives, what="skipgram_neg_sampling", names=NAMES)
        return result, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            try:
                result = call_unchanged(fn, center, context, negatives, what="skipgram_neg_sampling", names=NAMES)
            except (FloatingPointError, OverflowError) as exc:
                return None, f"{type(exc).__name__}: {exc}{at_learner_line(fn, exc)}"
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if runtime:
        return None, f"RuntimeWarning: {runtime[0].message}"
    return result, None


def _unpack(result, center, context, negatives, what):
    if not isinstance(result, tuple) or len(result) != 4:
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else fmt(result, max_chars=120)
        fail(f"{what} returned {got}; expected a tuple of four: (loss, d_center, d_context, d_negatives).")
    loss, d_center, d_context, d_negatives = result
    loss = assert_scalar(loss, what=f"{what} (loss)")
    d_center = assert_array(d_center, what=f"{what} (d_center)", shape=center.shape)
    d_context = assert_array(d_context, what=f"{what} (d_context)", shape=context.shape)
    d_negatives = assert_array(d_negatives, what=f"{what} (d_negatives)", shape=negatives.shape)
    return loss, d_center, d_context, d_negatives


def _check_all(result, center, context, negatives, what, inputs=None, numeric=True):
    loss, d_center, d_context, d_negatives = _unpack(result, center, context, negatives, what)
    assert_close(loss, _loss(center, context, negatives), what=f"{what} (loss)", inputs=inputs,
                 mistakes=_loss_mistakes(center, context, negatives))
    expected = _grads(center, context, negatives)
    checks = [
        ("d_center", d_center, expected[0], _center_mistakes, lambda v: _loss(v, context, negatives), center),
        ("d_context", d_context, expected[1], _context_mistakes, lambda v: _loss(center, v, negatives), context),
        ("d_negatives", d_negatives, expected[2], _negatives_mistakes, lambda v: _loss(center, context, v), negatives),
    ]
    for name, got, exact, mistakes, f, x in checks:
        if numeric:
            gradcheck(f, got, x, what=f"{what} ({name})", inputs=inputs, mistakes=mistakes(center, context, negatives))
        else:
            assert_close(got, exact, what=f"{what} ({name})", inputs=inputs, rtol=1e-9, atol=1e-12,
                         mistakes=mistakes(center, context, negatives))


def _unstable(problem, where):
    if "overflow" in problem:
        why = ("np.exp of a large positive number overflowed: σ(z) = 1 / (1 + np.exp(-z)) at z = −1000 computes "
               "e^1000. Build σ from e = np.exp(-np.abs(z)) (at most 1), and write log σ(z) = -np.logaddexp(0, -z).")
    elif "divide" in problem:
        why = ("log(0): log(sigmoid(z)) or log(1 - sigmoid(z)) is unstable. σ(z) rounds to exactly 0.0 for very "
               "negative z, and 1 − σ(z) to exactly 0.0 from z ≈ 37 on. Never take the log of a sigmoid: "
               "log σ(z) = -np.logaddexp(0, -z) and log σ(−z) = -np.logaddexp(0, z) are exact for any z.")
    else:
        why = ("an invalid operation (inf − inf, 0 · inf or inf / inf) on a quantity that overflowed: compute the "
               "loss with np.logaddexp and σ from np.exp(-np.abs(z)).")
    fail(f"skipgram_neg_sampling failed on an example whose dot products are {where}:\n{problem}\n"
         f"Likely mistake: {why}")


def test_tiny_example(ex):
    """loss and gradients of a 2-d example with two negatives, by hand"""
    center = np.array([1.0, 0.5])
    context = np.array([0.5, 1.0])         # s_o = 1
    negatives = np.array([[1.0, 0.0],      # s_1 = 1
                          [-1.0, 2.0]])    # s_2 = 0
    # loss = −log σ(1) − log σ(−1) − log σ(0) = log(1 + e^−1) + log(1 + e) + log 2 = 2·log(1 + e) − 1 + log 2 ≈ 2.3197
    assert abs(_loss(center, context, negatives) - (2 * np.log1p(np.e) - 1 + np.log(2))) < 1e-12
    result, _ = _call(ex.skipgram_neg_sampling, center, context, negatives)
    _check_all(result, center, context, negatives, "skipgram_neg_sampling(center, context, negatives)",
               inputs={"center": center, "context": context, "negatives": negatives})


@pytest.mark.parametrize("d, k", [(3, 1), (5, 4), (16, 10), (50, 5)])
def test_values_and_numeric_gradients(ex, d, k):
    """loss against the formula and all three gradients against numerical ones, for several (D, K)"""
    center, context, negatives = _problem(d * 100 + k, d, k)
    result, _ = _call(ex.skipgram_neg_sampling, center, context, negatives)
    _check_all(result, center, context, negatives, f"skipgram_neg_sampling with D = {d}, K = {k}",
               inputs={"center": center, "context": context, "negatives": negatives} if d * (k + 2) <= 12 else None)


@pytest.mark.parametrize("s_o", [50.0, -50.0])
def test_stable_at_dot_products_of_50(ex, s_o):
    """exact and warning-free when the dot products are ±50"""
    center = np.array([5.0, 5.0, 0.0])
    context = np.array([s_o / 10, s_o / 10, 1.0])
    negatives = np.array([[5.0, 5.0, 3.0], [-5.0, -5.0, 0.0], [0.1, 0.0, 2.0]])  # s_k = 50, −50, 0.5
    result, problem = _call(ex.skipgram_neg_sampling, center, context, negatives, strict=True)
    if problem:
        _unstable(problem, f"u_o·v_c = {s_o:+.0f} and u_k·v_c = +50, −50, 0.5")
    _check_all(result, center, context, negatives, f"skipgram_neg_sampling at u_o·v_c = {s_o:+.0f}",
               inputs={"center": center, "context": context, "negatives": negatives}, numeric=False)


@pytest.mark.parametrize("s_o", [1000.0, -1000.0])
def test_finite_at_dot_products_of_1000(ex, s_o):
    """finite, exact and warning-free when the dot products are ±1000"""
    center = np.array([10.0, 10.0])
    context = np.array([s_o / 20, s_o / 20])
    negatives = np.array([[50.0, 50.0], [-50.0, -50.0]])  # s_k = +1000, −1000
    result, problem = _call(ex.skipgram_neg_sampling, center, context, negatives, strict=True)
    if problem:
        _unstable(problem, f"u_o·v_c = {s_o:+.0f} and u_k·v_c = ±1000")
    loss = _unpack(result, center, context, negatives, "skipgram_neg_sampling at ±1000")[0]
    if not np.isfinite(loss):
        fail(f"skipgram_neg_sampling returned the loss {loss} at u_o·v_c = {s_o:+.0f}; it must be finite "
             f"(about {_loss(center, context, negatives):.0f}). Use log σ(z) = -np.logaddexp(0, -z).")
    # Expected: s_o = +1000 → the loss is the wrong negative's 1000; s_o = −1000 → 2000.
    _check_all(result, center, context, negatives, f"skipgram_neg_sampling at u_o·v_c = {s_o:+.0f}",
               inputs={"center": center, "context": context, "negatives": negatives}, numeric=False)


def test_inputs_unchanged(ex):
    """center, context and negatives are left unmodified"""
    center, context, negatives = _problem(7, 6, 3)
    call_unchanged(ex.skipgram_neg_sampling, center, context, negatives, what="skipgram_neg_sampling", names=NAMES)
