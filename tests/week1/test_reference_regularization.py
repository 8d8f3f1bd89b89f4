"""Exercise 11 (regularization): the reference solution against independent references,
and typical mistakes caught with the message that names them."""

import numpy as np
import pytest

from checker.testing import numerical_gradient
from tests.helpers import mutate, solution

sol = solution("regularization")


@pytest.mark.parametrize("seed", range(5))
def test_l2_equals_half_lambda_squared_norm_without_bias(seed):
    g = np.random.default_rng(seed)
    d, lam = int(g.integers(1, 12)), float(g.uniform(0, 3))
    w = g.normal(size=d)
    loss, grad = sol.l2_penalty(w, lam)
    assert isinstance(loss, float)
    assert loss == pytest.approx(0.5 * lam * np.linalg.norm(w[:-1]) ** 2, abs=1e-12)
    np.testing.assert_allclose(grad, numerical_gradient(lambda v: sol.l2_penalty(v, lam)[0], w.copy()), rtol=1e-6, atol=1e-8)
    assert grad[-1] == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_l1_equals_lambda_one_norm_without_bias(seed):
    g = np.random.default_rng(50 + seed)
    d, lam = int(g.integers(2, 12)), float(g.uniform(0, 3))
    w = g.choice([-1.0, 1.0], size=d) * g.uniform(0.1, 2.0, size=d)
    loss, grad = sol.l1_penalty(w, lam)
    assert isinstance(loss, float)
    assert loss == pytest.approx(lam * np.linalg.norm(w[:-1], ord=1), abs=1e-12)
    np.testing.assert_allclose(grad, numerical_gradient(lambda v: sol.l1_penalty(v, lam)[0], w.copy()), rtol=1e-6, atol=1e-8)


def test_l1_subgradient_at_zero_and_inputs_kept():
    w = np.array([0.0, -3.0, 0.0, 2.0])
    copy = w.copy()
    loss, grad = sol.l1_penalty(w, 2.0)
    assert loss == 6.0
    np.testing.assert_array_equal(grad, [0.0, -2.0, 0.0, 0.0])
    np.testing.assert_array_equal(w, copy)
    sol.l2_penalty(w, 2.0)
    np.testing.assert_array_equal(w, copy)


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("np.sum(w[:-1] ** 2)", "np.sum(w ** 2)", "bias w[-1] is penalized"),
        ("    grad[-1] = 0.0\n    return loss, grad\n\n\ndef l1", "    return loss, grad\n\n\ndef l1", "bias w[-1] is penalized"),
        ("loss = 0.5 * lam", "loss = lam", "factor 1/2 is missing"),
        ("grad = lam * np.asarray(w, dtype=float)", "grad = 2 * lam * np.asarray(w, dtype=float)", "without the 1/2"),
        ("np.sum(np.abs(w[:-1]))", "np.sum(np.abs(w))", "bias w[-1] is penalized"),
        ("np.sum(np.abs(w[:-1]))", "np.sum(w[:-1])", "absolute values"),
        ("grad = lam * np.sign(w).astype(float)", "grad = lam * w / np.abs(w)", "np.sign"),
    ],
    ids=["l2-bias-loss", "l2-bias-grad", "l2-no-half", "l2-grad-doubled", "l1-bias", "l1-signed-sum", "l1-zero-over-zero"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("regularization", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message


def test_an_l1_gradient_that_is_not_0_at_w_0_is_named(tmp_path):
    verdict = mutate("regularization", tmp_path, "grad = lam * np.sign(w).astype(float)",
                     "grad = lam * np.where(w >= 0, 1.0, -1.0)")
    assert verdict.status == "failed"
    assert "at exactly w_j = 0 is not 0: you gave it +λ" in verdict.message, verdict.message
