"""Hidden checks for exercise 01 (mse).

Expected values come from the closed forms, computed here independently of the
learner's code; the gradient is also held against central differences.
"""

import numpy as np
import pytest

from checker.testing import assert_close, assert_scalar, call_unchanged, gradcheck, rng


def _problem(seed, n, d):
    g = rng(seed)
    return g.normal(size=(n, d)), g.normal(size=n), g.normal(size=d)


def test_loss_on_a_tiny_example(ex):
    """mse_loss on a 3×2 example you can check by hand"""
    X = np.array([[1.0, 2.0], [0.0, 1.0], [2.0, 0.0]])
    y = np.array([1.0, 2.0, 3.0])
    w = np.array([1.0, 1.0])
    # predictions 3, 1, 2 → residuals 2, -1, -1 → squares 4, 1, 1
    expected = (4.0 + 1.0 + 1.0) / 3
    got = assert_scalar(ex.mse_loss(X, y, w), what="mse_loss(X, y, w)")
    assert_close(
        got,
        expected,
        what="mse_loss(X, y, w)",
        inputs={"X": X, "y": y, "w": w},
        mistakes={
            "you returned the sum of the squared residuals, not their mean (divide by N).": 6.0,
            "you divided by the number of features D instead of the number of examples N.": 3.0,
            "you took the square root (that is the RMSE, not the MSE).": np.sqrt(2.0),
            "you averaged the residuals before squaring them.": (2.0 / 3) ** 2,
            "that is the mean ABSOLUTE error, mean |xᵢ·w − yᵢ|: the MSE squares the residuals, "
            "mean (xᵢ·w − yᵢ)².": (2.0 + 1.0 + 1.0) / 3,
        },
    )


@pytest.mark.parametrize("n, d", [(5, 3), (1, 4), (40, 2)])
def test_loss_is_the_mean_over_examples(ex, n, d):
    """mse_loss averages over examples for several shapes (N, D)"""
    X, y, w = _problem(n * 10 + d, n, d)
    expected = float(np.mean((X @ w - y) ** 2))
    got = call_unchanged(ex.mse_loss, X, y, w, what="mse_loss", names=["X", "y", "w"])
    got = assert_scalar(got, what=f"mse_loss on X of shape {X.shape}")
    assert_close(
        got,
        expected,
        what=f"mse_loss on X of shape {X.shape}",
        inputs={"X": X, "y": y, "w": w} if n * d <= 12 else None,
        mistakes={"you returned the sum of the squared residuals, not their mean (divide by N).": expected * n},
    )


def test_gradient_on_a_tiny_example(ex):
    """mse_grad on the same 3×2 example"""
    X = np.array([[1.0, 2.0], [0.0, 1.0], [2.0, 0.0]])
    y = np.array([1.0, 2.0, 3.0])
    w = np.array([1.0, 1.0])
    residuals = X @ w - y
    expected = 2.0 / 3 * X.T @ residuals
    assert_close(
        ex.mse_grad(X, y, w),
        expected,
        what="mse_grad(X, y, w)",
        inputs={"X": X, "y": y, "w": w},
        mistakes={
            "the factor 2 from differentiating the square is missing.": expected / 2,
            "you returned the gradient of the sum, not of the mean (divide by N).": expected * 3,
            "the sign is flipped: use r = X @ w - y (prediction minus target).": -expected,
        },
    )


@pytest.mark.parametrize("n, d", [(6, 3), (1, 2), (25, 5)])
def test_gradient_matches_numerical_gradient(ex, n, d):
    """mse_grad agrees with a numerical gradient of the MSE for several shapes"""
    X, y, w = _problem(1000 + n * 10 + d, n, d)
    got = call_unchanged(ex.mse_grad, X, y, w, what="mse_grad", names=["X", "y", "w"])

    def loss(v):
        return np.mean((X @ v - y) ** 2)

    gradcheck(
        loss,
        got,
        w,
        what=f"mse_grad on X of shape {X.shape}",
        mistakes={
            "the factor 2 from differentiating the square is missing.": 2.0 / n * X.T @ (X @ w - y) / 2,
            "you returned the gradient of the sum, not of the mean (divide by N).": 2.0 * X.T @ (X @ w - y),
        },
    )
