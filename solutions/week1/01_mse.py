"""Exercise 01 — mean squared error and its gradient (reference solution)."""

import numpy as np


def mse_loss(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Mean squared error of the predictions X @ w against targets y (a float)."""
    residuals = X @ w - y
    return float(np.mean(residuals**2))


def mse_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Gradient of mse_loss with respect to w, shape (D,)."""
    residuals = X @ w - y
    return (2.0 / X.shape[0]) * (X.T @ residuals)
