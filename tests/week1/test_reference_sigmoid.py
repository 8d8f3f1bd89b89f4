"""Exercise 03 (sigmoid): the reference solution against independent
references, and typical mistakes caught with the message that names them."""

import math
import warnings

import numpy as np
import pytest

from tests.helpers import mutate, solution

sol = solution("sigmoid")
WHERE = "out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))"


@pytest.mark.parametrize("seed", range(5))
def test_equals_math_formula(seed):
    z = np.random.default_rng(seed).normal(scale=6, size=(3, 4))
    expected = np.vectorize(lambda t: 1 / (1 + math.exp(-t)))(z)
    np.testing.assert_allclose(sol.sigmoid(z), expected, rtol=1e-14, atol=0)


def test_extremes_without_warnings():
    z = np.array([-1000.0, -745.0, -40.0, 0.0, 40.0, 745.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            got = sol.sigmoid(z)
    # σ(z) = exp(−log(1 + e^(−z))), and σ(−40) = e^(−40) / (1 + e^(−40)) to double precision
    np.testing.assert_allclose(got, np.exp(-np.logaddexp(0, -z)), rtol=1e-12, atol=0)
    assert got[2] == pytest.approx(math.exp(-40) / (1 + math.exp(-40)), rel=1e-14)
    assert got[0] == 0.0 and got[-1] == 1.0


def test_symmetry_and_scalars():
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(sol.sigmoid(-z), 1 - sol.sigmoid(z), atol=1e-15)
    assert sol.sigmoid(0.0) == 0.5
    assert isinstance(sol.sigmoid(1.0), np.float64)
    z = np.array([[1.0, -2.0]])
    z0 = z.copy()
    assert sol.sigmoid(z).shape == (1, 2)
    np.testing.assert_array_equal(z, z0)


def test_naive_formula_is_named(tmp_path):
    verdict = mutate("sigmoid", tmp_path, WHERE, "out = 1.0 / (1.0 + np.exp(-z))")
    assert verdict.status == "failed"
    assert "naive formula" in verdict.message


def test_where_with_both_branches_is_named(tmp_path):
    verdict = mutate(
        "sigmoid", tmp_path, WHERE, "out = np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))"
    )
    assert verdict.status == "failed"
    assert "BOTH branches" in verdict.message


def test_sign_flip_is_named(tmp_path):
    verdict = mutate("sigmoid", tmp_path, "z = np.asarray(z, dtype=float)", "z = -np.asarray(z, dtype=float)")
    assert verdict.status == "failed"
    assert "sign of z is flipped" in verdict.message
