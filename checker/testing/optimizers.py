"""Checks for the course's optimizers: `step(w, dw, config) -> (next_w, config)`.

Shared by the hidden checks of every optimizer exercise (SGD, momentum,
Nesterov, AdaGrad, RMSProp, Adam): call a step with its return value
validated and its inputs guarded, and carry `config` through a whole
trajectory as a training loop does, comparing each step with an oracle.
"""

from __future__ import annotations

import copy

from checker.testing.asserts import assert_array, assert_close, fail, rng
from checker.testing.guards import call_unchanged


def call_step(fn, name, w, dw, config):
    """One call of an optimizer step: validated return, w and dw guarded."""
    result = call_unchanged(fn, w, dw, config, what=name, names=["w", "dw", "config"])
    if result is None:
        fail(f"{name} returned None.\nDid you forget `return next_w, config`?")
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{name} returned {type(result).__name__}; expected the pair (next_w, config): `return next_w, config`.")
    next_w, new_config = result
    if isinstance(next_w, dict):
        fail(f"{name} returned (config, next_w); return them in the order (next_w, config).")
    next_w = assert_array(next_w, what=f"next_w from {name}", shape=w.shape)
    if not isinstance(new_config, dict):
        fail(f"{name} returned {type(new_config).__name__} as config; return the dict that holds the hyper-parameters and the state.")
    return next_w, new_config


def state_entry(config, key, name, when):
    if key not in config:
        fail(
            f"{when}, the config returned by {name} has no key '{key}' (its keys: {sorted(config)}).\n"
            f"Store it in config['{key}'] (state) or set it with config.setdefault('{key}', ...) (hyper-parameter), "
            "so that the next call continues from it."
        )
    return config[key]


def run_trajectory(fn, name, w0, grads, config, expected, state_key=None, mistakes=None, state_mistakes=None, dw_scale=None):
    """Carry config through len(grads) calls, as a training loop does; compare next_w
    (and the state) after each step.

    `expected` is a list of (w_k, state_k) from the oracle; `mistakes` / `state_mistakes`
    map a described mistake to its own list of w_k / state_k on the same gradients.
    Tiny gradients are shown divided by `dw_scale`, so that they do not print as 0.
    """
    w, n = w0, len(grads)
    small = w0.size <= 6
    for k, dw in enumerate(grads):
        before = copy.deepcopy(config)
        where = f"step {k + 1} of {n}" + (" (config carried over from the previous call)" if k else "")
        shown = {"dw": dw} if dw_scale is None else {f"dw / {dw_scale:g}": dw / dw_scale}
        inputs = {"w": w, **shown, "config before the step": before} if small else None
        w, config = call_step(fn, name, w, dw, config)
        exp_w, exp_state = expected[k]
        assert_close(
            w, exp_w, what=f"next_w from {name} at {where}", inputs=inputs,
            mistakes={d: m[k] for d, m in (mistakes or {}).items()},
        )
        if state_key is not None:
            state = assert_array(state_entry(config, state_key, name, f"After {where}"), what=f"config['{state_key}'] after {where}")
            assert_close(
                state, exp_state, what=f"config['{state_key}'] after {where}", inputs=inputs,
                mistakes={d: m[k] for d, m in (state_mistakes or {}).items()},
            )
    return config


def seeded_problem(seed, shape, steps):
    g = rng(seed)
    return g.normal(size=shape), [g.normal(size=shape) for _ in range(steps)]
