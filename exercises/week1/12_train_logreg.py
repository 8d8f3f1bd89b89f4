"""Exercise 12 — training logistic regression with minibatches and any optimizer.

Everything of week 1 comes together here: a loss and its gradient, minibatches,
and an optimizer step.  The hidden checks train your loop on two noisy
concentric rings (class 1 inside, class 0 outside) with the quadratic features
[x0, x1, x0², x1², x0·x1, 1], once with each optimizer of this week (sgd,
momentum, Nesterov, AdaGrad, RMSProp, Adam), and expect at least 95% accuracy
on held-out points every time.

Inputs:
    X           (N, D) float array, the features, already expanded: the last
                column is the constant 1 (the bias), so you need not add it
    y           (N,) labels 0 or 1
    step        an optimizer with the course's convention:
                    w, config = step(w, dw, config)
    config      the optimizer's config dict, or None; hand it to step as it is
    n_iter      the number of iterations (optimizer steps)
    batch_size  the number of examples per minibatch
    rng         a numpy.random.Generator: the only source of randomness

The loop, exactly (the checks replay it with the same rng):

    w = np.zeros(D)
    repeat n_iter times:
        if batch_size >= N: idx = all N rows, in order (no random draw needed)
        else:               idx = rng.choice(N, size=batch_size, replace=False)
        loss, dw = logistic_loss_and_grad(X[idx], y[idx], w)     # on the batch only
        record loss                       # the loss BEFORE this step's update
        w, config = step(w, dw, config)   # keep BOTH results: config carries the
                                          # optimizer's state (velocity, m, v, t...)

Return (w, losses): w of shape (D,) and losses, a numpy float array of length
n_iter (losses[0] is log 2 ≈ 0.693, the loss at w = 0).  Do not modify X or y.
"""

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
    # TODO: N, D from X's shape; w = zeros of shape (D,); an array for the n_iter losses
    # TODO: each iteration: the batch's row indices (all rows if batch_size >= N,
    #       else rng.choice(N, size=batch_size, replace=False))
    # TODO: loss and gradient on that batch with logistic_loss_and_grad; record the loss
    # TODO: w, config = step(w, dw, config)
    # TODO: return w, losses
    raise NotImplementedError("train_logistic_regression")
