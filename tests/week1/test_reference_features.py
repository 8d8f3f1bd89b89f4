"""Exercise 05 (features): the reference solution against an independent
reference, and typical mistakes caught with the message that names them."""

import numpy as np
import pytest

from tests.helpers import mutate, solution

sol = solution("features")
STACK = "np.column_stack([x0, x1, x0**2, x1**2, x0 * x1, np.ones(len(X))])"


@pytest.mark.parametrize("n", [1, 3, 20])
def test_equals_row_by_row_definition(n):
    X = np.random.default_rng(n).normal(size=(n, 2))
    X0 = X.copy()
    expected = np.array([[a, b, a * a, b * b, a * b, 1.0] for a, b in X.tolist()])
    got = sol.expand_features(X)
    assert got.dtype == np.float64 and got.shape == (n, 6)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(X, X0)


def test_integer_input_gives_float64():
    got = sol.expand_features(np.array([[2, -3]]))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [[2.0, -3.0, 4.0, 9.0, -6.0, 1.0]])


def test_features_fit_a_circle():
    """Why the features matter: a circle's inside is linearly separable in them."""
    g = np.random.default_rng(0)
    X = g.uniform(-1, 1, size=(200, 2))
    inside = (X**2).sum(axis=1) < 0.5
    w = np.array([0, 0, -1, -1, 0, 0.5])  # 0.5 − x0² − x1² > 0 inside
    assert np.array_equal(sol.expand_features(X) @ w > 0, inside)


def test_bias_first_is_named(tmp_path):
    verdict = mutate("features", tmp_path, STACK, "np.column_stack([np.ones(len(X)), x0, x1, x0**2, x1**2, x0 * x1])")
    assert verdict.status == "failed"
    assert "bias column of ones is FIRST" in verdict.message


def test_wrong_order_says_which_column_is_where(tmp_path):
    verdict = mutate("features", tmp_path, STACK, "np.column_stack([x0, x1, x0 * x1, x0**2, x1**2, np.ones(len(X))])")
    assert verdict.status == "failed"
    assert "wrong order" in verdict.message
    assert "column 2 holds x0·x1, expected x0²" in verdict.message


def test_rows_instead_of_columns_is_named(tmp_path):
    verdict = mutate("features", tmp_path, "np.column_stack(", "np.stack(")
    assert verdict.status == "failed"
    assert "np.column_stack" in verdict.message


def test_xor_is_named(tmp_path):
    verdict = mutate("features", tmp_path, "x0**2", "x0 ^ 2")
    assert verdict.status == "failed"
    assert "bitwise XOR" in verdict.message
