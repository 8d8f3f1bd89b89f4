"""Hidden checks for exercise 11 (regularization).

Expected values are the closed forms, computed here; the gradients are also
held against central differences (for L1 at points away from 0, where |w| has
a derivative).  The misconceptions named: a penalized bias, a missing 1/2 in L2,
L1 confused with L2, a 0/0 at w = 0.
"""

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, assert_true, call_unchanged, fail, fmt, gradcheck, rng, type_name

BIAS = "the bias w[-1] is penalized too. It must not be: sum over w[:-1] only, and set grad[-1] = 0."
HALF = "the factor 1/2 is missing: the L2 penalty here is (λ/2)·Σ w_j², whose gradient is λ·w."


def _call(fn, name, w, lam):
    """Call the learner's penalty; check w is untouched and the result is (float, array (D,))."""
    what = f"{name}(w, lam={lam})"
    result = call_unchanged(fn, w, lam, what=name, names=["w", "lam"])
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{what} returned {fmt(result, max_chars=120)}, expected a tuple (loss, grad).\nEnd with `return loss, grad`.")
    loss, grad = result
    if isinstance(loss, np.ndarray) or not isinstance(loss, (float, np.floating, int, np.integer)) or isinstance(loss, bool):
        fail(
            f"{what} returned a loss of type {type_name(loss)} ({fmt(loss, max_chars=80)}), expected a float.\n"
            "The penalty is one number: sum over the weights, and convert with float(...)."
        )
    if isinstance(grad, np.ndarray) and grad.shape == (w.size - 1,):
        fail(
            f"{what} returned a grad of shape {grad.shape}, expected shape {w.shape}: one entry per entry of w.\n"
            "The bias keeps its entry in the gradient; that entry is 0 (grad[-1] = 0)."
        )
    grad = assert_array(grad, what=f"{what} (grad)", shape=w.shape, inputs={"w": w} if w.size <= 8 else None)
    return float(loss), grad


# ---------------------------------------------------------------- L2


def _l2(w, lam):
    return lam / 2 * np.sum(w[:-1] ** 2), np.concatenate([lam * w[:-1], [0.0]])


def _l2_mistakes(w, lam):
    loss, grad = _l2(w, lam)
    with_bias = lam / 2 * np.sum(w**2)
    return (
        {BIAS: with_bias, HALF: 2 * loss, "the bias is penalized and the 1/2 is missing.": 2 * with_bias},
        {BIAS: lam * w, "the gradient is 2·λ·w: it is the gradient of λ·Σ w² (without the 1/2). "
         "With the 1/2 of the L2 penalty here, the gradient is λ·w.": 2 * grad},
    )


def test_l2_on_a_tiny_example(ex):
    """l2_penalty on a 4-entry w you can check by hand"""
    w, lam = np.array([1.0, -2.0, 3.0, 10.0]), 0.5
    loss, grad = _call(ex.l2_penalty, "l2_penalty", w, lam)
    # (0.5 / 2) · (1 + 4 + 9) = 3.5; the bias 10 does not count
    loss_mistakes, grad_mistakes = _l2_mistakes(w, lam)
    loss_mistakes["you summed the weights, not their squares."] = lam / 2 * np.sum(w[:-1])
    assert_close(loss, 3.5, what="l2_penalty(w, 0.5) loss", inputs={"w": w}, mistakes=loss_mistakes)
    assert_close(grad, [0.5, -1.0, 1.5, 0.0], what="l2_penalty(w, 0.5) grad", inputs={"w": w}, mistakes=grad_mistakes)


@pytest.mark.parametrize("d, lam", [(2, 0.3), (6, 1.5), (25, 0.01), (1, 0.7), (4, 0.0)])
def test_l2_for_several_sizes(ex, d, lam):
    """l2_penalty for several sizes D and strengths λ (D = 1: only a bias)"""
    w = rng(d).normal(size=d) * 2
    loss, grad = _call(ex.l2_penalty, "l2_penalty", w, lam)
    expected_loss, expected_grad = _l2(w, lam)
    loss_mistakes, grad_mistakes = _l2_mistakes(w, lam)
    inputs = {"w": w, "lam": lam} if d <= 8 else None
    assert_close(loss, expected_loss, what=f"l2_penalty loss (D = {d}, λ = {lam})", inputs=inputs, mistakes=loss_mistakes)
    assert_close(grad, expected_grad, what=f"l2_penalty grad (D = {d}, λ = {lam})", inputs=inputs, mistakes=grad_mistakes)


@pytest.mark.parametrize("d", [3, 8])
def test_l2_gradient_matches_numerical_gradient(ex, d):
    """l2_penalty's grad agrees with a numerical gradient of its loss"""
    w, lam = rng(100 + d).normal(size=d), 0.8
    _, grad = _call(ex.l2_penalty, "l2_penalty", w, lam)

    def loss(v):
        return _call(ex.l2_penalty, "l2_penalty", v, lam)[0]

    gradcheck(loss, grad, w, what=f"l2_penalty grad (D = {d})", mistakes=_l2_mistakes(w, lam)[1])


# ---------------------------------------------------------------- L1


def _l1(w, lam):
    return lam * np.sum(np.abs(w[:-1])), np.concatenate([lam * np.sign(w[:-1]), [0.0]])


def _l1_mistakes(w, lam):
    loss, grad = _l1(w, lam)
    with np.errstate(all="ignore"):
        ratio = lam * w / np.abs(w)
    ratio[-1] = 0.0
    return (
        {
            BIAS: lam * np.sum(np.abs(w)),
            "you summed the signed weights: the L1 penalty sums their absolute values |w_j|.": lam * np.sum(w[:-1]),
            "there is a factor 1/2 that L1 does not have: loss = λ·Σ|w_j|.": loss / 2,
            "that is the L2 penalty (squares): L1 sums absolute values, λ·Σ|w_j|.": lam / 2 * np.sum(w[:-1] ** 2),
        },
        {
            BIAS: lam * np.sign(w),
            "that is the L2 gradient λ·w: the derivative of λ·|w_j| is λ·sign(w_j).": np.concatenate([lam * w[:-1], [0.0]]),
            "w / |w| is 0/0 = NaN at w_j = 0: use np.sign(w), which gives 0 there.": ratio,
            **({"the gradient at exactly w_j = 0 is not 0: you gave it +λ (w >= 0 counted as positive). The "
                "convention is sign(0) = 0: use np.sign(w).": np.concatenate([lam * np.where(w[:-1] >= 0, 1.0, -1.0), [0.0]]),
                "the gradient at exactly w_j = 0 is not 0: you gave it −λ (w > 0 or else negative). The "
                "convention is sign(0) = 0: use np.sign(w).": np.concatenate([lam * np.where(w[:-1] > 0, 1.0, -1.0), [0.0]])}
               if np.any(w[:-1] == 0) else {}),
        },
    )


def test_l1_on_a_tiny_example(ex):
    """l1_penalty on a 4-entry w you can check by hand"""
    w, lam = np.array([1.0, -2.0, 0.0, 3.0]), 0.5
    loss, grad = _call(ex.l1_penalty, "l1_penalty", w, lam)
    # 0.5 · (1 + 2 + 0) = 1.5; the bias 3 does not count; sign(0) = 0
    loss_mistakes, grad_mistakes = _l1_mistakes(w, lam)
    assert_close(loss, 1.5, what="l1_penalty(w, 0.5) loss", inputs={"w": w}, mistakes=loss_mistakes)
    assert_close(grad, [0.5, -0.5, 0.0, 0.0], what="l1_penalty(w, 0.5) grad", inputs={"w": w}, mistakes=grad_mistakes)


@pytest.mark.parametrize("d, lam", [(2, 0.3), (6, 1.5), (25, 0.01), (1, 0.7), (4, 0.0)])
def test_l1_for_several_sizes(ex, d, lam):
    """l1_penalty for several sizes D and strengths λ (D = 1: only a bias)"""
    w = rng(50 + d).normal(size=d) * 2
    loss, grad = _call(ex.l1_penalty, "l1_penalty", w, lam)
    expected_loss, expected_grad = _l1(w, lam)
    loss_mistakes, grad_mistakes = _l1_mistakes(w, lam)
    inputs = {"w": w, "lam": lam} if d <= 8 else None
    assert_close(loss, expected_loss, what=f"l1_penalty loss (D = {d}, λ = {lam})", inputs=inputs, mistakes=loss_mistakes)
    assert_close(grad, expected_grad, what=f"l1_penalty grad (D = {d}, λ = {lam})", inputs=inputs, mistakes=grad_mistakes)


@pytest.mark.parametrize("d", [3, 8])
def test_l1_gradient_matches_numerical_gradient(ex, d):
    """l1_penalty's grad agrees with a numerical gradient of its loss (away from 0)"""
    g = rng(200 + d)
    w = g.choice([-1.0, 1.0], size=d) * g.uniform(0.2, 2.0, size=d)  # |w_j| ≥ 0.2: |w| is smooth there
    lam = 0.8
    _, grad = _call(ex.l1_penalty, "l1_penalty", w, lam)

    def loss(v):
        return _call(ex.l1_penalty, "l1_penalty", v, lam)[0]

    gradcheck(loss, grad, w, what=f"l1_penalty grad (D = {d})", mistakes=_l1_mistakes(w, lam)[1])


def test_grad_is_a_new_array(ex):
    """the returned grad is a new array, not w itself"""
    for name in ("l2_penalty", "l1_penalty"):
        w = np.array([0.5, -1.5, 2.0])
        _, grad = _call(getattr(ex, name), name, w, 1.0)
        assert_true(
            not np.shares_memory(grad, w),
            f"{name}(w, 1.0) returned a grad that shares memory with w.\n"
            "A later update of grad (or of w) would silently change the other: return a new array.",
        )
