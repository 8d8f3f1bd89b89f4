"""Exercise 04 — logistic regression: probabilities, loss and gradient (reference solution)."""

import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """Stable elementwise sigmoid (given: exercise 03)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def predict_proba(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Probability of class 1 for each example, σ(X @ w), shape (N,)."""
    return _sigmoid(X @ w)


def logistic_loss(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Mean binary cross-entropy of σ(X @ w) against labels y in {0, 1} (a float)."""
    logits = X @ w
    return float(np.mean(np.logaddexp(0.0, logits) - y * logits))


def logistic_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Gradient of logistic_loss with respect to w, shape (D,)."""
    errors = _sigmoid(X @ w) - y
    return X.T @ errors / X.shape[0]
