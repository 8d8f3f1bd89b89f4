"""Exercise 01 — mean squared error and its gradient.

A linear model predicts one number per example:

    ŷ = X @ w              X: (N, D) examples in rows,  w: (D,) weights,  ŷ: (N,)

The mean squared error averages the squared residuals r = ŷ − y over the N
examples (the mean, not the sum: the loss must not grow with the batch size):

    L(w) = (1/N) · Σᵢ (xᵢ·w − yᵢ)²

Its gradient with respect to w has one entry per weight, shape (D,):

    ∂L/∂w = (2/N) · Xᵀ (X w − y)

The 2 comes from differentiating the square.  Use numpy, no loops over
examples, and do not modify X, y or w.
"""

import numpy as np


def mse_loss(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Mean squared error of the predictions X @ w against targets y (a float)."""
    # TODO: the residuals r = X @ w - y, shape (N,)
    # TODO: return the mean of r**2 as a Python float
    raise NotImplementedError("mse_loss")


def mse_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Gradient of mse_loss with respect to w, shape (D,)."""
    # TODO: the residuals r = X @ w - y, shape (N,)
    # TODO: return (2/N) * X.T @ r, shape (D,)
    raise NotImplementedError("mse_grad")
