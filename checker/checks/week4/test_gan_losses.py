"""Hidden checks for exercise 38 (gan_losses).

Expected values come from math.log1p and math.exp, one logit at a time, with
−log σ(x) = log1p(e^(−x)) for x ≥ 0 and −x + log1p(e^x) for x < 0 — a
formulation independent of the learner's arrays.  Stability is checked by
running the learner's functions with numpy's overflow, 0/0 and log(0) turned
into errors (underflow, harmless here, stays allowed) and warnings recorded,
at logits of ±100 and ±1000, where the exact values are known:
−log σ(100) = log1p(e^(−100)) ≈ 3.7e-44 and −log σ(−1000) = 1000.
Mistakes named: the saturating generator loss mean log(1 − σ(fake)), the
generator trained towards label 0, a flipped sign, labels swapped (real treated
as fake), sums instead of means, one mean over both batches together, the two
terms averaged, a missing term, log of a sigmoid that overflowed or underflowed,
and log(1 + tiny) rounding the loss of a confident discriminator to 0.
"""

import math
import warnings

import numpy as np
import pytest

from checker.testing import assert_close, assert_scalar, at_learner_line, call_unchanged, fail, fmt, numerical_gradient, rng

SATURATING = (
    "this is the SATURATING generator loss, mean log(1 − σ(fake)). It is flat where D rejects the fakes, so G "
    "learns nothing early on. Use the non-saturating one: mean of −log σ(fake) = mean softplus(−fake)."
)
WRONG_LABEL_G = (
    "the generator was trained towards label 0, mean −log(1 − σ(fake)): that is D's loss on the fakes. "
    "G wants D to say REAL: mean of −log σ(fake)."
)
G_SIGN = "the sign is flipped: you returned mean log σ(fake); the loss is its negative, mean of −log σ(fake)."
SWAPPED = (
    "the labels are swapped: real images were treated as fake (label 0) and fakes as real. "
    "D's loss is mean −log σ(real) + mean −log(1 − σ(fake))."
)
D_SIGN = "the sign is flipped: a cross-entropy is −log of a probability, so the loss is never negative."
SUMS = "you summed over the batch instead of averaging: use the mean of each term (np.mean)."
ONE_MEAN = (
    "one mean over both batches together (real and fake concatenated). The loss is the mean over the real "
    "batch PLUS the mean over the fake batch: two means, added."
)
HALF = "the two terms were averaged; add them: mean −log σ(real) + mean −log(1 − σ(fake))."
ONLY_REAL = "the fake term is missing: add the mean of −log(1 − σ(fake_logits)) = softplus(fake)."
ONLY_FAKE = "the real term is missing: add the mean of −log σ(real_logits) = softplus(−real)."
ROUNDED = (
    "log(1 + e^(−x)) rounds 1 + e^(−100) to 1.0, so the loss came out 0 where it is ≈ e^(−100) ≈ 3.7e-44. "
    "Use np.log1p(np.exp(-np.abs(x))) (or np.logaddexp(0, ·)), which keeps tiny values exact."
)
UNSTABLE = {
    "over": (
        "e^x overflowed: at a logit of ±1000, np.exp(1000) is inf. Never exponentiate a positive number: "
        "softplus(x) = max(x, 0) + log1p(e^(−|x|)), or np.logaddexp(0, x)."
    ),
    "divide": (
        "log(0): log σ(x) (or log(1 − σ(x))) was computed from σ(x) itself, which rounds to 0 (or 1) at large "
        "logits. Take the log analytically: −log σ(x) = softplus(−x) and −log(1 − σ(x)) = softplus(x)."
    ),
    "invalid": (
        "0/0 or inf − inf (NaN): an exp() overflowed and was then divided or subtracted. "
        "Use softplus(x) = max(x, 0) + log1p(e^(−|x|)), which never overflows."
    ),
}


def _neg_log_sigmoid(x):
    """−log σ(x) for one float, exactly in both tails."""
    x = float(x)
    return math.log1p(math.exp(-x)) if x >= 0 else -x + math.log1p(math.exp(x))


def _mean_nls(values, sign=1.0):
    """mean of −log σ(sign · x) over all entries."""
    flat = np.asarray(values, dtype=float).ravel()
    return sum(_neg_log_sigmoid(sign * v) for v in flat) / flat.size


def _sum_nls(values, sign=1.0):
    flat = np.asarray(values, dtype=float).ravel()
    return sum(_neg_log_sigmoid(sign * v) for v in flat)


def _d_expected(real, fake):
    return _mean_nls(real) + _mean_nls(fake, -1.0)


def _g_expected(fake):
    return _mean_nls(fake)


def _d_mistakes(real, fake):
    n, m = np.size(real), np.size(fake)
    expected = _d_expected(real, fake)
    mistakes = {
        SWAPPED: _mean_nls(real, -1.0) + _mean_nls(fake),
        D_SIGN: -expected,
        SUMS: _sum_nls(real) + _sum_nls(fake, -1.0),
        "the real term is a sum over the batch, not a mean (use np.mean for both terms).": _sum_nls(real)
        + _mean_nls(fake, -1.0),
        "the fake term is a sum over the batch, not a mean (use np.mean for both terms).": _mean_nls(real)
        + _sum_nls(fake, -1.0),
        ONE_MEAN: (_sum_nls(real) + _sum_nls(fake, -1.0)) / (n + m),
        HALF: expected / 2,
        ONLY_REAL: _mean_nls(real),
        ONLY_FAKE: _mean_nls(fake, -1.0),
    }
    return mistakes


def _g_mistakes(fake):
    return {
        SATURATING: -_mean_nls(fake, -1.0),
        WRONG_LABEL_G: _mean_nls(fake, -1.0),
        G_SIGN: -_mean_nls(fake),
        SUMS: _sum_nls(fake),
    }


def _guarded(fn, name, *args, names):
    """Call fn(*args) with inputs guarded, overflow/0÷0/log(0) raising and warnings recorded.

    Returns (float, None), or (None, (kind, text)) with kind "over", "divide" or "invalid".
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            try:
                out = call_unchanged(fn, *args, what=name, names=names)
            except FloatingPointError as exc:
                text = str(exc)
                kind = "over" if "overflow" in text else "divide" if "divide" in text else "invalid"
                return None, (kind, f"FloatingPointError: {exc}{at_learner_line(fn, exc)}")
            except OverflowError as exc:
                return None, ("over", f"OverflowError: {exc}{at_learner_line(fn, exc)}")
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if runtime:
        text = str(runtime[0].message)
        kind = "over" if "overflow" in text else "divide" if "divide" in text else "invalid"
        return None, (kind, f"RuntimeWarning: {text}")
    return out, None


def _loss(fn, name, what, *args, names):
    """The learner's loss as a float; a floating-point error in it is named."""
    out, problem = _guarded(fn, name, *args, names=names)
    if problem:
        shown = "\n".join(f"  {name} = {fmt(value)}" for name, value in zip(names, args))
        fail(f"{what} failed\non the input\n{shown}\n{problem[1]}\nLikely mistake: {UNSTABLE[problem[0]]}")
    return assert_scalar(out, what=what)


def _check_d(ex, real, fake, what, rtol=1e-9, atol=1e-12, show=True, extra=None):
    got = _loss(ex.discriminator_loss, "discriminator_loss", what, real, fake, names=["real_logits", "fake_logits"])
    assert_close(
        got,
        _d_expected(real, fake),
        what=what,
        inputs={"real_logits": real, "fake_logits": fake} if show else None,
        rtol=rtol,
        atol=atol,
        mistakes={**(extra or {}), **_d_mistakes(real, fake)},
    )


def _check_g(ex, fake, what, rtol=1e-9, atol=1e-12, show=True, extra=None):
    got = _loss(ex.generator_loss, "generator_loss", what, fake, names=["fake_logits"])
    assert_close(
        got,
        _g_expected(fake),
        what=what,
        inputs={"fake_logits": fake} if show else None,
        rtol=rtol,
        atol=atol,
        mistakes={**(extra or {}), **_g_mistakes(fake)},
    )


def test_discriminator_tiny_example(ex):
    """discriminator_loss on two real and three fake logits"""
    real, fake = np.array([2.0, -1.0]), np.array([0.5, -3.0, 1.0])
    # mean(−log σ(2), −log σ(−1)) + mean(−log(1 − σ(0.5)), −log(1 − σ(−3)), −log(1 − σ(1)))
    _check_d(ex, real, fake, "discriminator_loss(real_logits, fake_logits)")


def test_generator_tiny_example(ex):
    """generator_loss on three fake logits"""
    _check_g(ex, np.array([0.5, -3.0, 1.0]), "generator_loss(fake_logits)")


SHAPES = [((6,), (6,)), ((4, 1), (9, 1)), ((1,), (3,)), ((32,), (16,))]


@pytest.mark.parametrize("real_shape, fake_shape", SHAPES)
def test_values_for_several_batches(ex, real_shape, fake_shape):
    """both losses against the formulas, for (N,) and (N, 1) logits and batches of different sizes"""
    g = rng(sum(real_shape) * 10 + sum(fake_shape))
    real, fake = g.normal(scale=3.0, size=real_shape), g.normal(scale=3.0, size=fake_shape)
    show = real.size + fake.size <= 12
    _check_d(ex, real, fake, f"discriminator_loss with real_logits {real_shape} and fake_logits {fake_shape}", show=show)
    _check_g(ex, fake, f"generator_loss with fake_logits {fake_shape}", show=show)


def test_finite_and_exact_at_1000(ex):
    """logits of ±1000: no overflow, finite, exact (1000 where D is wrong, 0 where it is right)"""
    real, fake = np.array([1000.0, -1000.0, 3.0]), np.array([-1000.0, 1000.0])
    # real terms: 0, 1000, log1p(e^−3); fake terms: 0, 1000.
    _check_d(ex, real, fake, "discriminator_loss at logits of ±1000", rtol=1e-12, atol=0)
    _check_g(ex, fake, "generator_loss at fake logits of ±1000", rtol=1e-12, atol=0)


def test_confident_right_discriminator_at_100(ex):
    """logits ±100, D right: its loss is ≈ 7.4e-44, exactly, and G's is 100"""
    real, fake = np.array([100.0, 100.0]), np.array([-100.0, -100.0])
    # −log σ(100) = log1p(e^−100) ≈ 3.72e-44 per term, so D's loss is 2 · 3.72e-44; G's is 100 + 3.7e-44 = 100.
    _check_d(ex, real, fake, "discriminator_loss at logits ±100 (D right)", rtol=1e-9, atol=0, extra={ROUNDED: 0.0})
    _check_g(ex, fake, "generator_loss at fake logits −100", rtol=1e-12, atol=0)


def test_confident_wrong_discriminator_at_100(ex):
    """logits ±100, D wrong: its loss is 200, and G's is ≈ 3.7e-44, exactly"""
    real, fake = np.array([-100.0, -100.0]), np.array([100.0, 100.0])
    _check_d(ex, real, fake, "discriminator_loss at logits ±100 (D wrong)", rtol=1e-12, atol=0)
    _check_g(ex, fake, "generator_loss at fake logits +100", rtol=1e-9, atol=0, extra={ROUNDED: 0.0})


def test_generator_loss_does_not_saturate(ex):
    """where D rejects the fakes (logits −10), the generator's loss still falls steeply"""
    fake = np.array([-10.0, -8.0])
    # d/dx of mean −log σ(x) is −σ(−x) / M ≈ −1/2 for each of the M = 2 fakes here.
    slope = numerical_gradient(lambda x: ex.generator_loss(x.copy()), fake.copy(), h=1e-5)
    expected = np.array([-1 / (1 + math.exp(-10.0)), -1 / (1 + math.exp(-8.0))]) / 2
    saturating = np.array([-1 / (1 + math.exp(10.0)), -1 / (1 + math.exp(8.0))]) / 2
    assert_close(
        slope,
        expected,
        what="the slope of generator_loss at fake_logits = [−10, −8] (numerical)",
        rtol=1e-4,
        atol=1e-7,
        mistakes={SATURATING: saturating, WRONG_LABEL_G: -saturating},
        hint="The non-saturating loss −log σ(x) has slope ≈ −1 per fake where x ≪ 0, divided by the batch size.",
    )
