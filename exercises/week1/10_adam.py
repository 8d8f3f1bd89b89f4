"""Exercise 10 — Adam.

Adam keeps two running averages of the gradient dw, both the same shape as w:

    m ← β1·m + (1 − β1)·dw          the mean of dw (the "first moment")
    v ← β2·v + (1 − β2)·dw²         the mean of dw², elementwise (the "second moment")

Both start at zero, so in the first steps they are biased towards zero
(after one step m = 0.1·dw with β1 = 0.9).  Adam corrects that bias, with the
step counter t that counts this step too:

    t ← t + 1                       first, before it is used: the first step has t = 1
    m̂ = m / (1 − β1ᵗ)
    v̂ = v / (1 − β2ᵗ)
    next_w = w − learning_rate · m̂ / (√v̂ + ε)

ε goes outside the square root; it only keeps the division away from 0/0.

The optimizer convention of this course (shared by sgd, sgd_momentum,
nesterov_momentum, adagrad, rmsprop and adam):

    next_w, config = adam(w, dw, config)

- `config` is a dict with the hyper-parameters AND the optimizer's state.  It may
  be None: then start a new dict ({}).  Fill in missing hyper-parameters with
  `config.setdefault(key, default)` (keep the values the caller chose):
      learning_rate 1e-3,   beta1 0.9,   beta2 0.999,   epsilon 1e-8
- The state lives in the same dict under these keys:
      "m", "v"   arrays shaped like w, starting as np.zeros_like(w)
      "t"        the number of steps taken so far: 0 before the first step,
                 1 after it, 2 after the second, ...
- Return the tuple (next_w, config).  next_w is a new float array of w's shape;
  never modify w or dw in place (no `w -= ...`).  Updating the state arrays
  inside `config` is fine.

The caller feeds the returned config back in at the next step:

    config = None
    for dw in gradients:
        w, config = adam(w, dw, config)
"""

import numpy as np


def adam(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """One Adam step: returns (next_w, config) with config's m, v and t updated."""
    # TODO: if config is None, start a new dict; setdefault the four hyper-parameters
    # TODO: setdefault the state: m and v as np.zeros_like(w), t as 0
    # TODO: t ← t + 1 (before using it), then update m and v
    # TODO: the bias-corrected m̂ and v̂, then next_w = w − lr · m̂ / (√v̂ + ε)
    # TODO: store m, v, t back in config and return (next_w, config)
    raise NotImplementedError("adam")
