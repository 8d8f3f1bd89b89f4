"""Exercise 08 — Nesterov momentum.

Plain momentum (exercise 07) first computes the gradient, then lets the
velocity carry w further.  Nesterov's idea: since w is about to move by μ·v
anyway, compute the gradient *there*, at the look-ahead point, and correct
the step with what you see.  In its classic form, with parameters θ:

    v ← μ · v − lr · ∇f(θ + μ · v)
    θ ← θ + v

A training loop can only give the gradient at the parameters it holds, so we
store the look-ahead point itself: w = θ + μ·v, and dw = ∇f(w).  Rewriting the
classic update in terms of w (v_prev is the velocity before the step):

    next_w = θ_new + μ · v_new
           = (θ + v_new) + μ · v_new
           = (w − μ · v_prev) + (1 + μ) · v_new        since θ = w − μ · v_prev

So one step of Nesterov momentum, in this look-ahead form, is

    v_prev = v                              (the old velocity, kept aside)
    v      ← momentum · v − learning_rate · dw
    next_w = w − momentum · v_prev + (1 + momentum) · v

It differs from plain momentum (next_w = w + v) by the correction
momentum · (v − v_prev): when the gradient at the look-ahead point disagrees
with the velocity, Nesterov brakes earlier.  Careful with v_prev: it must be
the *old* velocity, not the same array after you updated it in place.

Conventions (as for every optimizer in the course):

- `config` may be None: then start from a new, empty dict.
- Keys and defaults, set with `config.setdefault(key, default)`:
  `learning_rate` (1e-2), `momentum` (0.9).
- State: `velocity`, starting as `np.zeros_like(w)`; store the new one in
  config["velocity"] before returning.
- Return `(next_w, config)`.  Updating the dict in place is fine; w and dw must
  not be modified.
"""

import numpy as np


def nesterov_momentum(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """One step of Nesterov momentum (look-ahead form). Returns (next_w, config)."""
    # TODO: if config is None, use a new dict; defaults: learning_rate 1e-2, momentum 0.9
    # TODO: v_prev = the velocity from config (np.zeros_like(w) on the first call)
    # TODO: v = momentum * v_prev - learning_rate * dw
    # TODO: next_w = w - momentum * v_prev + (1 + momentum) * v
    # TODO: store v in config["velocity"] and return next_w, config
    raise NotImplementedError("nesterov_momentum")
