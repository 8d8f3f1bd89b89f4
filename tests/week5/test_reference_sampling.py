"""Exercise 45 (sampling): the check's chi-square threshold against the exact chi-square tail
and against a simulation with numpy's own multinomial sampler, the reference solution's draws
against the exact distribution, other correct samplers through the engine, and typical
mistakes caught with the message that names them."""

import math

import numpy as np
import pytest

from tests.helpers import load_check, mutate, run_source, solution

sol = solution("sampling")
check = load_check("sampling")


def chi2_tail(x, k):
    """P(X > x) for X ~ chi-square with k degrees of freedom, in closed form (the incomplete gamma
    function of integer or half-integer order, as a finite sum)."""
    if k % 2 == 0:
        return math.exp(-x / 2) * sum((x / 2) ** j / math.factorial(j) for j in range(k // 2))
    return math.erfc(math.sqrt(x / 2)) + sum(
        math.exp(-x / 2) * (x / 2) ** (j - 0.5) / math.gamma(j + 0.5) for j in range(1, (k - 1) // 2 + 1)
    )


def test_tail_formula_matches_known_values():
    # Textbook table values: the 0.95 quantiles for 1 and 4 degrees of freedom, the 0.999 quantile for 7.
    assert chi2_tail(3.841, 1) == pytest.approx(0.05, abs=1e-4)
    assert chi2_tail(9.488, 4) == pytest.approx(0.05, abs=1e-4)
    assert chi2_tail(24.322, 7) == pytest.approx(0.001, abs=1e-5)


@pytest.mark.parametrize("df", range(1, 21))
def test_wilson_hilferty_threshold_is_at_most_its_rate(df):
    """The exact false-alarm rate of the check's threshold is at most ALPHA and not far below it."""
    rate = chi2_tail(check.chi2_quantile(df), df)
    assert check.ALPHA / 4 < rate <= check.ALPHA


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0, 0.8])
def test_threshold_holds_for_the_checks_multinomial_counts(temperature):
    """Simulate the check's statistic with numpy's multinomial sampler (a known good sampler):
    2 million runs of 3000 draws per row; about 2e6 · 1e-5 = 20 or fewer may exceed the
    threshold (Poisson: more than 45 has probability < 1e-6)."""
    g = np.random.default_rng(int(temperature * 1000))
    threshold = check.chi2_quantile(7)
    exceed, runs = 0, 0
    for _ in range(8):
        stats = np.zeros(250_000)
        for row in (check.ROW_A, check.ROW_B):
            p = check._softmax(row, temperature)
            counts = g.multinomial(3000, p, size=250_000)
            stats += ((counts - 3000 * p) ** 2 / (3000 * p)).sum(axis=1)
        exceed += int(np.sum(stats > threshold))
        runs += stats.size
    assert exceed <= 45, f"{exceed} of {runs} runs exceed the threshold"


@pytest.mark.parametrize("temperature", [0.3, 1.0, 3.0])
def test_solution_draws_follow_the_exact_distribution(temperature):
    logits = np.array([1.5, -0.5, 0.0, 2.0, 0.7])
    draws = sol.sample_next(np.tile(logits, (200_000, 1)), temperature, np.random.default_rng(3))
    p = np.exp(logits / temperature) / np.exp(logits / temperature).sum()  # no overflow at these sizes
    np.testing.assert_allclose(np.bincount(draws, minlength=5) / 200_000, p, atol=5 * math.sqrt(0.25 / 200_000))


def test_zero_temperature_and_types():
    assert sol.sample_next(np.array([0.0, 3.0, 3.0]), 0.0, np.random.default_rng(0)) == 1
    assert isinstance(sol.sample_next(np.array([0.0, 3.0]), 1.0, np.random.default_rng(0)), int)


CHOICE = '''
import numpy as np

def sample_next(logits, temperature, rng):
    if temperature == 0:
        return int(np.argmax(logits)) if np.ndim(logits) == 1 else np.argmax(logits, axis=1)
    rows = np.atleast_2d(logits) / temperature
    p = np.exp(rows - rows.max(axis=1, keepdims=True))
    p = p / p.sum(axis=1, keepdims=True)
    tokens = np.array([rng.choice(p.shape[1], p=row) for row in p])
    return int(tokens[0]) if np.ndim(logits) == 1 else tokens
'''
GUMBEL = '''
import numpy as np

def sample_next(logits, temperature, rng):
    rows = np.atleast_2d(logits)
    if temperature == 0:
        tokens = rows.argmax(axis=1)
    else:
        tokens = (rows / temperature + rng.gumbel(size=rows.shape)).argmax(axis=1)
    return int(tokens[0]) if np.ndim(logits) == 1 else tokens
'''


@pytest.mark.parametrize("source", [CHOICE, GUMBEL], ids=["choice-per-row", "gumbel-max"])
def test_other_correct_samplers_pass(tmp_path, source):
    verdict = run_source("sampling", source, tmp_path)
    assert verdict.status == "passed", verdict.message


def test_power_after_softmax_normalised_is_the_same_distribution(tmp_path):
    """p ** (1/T) normalised equals softmax(logits / T): it is not a mistake, and it passes."""
    verdict = mutate("sampling", tmp_path, "z = rows / temperature\n        z = z - z.max(axis=1, keepdims=True)\n"
                     "        p = np.exp(z)\n        p /= p.sum(axis=1, keepdims=True)",
                     "z = rows - rows.max(axis=1, keepdims=True)\n        p = np.exp(z) / np.exp(z).sum(axis=1, "
                     "keepdims=True)\n        p = p ** (1 / temperature)\n        p /= p.sum(axis=1, keepdims=True)")
    assert verdict.status == "passed", verdict.message


def test_power_after_softmax_without_normalising_is_named(tmp_path):
    source = CHOICE.replace("p = p / p.sum(axis=1, keepdims=True)", "p = (p / p.sum(axis=1, keepdims=True)) ** 1.0")
    source = source.replace("rows = np.atleast_2d(logits) / temperature", "rows = np.atleast_2d(logits) * 1.0")
    source = source.replace("** 1.0", "** (1 / temperature)")
    verdict = run_source("sampling", source, tmp_path)
    assert verdict.status == "failed"
    assert "do not sum to 1" in verdict.message


def test_multiplied_temperature_is_named(tmp_path):
    verdict = mutate("sampling", tmp_path, "z = rows / temperature", "z = rows * temperature")
    assert verdict.status == "failed"
    assert "temperature multiplies the logits" in verdict.message


def test_ignored_temperature_is_named(tmp_path):
    verdict = mutate("sampling", tmp_path, "z = rows / temperature", "z = rows / 1.0")
    assert verdict.status == "failed"
    assert "temperature is ignored" in verdict.message


def test_global_random_state_is_named(tmp_path):
    verdict = mutate("sampling", tmp_path, "u = rng.random((rows.shape[0], 1))", "u = np.random.random((rows.shape[0], 1))")
    assert verdict.status == "failed"
    assert "np.random.* was used" in verdict.message


def test_always_argmax_is_named(tmp_path):
    verdict = mutate("sampling", tmp_path, "if temperature == 0:", "if True:")
    assert verdict.status == "failed"
    assert "always the argmax" in verdict.message


def test_one_draw_for_the_batch_is_named(tmp_path):
    verdict = mutate("sampling", tmp_path, "u = rng.random((rows.shape[0], 1))", "u = rng.random()")
    assert verdict.status == "failed"
    assert "one random number was shared by the whole batch" in verdict.message


def test_no_max_subtraction_is_named(tmp_path):
    verdict = mutate("sampling", tmp_path, "z = z - z.max(axis=1, keepdims=True)", "z = z + 0.0")
    assert verdict.status == "failed"
    assert "no max-subtraction" in verdict.message
