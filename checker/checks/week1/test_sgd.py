"""Hidden checks for exercise 07 (sgd).

The expected trajectories are computed here by a few lines of numpy that follow
the formulas of the exercise, independently of the learner's code.  Gradients
are a fixed seeded sequence, so an oracle trajectory (and the trajectory of
each typical mistake) can be computed in advance and compared step by step,
with `config` carried from one call to the next as a training loop does.
"""

import copy

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, call_unchanged, fail, rng

# --------------------------------------------------------------------------- helpers (the same in 07, 08, 09)


def _step(fn, name, w, dw, config):
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


def _key(config, key, name, when):
    if key not in config:
        fail(
            f"{when}, the config returned by {name} has no key '{key}' (its keys: {sorted(config)}).\n"
            f"Store it in config['{key}'] (state) or set it with config.setdefault('{key}', ...) (hyper-parameter), "
            "so that the next call continues from it."
        )
    return config[key]


def _run(fn, name, w0, grads, config, expected, state_key=None, mistakes=None, state_mistakes=None):
    """Carry config through len(grads) calls, as a training loop does; compare next_w
    (and the state) after each step.

    `expected` is a list of (w_k, state_k) from the oracle; `mistakes` / `state_mistakes`
    map a described mistake to its own list of w_k / state_k on the same gradients.
    """
    w, n = w0, len(grads)
    small = w0.size <= 6
    for k, dw in enumerate(grads):
        before = copy.deepcopy(config)
        where = f"step {k + 1} of {n}" + (" (config carried over from the previous call)" if k else "")
        inputs = {"w": w, "dw": dw, "config before the step": before} if small else None
        w, config = _step(fn, name, w, dw, config)
        exp_w, exp_state = expected[k]
        assert_close(
            w, exp_w, what=f"next_w from {name} at {where}", inputs=inputs,
            mistakes={d: m[k] for d, m in (mistakes or {}).items()},
        )
        if state_key is not None:
            state = assert_array(_key(config, state_key, name, f"After {where}"), what=f"config['{state_key}'] after {where}")
            assert_close(
                state, exp_state, what=f"config['{state_key}'] after {where}", inputs=inputs,
                mistakes={d: m[k] for d, m in (state_mistakes or {}).items()},
            )
    return config


def _problem(seed, shape, steps):
    g = rng(seed)
    return g.normal(size=shape), [g.normal(size=shape) for _ in range(steps)]


def _momentum_oracle(w, grads, lr, mu, reset=False, sign=1.0):
    """[(w_k, v_k)] for v ← mu·v − sign·lr·dw, w ← w + v (reset: v starts at 0 every step)."""
    v, out = np.zeros_like(w), []
    for dw in grads:
        v = (0.0 if reset else mu) * v - sign * lr * dw
        w = w + v
        out.append((w, v))
    return out


# --------------------------------------------------------------------------- sgd


def test_sgd_tiny_example(ex):
    """sgd: one step downhill, w − learning_rate · dw"""
    w = np.array([1.0, -2.0, 0.5])
    dw = np.array([0.5, 1.0, -2.0])
    next_w, _ = _step(ex.sgd, "sgd", w, dw, {"learning_rate": 0.1})
    assert_close(
        next_w, w - 0.1 * dw, what="next_w from sgd(w, dw, {'learning_rate': 0.1})", inputs={"w": w, "dw": dw},
        mistakes={
            "the step goes uphill: subtract the gradient, next_w = w - learning_rate * dw.": w + 0.1 * dw,
            "the learning rate is missing: multiply dw by config['learning_rate'].": w - dw,
            "you used the default learning rate 1e-2 instead of the value in config['learning_rate'].": w - 0.01 * dw,
        },
    )


def test_sgd_defaults(ex):
    """sgd: config None or {} means learning_rate 1e-2, recorded in the returned config"""
    w, (dw,) = _problem(1, (2, 3), 1)
    for given in (None, {}):
        label = "None" if given is None else "{}"
        next_w, config = _step(ex.sgd, "sgd", w, dw, given)
        assert_close(next_w, w - 1e-2 * dw, what=f"next_w from sgd(w, dw, config={label})",
                     mistakes={"the step goes uphill: subtract the gradient.": w + 1e-2 * dw})
        lr = _key(config, "learning_rate", "sgd", f"Called with config={label}")
        assert_close(lr, 1e-2, what=f"config['learning_rate'] after sgd(w, dw, config={label})")


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)], ids=str)
def test_sgd_several_steps(ex, shape):
    """sgd: several steps in a row, for w of several shapes"""
    w0, grads = _problem(10 + len(shape), shape, 4)
    expected, w = [], w0
    for dw in grads:
        w = w - 0.05 * dw
        expected.append((w, None))
    _run(ex.sgd, "sgd", w0, grads, {"learning_rate": 0.05}, expected)


# --------------------------------------------------------------------------- sgd_momentum


def test_momentum_first_step(ex):
    """sgd_momentum: the first step, from a zero velocity"""
    w = np.array([1.0, -2.0, 0.5])
    dw = np.array([0.5, 1.0, -2.0])
    config = {"learning_rate": 0.1, "momentum": 0.9}
    v = -0.1 * dw
    _run(
        ex.sgd_momentum, "sgd_momentum", w, [dw], config, [(w + v, v)], state_key="velocity",
        mistakes={"the step goes uphill: v = momentum * v - learning_rate * dw, then next_w = w + v.": [w - v]},
        state_mistakes={
            "the velocity has the opposite sign. Here v = momentum * v - learning_rate * dw (it points downhill) and next_w = w + v.": [-v],
            "you stored v = momentum * v + dw (the form without the learning rate). The convention here is "
            "v = momentum * v - learning_rate * dw, and next_w = w + v.": [dw],
        },
    )


@pytest.mark.parametrize("shape", [(3,), (3, 4), (2, 5)], ids=str)
def test_momentum_velocity_kept_between_calls(ex, shape):
    """sgd_momentum: five steps in a row, the velocity kept in config['velocity']"""
    w0, grads = _problem(20 + sum(shape), shape, 5)
    lr, mu = 0.1, 0.8
    _run(
        ex.sgd_momentum, "sgd_momentum", w0, grads, {"learning_rate": lr, "momentum": mu},
        _momentum_oracle(w0, grads, lr, mu), state_key="velocity",
        mistakes={
            "the velocity is not kept between calls (it restarts from zero at every step, which is plain SGD). "
            "Store it in config['velocity'] and read it back at the next call.": [w for w, _ in _momentum_oracle(w0, grads, lr, mu, reset=True)],
            "the steps go uphill: v = momentum * v - learning_rate * dw, then next_w = w + v.": [w for w, _ in _momentum_oracle(w0, grads, lr, mu, sign=-1.0)],
            "you used the default momentum 0.9 instead of config['momentum'].": [w for w, _ in _momentum_oracle(w0, grads, lr, 0.9)],
            "you used the default learning rate 1e-2 instead of config['learning_rate'].": [w for w, _ in _momentum_oracle(w0, grads, 1e-2, mu)],
        },
        state_mistakes={
            "the velocity has the opposite sign (v = momentum * v + learning_rate * dw with next_w = w - v gives the same "
            "steps, but the convention here is v = momentum * v - learning_rate * dw and next_w = w + v).": [-v for _, v in _momentum_oracle(w0, grads, lr, mu)],
            "you stored v = momentum * v + dw (the form without the learning rate). The convention here is "
            "v = momentum * v - learning_rate * dw, and next_w = w + v.": [-v / lr for _, v in _momentum_oracle(w0, grads, lr, mu)],
        },
    )


def test_momentum_defaults(ex):
    """sgd_momentum: config None means learning_rate 1e-2 and momentum 0.9, recorded in config"""
    w0, grads = _problem(30, (4,), 3)
    config = _run(
        ex.sgd_momentum, "sgd_momentum", w0, grads, None, _momentum_oracle(w0, grads, 1e-2, 0.9), state_key="velocity",
        mistakes={"the velocity is not kept between calls (it restarts from zero at every step). Store it in config['velocity'].":
                  [w for w, _ in _momentum_oracle(w0, grads, 1e-2, 0.9, reset=True)]},
    )
    for key, default in (("learning_rate", 1e-2), ("momentum", 0.9)):
        value = _key(config, key, "sgd_momentum", "Called with config=None")
        assert_close(value, default, what=f"config['{key}'] after sgd_momentum(w, dw, None)")
