"""Exercise 12 — training logistic regression with minibatches and any optimizer (reference solution)."""

import numpy as np


def logistic_loss_and_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean logistic loss of the logits X @ w against labels y in {0, 1}, and its gradient.

    Exercise 04's answer, given so this file stands alone.  Numerically stable:
    log(1 + e^z) is computed as np.logaddexp(0, z), and σ(z) = exp(−log(1 + e^−z)).
    """
    z = X @ w
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
    probabilities = np.exp(-np.logaddexp(0.0, -z))
    grad = X.T @ (probabilities - y) / X.shape[0]
    return loss, grad


def train_logistic_regression(X, y, step, config, n_iter, batch_size, rng):
    """Train w from zeros with n_iter minibatch steps of `step`; return (w, losses)."""
    n, d = X.shape
    w = np.zeros(d)
    losses = np.zeros(n_iter)
    for i in range(n_iter):
        idx = np.arange(n) if batch_size >= n else rng.choice(n, size=batch_size, replace=False)
        losses[i], dw = logistic_loss_and_grad(X[idx], y[idx], w)
        w, config = step(w, dw, config)
    return w, losses
