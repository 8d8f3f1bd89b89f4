"""Exercise 11 — L2 and L1 regularization.

A penalty on the size of the weights is added to the data loss, to keep a model
from fitting noise:   total loss = data loss + penalty(w).

w is a 1-D weight vector of shape (D,) whose LAST entry w[-1] is the bias (the
weight of the constant feature 1).  The bias only shifts the decision boundary,
it does not make the model more complex, so it is NOT penalized: the sums below
run over the first D − 1 entries, and the gradient's last entry is 0.

L2 ("weight decay"), with the factor 1/2 so that the gradient is simply λ·w:

    loss = (λ/2) · Σ_{j < D−1} w_j²
    grad = λ · w,   except grad[-1] = 0

L1 (pushes small weights to exactly zero):

    loss = λ · Σ_{j < D−1} |w_j|
    grad = λ · sign(w),   except grad[-1] = 0        (sign(0) = 0, as np.sign does)

Each function returns the pair (loss, grad): loss a Python float, grad a new
float64 array of shape (D,).  Do not modify w.
"""

import numpy as np


def l2_penalty(w: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    """L2 penalty (λ/2)·Σ w_j² over all entries but the bias w[-1], and its gradient."""
    # TODO: the weights without the bias: w[:-1]
    # TODO: loss = lam / 2 * (sum of their squares), as a float
    # TODO: grad = lam * w, then set grad[-1] = 0 (a new array: do not change w)
    # TODO: return loss, grad
    raise NotImplementedError("l2_penalty")


def l1_penalty(w: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    """L1 penalty λ·Σ |w_j| over all entries but the bias w[-1], and its gradient."""
    # TODO: loss = lam * (sum of |w_j| over w[:-1]), as a float
    # TODO: grad = lam * np.sign(w), then set grad[-1] = 0
    # TODO: return loss, grad
    raise NotImplementedError("l1_penalty")
