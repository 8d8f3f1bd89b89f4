"""Hidden checks for exercise 18 (init).

The weights are random, so the checks test statistics, not values: on large
matrices (≥ 40 000 entries) the sample mean and standard deviation must lie
within 6 standard errors of 0 and σ (computed here from the formulas), and the
share of entries beyond 2 sample deviations must be that of a normal
distribution (4.55 %), which a uniform or a truncated normal never reaches.  A
correct answer fails one of these with a probability below 1e-7.  The rng is
checked by behaviour: same seed, same weights; another seed, other weights;
np.random's global state untouched.  The misconceptions named: the variance
used as the standard deviation, He with fan_out, a uniform distribution (with
a wrong limit), a transposed shape.
"""

import math

import numpy as np
import pytest

from checker.testing import assert_array, fail, fmt, rng, seed_global_random, global_random_state

FUNCS = ["xavier_init", "he_init"]
FORMULA = {"xavier_init": "σ = sqrt(2 / (fan_in + fan_out))", "he_init": "σ = sqrt(2 / fan_in)"}
NORMAL_TAIL = math.erfc(2 / math.sqrt(2))  # P(|Z| > 2) for a standard normal ≈ 0.0455


def _sigma(name, fan_in, fan_out):
    return math.sqrt(2 / (fan_in + fan_out)) if name == "xavier_init" else math.sqrt(2 / fan_in)


def _std_mistakes(name, fan_in, fan_out):
    """The standard deviation each typical mistake gives."""
    s = _sigma(name, fan_in, fan_out)
    if name == "xavier_init":
        variance = 2 / (fan_in + fan_out)
        specific = {
            "the factor 2 is missing: σ = sqrt(2 / (fan_in + fan_out)).": math.sqrt(1 / (fan_in + fan_out)),
            "you used He's formula sqrt(2 / fan_in); Xavier averages both fans: sqrt(2 / (fan_in + fan_out)).":
                math.sqrt(2 / fan_in),
            "you used sqrt(1 / fan_in) (LeCun); Xavier is sqrt(2 / (fan_in + fan_out)).": math.sqrt(1 / fan_in),
            "you multiplied the fans: σ = sqrt(2 / (fan_in + fan_out)) has their SUM.": math.sqrt(2 / (fan_in * fan_out)),
        }
    else:
        variance = 2 / fan_in
        specific = {
            "He with fan_out: He's σ = sqrt(2 / fan_in) uses the number of INPUTS (the rows).": math.sqrt(2 / fan_out),
            "the factor 2 is missing: He's σ is sqrt(2 / fan_in) (the 2 makes up for ReLU zeroing half the "
            "inputs).": math.sqrt(1 / fan_in),
            "you used Xavier's formula; He's is sqrt(2 / fan_in).": math.sqrt(2 / (fan_in + fan_out)),
        }
    return {
        f"variance vs std confusion: your values have standard deviation {variance:.4g} = the VARIANCE "
        f"formula. The standard deviation is its square root, {FORMULA[name]}.": variance,
        **specific,
        "a uniform distribution on [−σ, σ]; its standard deviation is only σ/√3. Draw from a normal: "
        "rng.normal(0.0, σ, size=...).": s / math.sqrt(3),
        "a TRUNCATED normal (values beyond 2σ redrawn, as keras' TruncatedNormal does); cutting the tails "
        "leaves a standard deviation of only 0.88σ. Draw from the plain normal: rng.normal(0.0, σ, size=...).":
            s * 0.8796256610,  # the std of N(0, 1) truncated to [−2, 2], sqrt(1 − 4φ(2)/(2Φ(2) − 1))
        "a uniform distribution's limit used as the normal's σ: sqrt(6 / ...) is the LIMIT a of the uniform "
        "version U(−a, a). The normal's σ has a 2 where the limit has a 6.": s * math.sqrt(3),
    }


def _call(ex, name, fan_in, fan_out, g):
    what = f"{name}({fan_in}, {fan_out}, rng)"
    W = getattr(ex, name)(fan_in, fan_out, g)
    if isinstance(W, np.ndarray) and W.shape == (fan_out, fan_in) and fan_in != fan_out:
        fail(
            f"{what} returned shape {W.shape}, expected {(fan_in, fan_out)}.\n"
            "Likely mistake: the shape is transposed. W has one ROW per input and one COLUMN per output, "
            "shape (fan_in, fan_out), so that out = x @ W works for x of shape (N, fan_in)."
        )
    W = assert_array(W, what=what, shape=(fan_in, fan_out))
    if W.dtype != np.float64:
        fail(f"{what} returned dtype {W.dtype}, expected float64.")
    if not np.all(np.isfinite(W)):
        fail(f"{what} returned non-finite values (NaN or inf).")
    return W


@pytest.mark.parametrize("name", FUNCS)
@pytest.mark.parametrize("fan_in, fan_out", [(3, 5), (5, 3), (1, 4), (7, 1)])
def test_shape_and_dtype(ex, name, fan_in, fan_out):
    """returns a float64 array of shape (fan_in, fan_out)"""
    _call(ex, name, fan_in, fan_out, rng(fan_in * 10 + fan_out))


@pytest.mark.parametrize("name", FUNCS)
def test_global_state_untouched(ex, name):
    """draws from the given rng, not from np.random's global state"""
    seed_global_random(1234)
    before = global_random_state()
    _call(ex, name, 6, 4, rng(5))
    after = global_random_state()
    if not (np.array_equal(before[1], after[1]) and before[2:] == after[2:]):
        fail(
            f"{name} drew numbers from numpy's global random state (np.random.randn, np.random.normal, ...).\n"
            "Use the generator you are given, rng.normal(...) or rng.standard_normal(...): only then does the same "
            "seed give the same weights, and one experiment not change another's."
        )


@pytest.mark.parametrize("name", FUNCS)
def test_reproducible_with_the_rng(ex, name):
    """same seed, same weights; another seed, other weights"""
    a = _call(ex, name, 6, 4, rng(7))
    b = _call(ex, name, 6, 4, rng(7))
    c = _call(ex, name, 6, 4, rng(8))
    if not np.array_equal(a, b):
        fail(
            f"{name}(6, 4, rng) gave different weights for two generators with the same seed 7:\n"
            f"first:  {fmt(a)}\nsecond: {fmt(b)}\n"
            "Draw the numbers from the rng argument (rng.normal(...)), not from a generator you create inside "
            "the function."
        )
    if np.array_equal(a, c):
        fail(
            f"{name}(6, 4, rng) gave the same weights for generators with seeds 7 and 8.\n"
            "The function seems to ignore its rng (a fixed seed inside it?). Draw from the rng argument."
        )


@pytest.mark.parametrize("name", FUNCS)
@pytest.mark.parametrize("fan_in, fan_out", [(400, 100), (100, 400), (784, 64)])
def test_mean_and_std(ex, name, fan_in, fan_out):
    """mean 0 and the right standard deviation, on a large matrix"""
    W = _call(ex, name, fan_in, fan_out, rng(fan_in + fan_out))
    n, sigma = W.size, _sigma(name, fan_in, fan_out)
    mean, std = float(W.mean()), float(W.std())
    what = f"{name}({fan_in}, {fan_out}, rng)"
    if abs(mean) > 6 * sigma / math.sqrt(n):
        why = ""
        if W.min() >= 0:
            why = (
                "\nLikely mistake: all values are ≥ 0, as from rng.random() or rng.uniform(0, ...): those draw from "
                "[0, 1), not around 0. Draw from a normal with mean 0: rng.normal(0.0, σ, size=...)."
            )
        limit = 6 * sigma / math.sqrt(n)
        fail(f"{what}: the mean of the {n} weights is {mean:.4g}, expected about 0 (within ±{limit:.2g}).{why}")
    tolerance = 6 / math.sqrt(2 * n)  # relative: 6 standard errors of a sample standard deviation
    if abs(std / sigma - 1) > tolerance:
        why = ""
        for description, wrong in _std_mistakes(name, fan_in, fan_out).items():
            if abs(std / wrong - 1) <= 3 * tolerance:
                why = f"\nLikely mistake: {description}"
                break
        fail(
            f"{what}: the standard deviation of the {n} weights is {std:.4g}, expected "
            f"{FORMULA[name].replace('σ = ', '')} = {sigma:.4g} (within {100 * tolerance:.1f} %).{why}"
        )


@pytest.mark.parametrize("name", FUNCS)
def test_distribution_is_normal(ex, name):
    """the weights follow a normal distribution (not a uniform or truncated one)"""
    fan_in, fan_out = 300, 400
    W = _call(ex, name, fan_in, fan_out, rng(2024))
    z = (W - W.mean()) / W.std()
    tail = float(np.mean(np.abs(z) > 2))
    tolerance = 6 * math.sqrt(NORMAL_TAIL * (1 - NORMAL_TAIL) / z.size)
    if abs(tail - NORMAL_TAIL) <= tolerance:
        return
    largest = float(np.abs(z).max())  # a normal sample this size reaches about 4.5
    if largest <= 1.8:
        why = (
            f"Likely mistake: a uniform distribution. Every value lies within {largest:.2f} standard deviations of "
            "the mean, where a uniform one ends (√3 ≈ 1.73); a normal sample this large reaches past 4. "
            "Draw from a normal: rng.normal(0.0, σ, size=(fan_in, fan_out))."
        )
    elif largest <= 2.5:
        why = (
            f"Likely mistake: a truncated normal. Every value lies within {largest:.2f} standard deviations of the "
            "mean (Keras' GlorotNormal and HeNormal cut their normal off like this); a plain normal sample this "
            "large reaches past 4. This exercise asks for the untruncated normal: rng.normal(0.0, σ, size=...)."
        )
    else:
        why = "The values do not look normally distributed: draw them with rng.normal(0.0, σ, size=...)."
    fail(
        f"{name}({fan_in}, {fan_out}, rng): {100 * tail:.2f} % of the weights lie more than 2 standard deviations "
        f"from the mean; for a normal distribution that share is {100 * NORMAL_TAIL:.2f} %.\n{why}"
    )
