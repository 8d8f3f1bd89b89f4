"""Exercise 01 (mse): the reference solution against independent references,
and typical mistakes caught with the message that names them."""

import numpy as np
import pytest

from checker.testing import numerical_gradient
from tests.helpers import mutate, solution

sol = solution("mse")


@pytest.mark.parametrize("seed", range(5))
def test_loss_equals_lstsq_residual(seed):
    """At the least-squares optimum the MSE equals lstsq's residual sum / N."""
    g = np.random.default_rng(seed)
    n, d = g.integers(5, 30), g.integers(1, 5)
    X, y = g.normal(size=(n, d)), g.normal(size=n)
    w, residual, *_ = np.linalg.lstsq(X, y, rcond=None)
    assert sol.mse_loss(X, y, w) == pytest.approx(residual[0] / n)
    # ...and the gradient vanishes there.
    np.testing.assert_allclose(sol.mse_grad(X, y, w), 0, atol=1e-10)


@pytest.mark.parametrize("seed", range(5))
def test_gradient_equals_numerical_gradient(seed):
    g = np.random.default_rng(100 + seed)
    X, y, w = g.normal(size=(7, 3)), g.normal(size=7), g.normal(size=3)
    numeric = numerical_gradient(lambda v: sol.mse_loss(X, y, v), w.copy())
    np.testing.assert_allclose(sol.mse_grad(X, y, w), numeric, rtol=1e-6, atol=1e-8)


def test_sum_instead_of_mean_is_named(tmp_path):
    verdict = mutate("mse", tmp_path, "np.mean(residuals**2)", "np.sum(residuals**2)")
    assert verdict.status == "failed"
    assert "not their mean" in verdict.message


def test_missing_factor_two_is_named(tmp_path):
    verdict = mutate("mse", tmp_path, "(2.0 / X.shape[0])", "(1.0 / X.shape[0])")
    assert verdict.status == "failed"
    assert "factor 2" in verdict.message


def test_mean_absolute_error_is_named(tmp_path):
    verdict = mutate("mse", tmp_path, "return float(np.mean(residuals**2))", "return float(np.mean(np.abs(residuals)))")
    assert verdict.status == "failed"
    assert "mean ABSOLUTE error" in verdict.message, verdict.message
