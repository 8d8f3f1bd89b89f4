"""Exercise 09 — adaptive learning rates: AdaGrad and RMSProp.

One learning rate for every weight is a poor fit when some weights get large
gradients and others tiny ones.  Adaptive methods keep, per weight, a running
measure of the squared gradients (the `cache`, same shape as w) and divide each
step by its square root: weights with large gradients take smaller steps.
All operations are element-wise.

AdaGrad — keys `learning_rate` (default 1e-2), `epsilon` (default 1e-8), state
`cache` — sums every squared gradient it has seen, so its steps only shrink:

    cache  ← cache + dw²
    next_w = w − learning_rate · dw / (√cache + epsilon)

RMSProp — keys `learning_rate` (default 1e-2), `decay_rate` (default 0.99),
`epsilon` (default 1e-8), state `cache` — uses a leaky average instead, which
forgets old gradients, so the steps do not die out:

    cache  ← decay_rate · cache + (1 − decay_rate) · dw²
    next_w = w − learning_rate · dw / (√cache + epsilon)

Where epsilon goes matters: it is added *after* the square root, √cache + ε.
It keeps the division finite where the cache is 0; √(cache + ε) is a different
formula, and it changes the step a lot when the gradients are tiny (for
dw ≈ 1e-6, √cache ≈ 1e-6 but √(cache + 1e-8) ≈ 1e-4).

Conventions (as for every optimizer in the course):

- `config` may be None: then start from a new, empty dict.
- Missing keys get their defaults with `config.setdefault(key, default)`.
- The state `cache` starts as `np.zeros_like(w)`; store the new one in
  config["cache"] before returning, so the next call continues from it.
- Return `(next_w, config)`.  Updating the dict in place is fine; w and dw must
  not be modified.
"""

import numpy as np


def adagrad(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """One AdaGrad step. Returns (next_w, config)."""
    # TODO: if config is None, use a new dict; defaults: learning_rate 1e-2, epsilon 1e-8
    # TODO: cache = config["cache"] (np.zeros_like(w) on the first call) + dw**2
    # TODO: next_w = w - learning_rate * dw / (np.sqrt(cache) + epsilon)
    # TODO: store cache in config["cache"] and return next_w, config
    raise NotImplementedError("adagrad")


def rmsprop(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """One RMSProp step. Returns (next_w, config)."""
    # TODO: if config is None, use a new dict; defaults: learning_rate 1e-2, decay_rate 0.99, epsilon 1e-8
    # TODO: cache = decay_rate * cache + (1 - decay_rate) * dw**2  (cache starts as np.zeros_like(w))
    # TODO: next_w = w - learning_rate * dw / (np.sqrt(cache) + epsilon)
    # TODO: store cache in config["cache"] and return next_w, config
    raise NotImplementedError("rmsprop")
