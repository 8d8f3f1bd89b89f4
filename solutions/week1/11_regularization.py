"""Exercise 11 — L2 and L1 regularization (reference solution)."""

import numpy as np


def l2_penalty(w: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    """L2 penalty (λ/2)·Σ w_j² over all entries but the bias w[-1], and its gradient."""
    loss = 0.5 * lam * float(np.sum(w[:-1] ** 2))
    grad = lam * np.asarray(w, dtype=float)
    grad[-1] = 0.0
    return loss, grad


def l1_penalty(w: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    """L1 penalty λ·Σ |w_j| over all entries but the bias w[-1], and its gradient."""
    loss = lam * float(np.sum(np.abs(w[:-1])))
    grad = lam * np.sign(w).astype(float)
    grad[-1] = 0.0
    return loss, grad
