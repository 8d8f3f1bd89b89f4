"""Exercise 04 (logistic): the reference solution against independent
references, and typical mistakes caught with the message that names them."""

import math

import numpy as np
import pytest

from checker.testing import numerical_gradient
from tests.helpers import mutate, solution

sol = solution("logistic")
LOSS = "return float(np.mean(np.logaddexp(0.0, logits) - y * logits))"
GRAD = "return X.T @ errors / X.shape[0]"


def _problem(seed):
    g = np.random.default_rng(seed)
    n, d = int(g.integers(1, 20)), int(g.integers(1, 6))
    return g.normal(size=(n, d)), (g.random(n) < 0.5).astype(float), g.normal(size=d)


@pytest.mark.parametrize("seed", range(5))
def test_loss_equals_textbook_cross_entropy(seed):
    X, y, w = _problem(seed)
    p = [1 / (1 + math.exp(-s)) for s in X @ w]
    expected = -sum(t * math.log(q) + (1 - t) * math.log(1 - q) for t, q in zip(y, p)) / len(y)
    assert sol.logistic_loss(X, y, w) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(sol.predict_proba(X, w), p, rtol=1e-14)


@pytest.mark.parametrize("seed", range(5))
def test_gradient_equals_numerical_gradient(seed):
    X, y, w = _problem(100 + seed)
    numeric = numerical_gradient(lambda v: sol.logistic_loss(X, y, v), w.copy())
    np.testing.assert_allclose(sol.logistic_grad(X, y, w), numeric, rtol=1e-6, atol=1e-8)


def test_extreme_logits():
    X = np.array([[1.0], [1.0]])
    w = np.array([1000.0])
    assert sol.logistic_loss(X, np.array([1.0, 1.0]), w) == 0.0
    assert sol.logistic_loss(X, np.array([0.0, 0.0]), w) == pytest.approx(1000.0)
    assert sol.logistic_loss(X, np.array([1.0, 1.0]), -w) == pytest.approx(1000.0)
    np.testing.assert_allclose(sol.logistic_grad(X, np.array([0.0, 1.0]), w), [0.5])


def test_log_of_sigmoid_is_named(tmp_path):
    new = "p = _sigmoid(logits)\n    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))"
    verdict = mutate("logistic", tmp_path, LOSS, new)
    assert verdict.status == "failed"
    assert "log(sigmoid) underflows to log(0)" in verdict.message


def test_log_one_plus_exp_is_named(tmp_path):
    verdict = mutate("logistic", tmp_path, LOSS, "return float(np.mean(np.log(1 + np.exp(logits)) - y * logits))")
    assert verdict.status == "failed"
    assert "overflows" in verdict.message and "np.logaddexp" in verdict.message


def test_clipping_is_named(tmp_path):
    new = "p = np.clip(_sigmoid(logits), 1e-12, 1 - 1e-12)\n    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))"
    verdict = mutate("logistic", tmp_path, LOSS, new)
    assert verdict.status == "failed"
    assert "clipped" in verdict.message


def test_sum_instead_of_mean_is_named(tmp_path):
    verdict = mutate("logistic", tmp_path, LOSS, LOSS.replace("np.mean", "np.sum"))
    assert verdict.status == "failed"
    assert "not the mean" in verdict.message


def test_gradient_sum_is_named(tmp_path):
    verdict = mutate("logistic", tmp_path, GRAD, "return X.T @ errors")
    assert verdict.status == "failed"
    assert "gradient of the sum" in verdict.message


def test_gradient_sign_flip_is_named(tmp_path):
    verdict = mutate("logistic", tmp_path, "errors = _sigmoid(X @ w) - y", "errors = y - _sigmoid(X @ w)")
    assert verdict.status == "failed"
    assert "sign is flipped" in verdict.message


def test_log_of_a_sigmoid_written_with_exp_of_minus_s_is_named_for_what_it_is(tmp_path):
    """log(1 / (1 + exp(-s))) overflows at s = -1000: the message must not speak of log(1 + exp(s)) alone."""
    verdict = mutate(
        "logistic", tmp_path, "return float(np.mean(np.logaddexp(0.0, logits) - y * logits))",
        "p = 1 / (1 + np.exp(-logits))\n    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))",
    )
    assert verdict.status == "failed"
    assert "log(1 / (1 + np.exp(−s)))" in verdict.message or "log(sigmoid)" in verdict.message, verdict.message
