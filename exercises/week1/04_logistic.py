"""Exercise 04 — logistic regression: probabilities, loss and gradient.

Logistic regression turns a linear score into the probability of class 1:

    s = X @ w          the logits        X: (N, D),  w: (D,),  s: (N,)
    p = σ(s)           the probabilities, p: (N,), each in [0, 1]

The loss is the mean binary cross-entropy over the N examples, with labels
yᵢ ∈ {0, 1} (the mean, not the sum: the loss must not grow with the batch):

    L(w) = −(1/N) · Σᵢ [ yᵢ · log pᵢ + (1 − yᵢ) · log(1 − pᵢ) ]

Its gradient with respect to w has one entry per weight, shape (D,):

    ∂L/∂w = (1/N) · Xᵀ (σ(X w) − y)          (prediction minus label)

Numerical stability.  When a prediction is confident, |s| is large and σ(s)
rounds to exactly 1.0 or 0.0 in float64 (from about s = 37 upwards, and
below about s = −745).  Then log pᵢ or log(1 − pᵢ) is log(0) = −inf, and
the loss of a confidently WRONG prediction, which should be about |s|, comes
out as inf or NaN.  Clipping p into [ε, 1 − ε] hides the inf but caps the loss
at −log ε, which is wrong too.  Instead, compute the loss from the logits:
since log σ(s) = −log(1 + e^(−s)) and log(1 − σ(s)) = −log(1 + e^s),

    L(w) = (1/N) · Σᵢ [ log(1 + e^(sᵢ)) − yᵢ · sᵢ ]

and log(1 + e^s) = np.logaddexp(0, s) is computed without overflow for any s.
The checks use |s| ≈ 1000: the loss must be finite and exact there.

Conventions:
    y: (N,) of 0s and 1s, as floats or ints.
    predict_proba returns a float64 array of shape (N,).
    logistic_loss returns a Python float.
    logistic_grad returns a float64 array of shape (D,).
    Use numpy, no loops over examples, and do not modify X, y or w.

The stable sigmoid of exercise 03 is given below as `_sigmoid`; use it.
"""

import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """Stable elementwise sigmoid (given: exercise 03)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def predict_proba(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Probability of class 1 for each example, σ(X @ w), shape (N,)."""
    # TODO: the logits s = X @ w, shape (N,)
    # TODO: return their sigmoid
    raise NotImplementedError("predict_proba")


def logistic_loss(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Mean binary cross-entropy of σ(X @ w) against labels y in {0, 1} (a float)."""
    # TODO: the logits s = X @ w, shape (N,)
    # TODO: the per-example losses log(1 + e^s) − y·s, with np.logaddexp(0, s)
    # TODO: return their mean as a Python float
    raise NotImplementedError("logistic_loss")


def logistic_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Gradient of logistic_loss with respect to w, shape (D,)."""
    # TODO: the errors σ(X @ w) − y, shape (N,)
    # TODO: return Xᵀ @ errors / N, shape (D,)
    raise NotImplementedError("logistic_grad")
