"""Hidden checks for exercise 45 (sampling).

Any draw from the right distribution is acceptable, so the statistical checks
predict no particular tokens.  They draw n tokens in one call (a batch of n
rows: each row is an independent draw) and compute Pearson's chi-square
statistic of the counts against softmax(logits / T), computed here with
np.logaddexp (stable).  A correct sampler fails a statistical check with
probability ALPHA = 1e-5; there are 4 such checks, so a correct answer fails
this file by chance with probability under 4e-5 (< 1e-4).  The threshold, the
(1 − ALPHA) quantile of the chi-square distribution, is computed here with the
Wilson–Hilferty approximation (no scipy needed):

    q ≈ k · (1 − 2/(9k) + z · √(2/(9k)))³,    k degrees of freedom, z the standard normal (1 − ALPHA) quantile

and every expected count is at least 50, where the chi-square law of the
statistic is accurate.  The project's tests check both against the exact
chi-square tail and by simulation with numpy's own multinomial sampler.

The generator the learner's code receives lives in the learner's process (a
Generator made there from the check's seed), so draws cost nothing extra; the
checks see whether the draws depend on that seed alone and whether numpy's
global random state moved.  The misconceptions named: the temperature ignored
or multiplied instead of divided, always the argmax, one draw shared by a whole
batch, np.random (global state) or a fresh generator instead of rng, no
max-subtraction (overflow at small T), probabilities changed after the softmax
without normalising.
"""

import math
from statistics import NormalDist

import numpy as np
import pytest

from checker.testing import (
    assert_array,
    fail,
    fmt,
    global_random_state,
    learner_side,
    rng,
    seed_global_random,
)

ALPHA = 1e-5

IGNORED = "the temperature is ignored: the tokens follow softmax(logits), not softmax(logits / T)."
MULTIPLIED = (
    "the temperature multiplies the logits (softmax(logits * T), or p ** T normalised): it DIVIDES them, "
    "softmax(logits / T), so that T < 1 sharpens and T > 1 flattens."
)
ARGMAX = (
    "always the argmax: for T > 0 the token is DRAWN from softmax(logits / T) with rng (only T = 0 is greedy)."
)
SHARED = (
    "every row of the batch got the same token: one random number was shared by the whole batch. Draw one "
    "per row: rng.random((N, 1)), or rng.choice row by row."
)
NO_MAX = (
    "no max-subtraction: at a small temperature logits / T are huge and exp() overflows to inf (inf / inf is NaN). "
    "Subtract each row's max of logits / T before exp; the softmax does not change."
)
NOT_NORMALISED = (
    "the probabilities do not sum to 1: the temperature was applied after the softmax without normalising again "
    "(p ** (1/T) or p / T). Divide the logits by T BEFORE the softmax: p = softmax(logits / T)."
)
GLOBAL = (
    "numpy's global random state moved: np.random.* was used. Draw from the `rng` argument only "
    "(rng.random, rng.choice): the same seed must give the same tokens."
)
FRESH = (
    "the same seed gave different tokens: the draws do not come from `rng` alone (a new generator, "
    "np.random.default_rng() without the given rng?). Draw with the `rng` argument."
)


def chi2_quantile(df: int, alpha: float = ALPHA) -> float:
    """The (1 − alpha) quantile of the chi-square law with df degrees of freedom (Wilson–Hilferty)."""
    z = NormalDist().inv_cdf(1.0 - alpha)
    c = 2.0 / (9.0 * df)
    return df * (1.0 - c + z * math.sqrt(c)) ** 3


def chi2_statistic(counts: np.ndarray, probs: np.ndarray) -> float:
    """Pearson's statistic of counts against probabilities (the same length; probs > 0)."""
    expected = counts.sum() * probs
    return float(np.sum((counts - expected) ** 2 / expected))


def _softmax(logits, temperature):
    z = np.asarray(logits, dtype=float) / temperature
    with np.errstate(under="ignore"):
        return np.exp(z - np.logaddexp.reduce(z))


def _gen(seed):
    """A Generator seeded `seed`, living where the learner's code runs."""
    return learner_side(rng, seed)


def _sample(ex, logits, temperature, seed, what, strict=False):
    """The learner's draws for a batch of rows, checked to be ints in range; exceptions explained.

    strict: overflow and 0/0 raise inside the learner's function (numpy's error state reaches it),
    so that an exp() that overflows is named rather than seen through its consequences.
    """
    before = np.array(logits, copy=True)
    settings = dict(over="raise", invalid="raise", divide="ignore", under="ignore") if strict else dict(all="ignore")
    try:
        with np.errstate(**settings):
            got = ex.sample_next(logits, temperature, _gen(seed))
    except Exception as exc:  # noqa: BLE001 - the learner's error, explained when recognisable
        text = str(exc)
        if "overflow" in text or "contain NaN" in text or "nan" in text.lower() or "invalid value" in text:
            fail(f"{what} raised {type(exc).__name__}: {text}\nLikely mistake: {NO_MAX}")
        if "sum to 1" in text:
            fail(f"{what} raised {type(exc).__name__}: {text}\nLikely mistake: {NOT_NORMALISED}")
        raise
    if not np.array_equal(before, logits):
        fail(f"{what} changed its input `logits` in place. Work on a new array: z = logits / temperature.")
    n, v = logits.shape
    got = assert_array(got, what=what)
    if got.shape != (n,):
        fail(f"{what} returned an array of shape {got.shape}, expected (N,) = ({n},): one token id per row."
             + ("\nIt looks like probabilities, not drawn token ids." if got.shape == logits.shape else ""))
    if got.dtype.kind not in "iu":
        fail(f"{what} returned an array of dtype {got.dtype}, expected integer token ids.")
    if got.min() < 0 or got.max() >= v:
        fail(f"{what} returned token ids from {got.min()} to {got.max()}, expected 0 … {v - 1}.")
    return got


def _diagnose(groups, temperature):
    """The named mistake whose distribution explains the draws, or "".

    groups: (logits, draws) for each kind of row in the batch.
    """
    if all(len(set(draws.tolist())) == 1 for _, draws in groups):
        if all(int(draws[0]) == int(np.argmax(row)) for row, draws in groups):
            return ARGMAX
        return SHARED
    for row, draws in groups:
        counts = np.bincount(draws, minlength=len(row))
        candidates = {IGNORED: _softmax(row, 1.0), MULTIPLIED: _softmax(np.asarray(row) * temperature, 1.0)}
        fits = {text: chi2_statistic(counts, p) for text, p in candidates.items()
                if not np.allclose(p, _softmax(row, temperature))}
        good = {text: value for text, value in fits.items() if value <= chi2_quantile(len(row) - 1)}
        if good:
            return min(good, key=good.get)
    return ""


# Two rows of logits, alternated in the batch: every expected count is at least 50 at n = 3000 per row.
ROW_A = np.array([1.0, 0.5, 0.2, 0.0, -0.4])
ROW_B = np.array([-0.5, 0.3, 0.8, 0.0])


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0, 0.8])
def test_draws_follow_softmax_over_temperature(ex, temperature):
    """the tokens follow softmax(logits / T): a chi-square test on 6000 draws (false alarm rate 1e-5)"""
    per_row = 3000
    for row in (ROW_A, ROW_B):
        assert _softmax(row, temperature).min() * per_row >= 50  # where the chi-square law is accurate
    row_b = np.append(ROW_B, -1000.0)  # a fifth token of probability e^(−1000/T) = 0, so both rows have V = 5
    logits = np.stack([ROW_A, row_b] * per_row)
    what = (f"sample_next(logits of shape (6000, 5), temperature={temperature}, rng), the rows alternating "
            "between two logit vectors a and b")
    got = _sample(ex, logits, temperature, int(temperature * 100), what)
    groups = [(ROW_A, got[0::2]), (ROW_B, got[1::2])]
    if np.any(groups[1][1] >= len(ROW_B)):
        fail(f"{what}: rows b = {fmt(row_b)} drew token 4, whose probability is e^(−1000 / T) = 0.\n"
             "Each row's probabilities must be softmax(row / T) over that row's own logits: a softmax over the "
             "wrong axis (the batch), or probabilities that do not sum to 1 (the last token taking the rest)?")
    statistic, df, lines = 0.0, 0, []
    for name, (row, draws) in zip("ab", groups):
        counts = np.bincount(draws, minlength=len(row))
        probs = _softmax(row, temperature)
        statistic += chi2_statistic(counts, probs)
        df += len(row) - 1
        pad = len(ROW_A) - len(row)  # row b's fifth token: expected 0, drawn 0 (checked above)
        lines.append(f"  row {name} = {fmt(row if name == 'a' else row_b)}\n"
                     f"    expected frequencies {fmt(np.append(probs, [0.0] * pad), 3)}\n"
                     f"    your frequencies     {fmt(np.append(counts / per_row, [0.0] * pad), 3)}")
    threshold = chi2_quantile(df)
    if statistic <= threshold:
        return
    worst = _diagnose(groups, temperature)
    fail(f"{what}: the tokens do not follow softmax(logits / T).\n" + "\n".join(lines) + "\n"
         f"chi-square statistic {statistic:.1f} > {threshold:.1f} (its 1 − 1e-5 quantile for {df} degrees of freedom: "
         "a correct sampler exceeds it once in 100 000 runs)."
         + (f"\nLikely mistake: {worst}" if worst else ""))


@pytest.mark.parametrize("logits", [[0.1, 2.5, -1.0, 2.4], [3.0, 3.0, 1.0], [-2.0, -5.0, -3.0, -2.5, -9.0]],
                         ids=["distinct", "tie", "negative"])
def test_zero_temperature_is_argmax(ex, logits):
    """temperature = 0 is greedy: the argmax of the logits (the first of tied maxima)"""
    logits = np.array(logits)
    what = f"sample_next(logits={fmt(logits)}, temperature=0, rng)"
    try:
        with np.errstate(all="ignore"):
            got = ex.sample_next(logits, 0.0, _gen(1))
    except ZeroDivisionError as exc:
        fail(f"{what} raised ZeroDivisionError: {exc}\nLikely mistake: T = 0 divided the logits by zero. "
             "Handle it first: if temperature == 0, return the argmax (greedy decoding).")
    _one_token(got, logits, what)
    if got != int(np.argmax(logits)):
        fail(f"{what} returned {got}, expected {int(np.argmax(logits))} (np.argmax: the first of tied maxima)."
             "\nAt T = 0 there is no drawing: return the index of the largest logit.")


def _one_token(got, logits, what):
    if isinstance(got, np.ndarray) and got.shape in ((), (1,)) and got.dtype.kind in "iu":
        fail(f"{what} returned an array {fmt(got)}, expected a Python int for logits of shape {logits.shape} "
             "(return int(token)).")
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        fail(f"{what} returned {fmt(got, max_chars=80)}, expected one token id (an int) for logits of shape "
             f"{logits.shape}.")
    if not 0 <= got < len(logits):
        fail(f"{what} returned {got}, expected a token id in 0 … {len(logits) - 1}.")


def test_batch_at_zero_temperature(ex):
    """temperature = 0 on a batch (N, V): each row's argmax"""
    logits = rng(5).normal(size=(7, 6))
    got = _sample(ex, logits, 0.0, 2, "sample_next(logits of shape (7, 6), temperature=0, rng)")
    if not np.array_equal(got, np.argmax(logits, axis=1)):
        fail(f"sample_next(logits of shape (7, 6), temperature=0, rng) returned {fmt(got)}, expected each row's "
             f"argmax {fmt(np.argmax(logits, axis=1))} (np.argmax(logits, axis=1)).")


def test_small_temperature_tends_to_argmax(ex):
    """temperature = 0.001: (almost surely) the argmax, with no overflow"""
    logits = np.array([[1.0, 9.0, 8.0, -3.0], [10.0, 0.0, 9.5, 2.0], [-1.0, -2.0, -0.5, -4.0]])
    what = "sample_next(logits of shape (3, 4), temperature=0.001, rng)"
    got = _sample(ex, np.repeat(logits, 20, axis=0), 0.001, 3, what, strict=True)
    expected = np.repeat(np.argmax(logits, axis=1), 20)
    if not np.array_equal(got, expected):
        fail(f"{what} (each row repeated 20 times) returned tokens {fmt(got)}, expected the argmax of each row every "
             "time: the runner-up is ≥ 0.5 below, so its probability is below e^(−500).\n"
             "At a small temperature softmax(logits / T) puts all its mass on the largest logit.")


def test_one_row_gives_an_int(ex):
    """logits of shape (V,): one draw, returned as an int"""
    logits = np.array([0.5, 1.5, -0.5])
    what = f"sample_next(logits={fmt(logits)}, temperature=1.0, rng)"
    with np.errstate(all="ignore"):
        got = ex.sample_next(logits, 1.0, _gen(4))
    _one_token(got, logits, what)


def test_draws_come_from_rng_alone(ex):
    """the same seed gives the same tokens, another seed others, and np.random is not touched"""
    logits = np.tile(np.array([0.2, 0.1, 0.0, -0.1, 0.3]), (200, 1))
    what = "sample_next(logits of shape (200, 5), temperature=1.0, rng)"
    seed_global_random(1234)
    before = global_random_state()
    first = _sample(ex, logits, 1.0, 21, what)
    after = global_random_state()
    if not all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(before, after)):
        fail(f"{what}: {GLOBAL}")
    again = _sample(ex, logits, 1.0, 21, what)
    if not np.array_equal(first, again):
        fail(f"{what} twice with generators of the same seed gave different tokens.\nLikely mistake: {FRESH}")
    other = _sample(ex, logits, 1.0, 22, what)
    if np.array_equal(first, other):
        fail(f"{what} with generators of two different seeds gave the same 200 tokens.\n"
             "The draws must come from `rng`: rng.random(...) or rng.choice(...).")
