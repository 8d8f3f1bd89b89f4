"""Exercise 07 — stochastic gradient descent, plain and with momentum.

Every optimizer in this course is a function with the same shape:

    next_w, config = step(w, dw, config)

    w       the current parameters, a numpy array of any shape
    dw      the gradient of the loss at w, same shape as w
    config  a dict with the hyper-parameters and the optimizer's own state

The conventions (the checks rely on every one of them):

- `config` may be None: then start from a new, empty dict.
- A missing hyper-parameter gets its default with `config.setdefault(key, default)`,
  so after the call the dict holds every value that was used.
- A state array (here the velocity) lives in `config` under its name.  On the
  first call it is missing: start it as `np.zeros_like(w)`.  Store the new
  value back in `config` before returning, so the next call continues from it.
- Return the pair `(next_w, config)`: a new array of w's shape, and the dict.
  Updating the dict in place is fine (and expected); w and dw must not be
  modified (no `w -= ...`): build next_w as a new array.

The training loop calls a step function like this, carrying config along:

    config = {"learning_rate": 0.1}
    for ...:
        w, config = sgd_momentum(w, gradient(w), config)

Plain SGD — key `learning_rate` (default 1e-2) — steps downhill:

    next_w = w − learning_rate · dw

SGD with momentum — keys `learning_rate` (default 1e-2), `momentum` (default 0.9),
state `velocity` — keeps a running velocity, a decaying sum of past steps, so
that directions the gradients agree on speed up and zig-zags cancel out:

    v      ← momentum · v − learning_rate · dw        (v starts at zeros)
    next_w = w + v

Mind the signs: the velocity already points downhill (it holds −lr·dw), so it
is *added* to w.
"""

import numpy as np


def sgd(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """One step of plain gradient descent. Returns (next_w, config)."""
    # TODO: if config is None, use a new dict; set the default learning_rate (1e-2) with setdefault
    # TODO: next_w = w - learning_rate * dw  (a new array: do not modify w)
    # TODO: return next_w, config
    raise NotImplementedError("sgd")


def sgd_momentum(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """One step of gradient descent with momentum. Returns (next_w, config)."""
    # TODO: if config is None, use a new dict; defaults: learning_rate 1e-2, momentum 0.9
    # TODO: the velocity: config["velocity"], or np.zeros_like(w) on the first call
    # TODO: v = momentum * v - learning_rate * dw;  next_w = w + v
    # TODO: store v in config["velocity"] and return next_w, config
    raise NotImplementedError("sgd_momentum")
