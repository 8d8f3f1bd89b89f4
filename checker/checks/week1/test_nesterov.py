"""Hidden checks for exercise 08 (nesterov).

The expected trajectories are computed here from the formulas of the
exercise, independently of the learner's code, on a fixed seeded sequence of
gradients with `config` carried from one call to the next.  A last check runs
the learner's step on a quadratic and holds it against Nesterov's classic form
(gradient at θ + μ·v), computed here in θ coordinates: the look-ahead w must be
θ + μ·v at every step, and plain momentum must not pass.
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


def _nesterov_oracle(w, grads, lr, mu, reset=False, sign=1.0, plain=False, flip=False, factor=None):
    """[(w_k, v_k)] of the look-ahead form, or of a typical mistake on the same gradients.

    reset: v restarts at 0 every step; sign=-1: steps uphill; plain: plain momentum
    (w + v); flip: + momentum·v_prev instead of −; factor: in place of (1 + momentum).
    """
    v, out = np.zeros_like(w), []
    for dw in grads:
        v_prev = np.zeros_like(w) if reset else v
        v = mu * v_prev - sign * lr * dw
        if plain:
            w = w + v
        else:
            w = w + (1 if flip else -1) * mu * v_prev + (1 + mu if factor is None else factor) * v
        out.append((w, v))
    return out


def _ws(trajectory):
    return [w for w, _ in trajectory]


PLAIN = (
    "your update is plain momentum, next_w = w + v. Nesterov's look-ahead form is "
    "next_w = w - momentum * v_prev + (1 + momentum) * v. If you wrote that, check that v_prev is the velocity "
    "from before this step: a copy, not the same array updated in place (v *= ... changes v_prev too)."
)
FIRST_PLAIN = (
    "your step is w + v, the plain momentum update. On the first step v_prev is zero, so Nesterov's "
    "next_w = w - momentum * v_prev + (1 + momentum) * v is w + (1 + momentum) * v. Is the factor (1 + momentum) "
    "missing, or is v_prev the same array as v (updated in place) instead of a copy of the old velocity?"
)
RESET = (
    "the velocity is not kept between calls (it restarts from zero at every step). "
    "Store it in config['velocity'] and read it back at the next call."
)


def test_first_step(ex):
    """nesterov_momentum: the first step, from a zero velocity"""
    w = np.array([1.0, -2.0, 0.5])
    dw = np.array([0.5, 1.0, -2.0])
    v = -0.1 * dw
    _run(
        ex.nesterov_momentum, "nesterov_momentum", w, [dw], {"learning_rate": 0.1, "momentum": 0.9},
        [(w + 1.9 * v, v)], state_key="velocity",
        mistakes={
            FIRST_PLAIN: [w + v],
            "the step goes uphill: v = momentum * v - learning_rate * dw, and next_w = w - momentum * v_prev + (1 + momentum) * v.": [w - 1.9 * v],
        },
        state_mistakes={"the velocity has the opposite sign. Here v = momentum * v - learning_rate * dw (it points downhill).": [-v]},
    )


@pytest.mark.parametrize("shape", [(3,), (3, 4), (2, 5)], ids=str)
def test_velocity_kept_between_calls(ex, shape):
    """nesterov_momentum: five steps in a row, the velocity kept in config['velocity']"""
    w0, grads = _problem(40 + sum(shape), shape, 5)
    lr, mu = 0.1, 0.8
    _run(
        ex.nesterov_momentum, "nesterov_momentum", w0, grads, {"learning_rate": lr, "momentum": mu},
        _nesterov_oracle(w0, grads, lr, mu), state_key="velocity",
        mistakes={
            PLAIN: _ws(_nesterov_oracle(w0, grads, lr, mu, plain=True)),
            RESET: _ws(_nesterov_oracle(w0, grads, lr, mu, reset=True)),
            "the factor (1 + momentum) in front of v is missing: next_w = w - momentum * v_prev + (1 + momentum) * v.":
                _ws(_nesterov_oracle(w0, grads, lr, mu, factor=1.0)),
            "the sign of the momentum * v_prev term: next_w = w - momentum * v_prev + (1 + momentum) * v.":
                _ws(_nesterov_oracle(w0, grads, lr, mu, flip=True)),
            "the steps go uphill: v = momentum * v - learning_rate * dw.": _ws(_nesterov_oracle(w0, grads, lr, mu, sign=-1.0)),
            "you used the default momentum 0.9 instead of config['momentum'].": _ws(_nesterov_oracle(w0, grads, lr, 0.9)),
            "you used the default learning rate 1e-2 instead of config['learning_rate'].": _ws(_nesterov_oracle(w0, grads, 1e-2, mu)),
        },
        state_mistakes={
            "the velocity has the opposite sign. Here v = momentum * v - learning_rate * dw (it points downhill).":
                [-v for _, v in _nesterov_oracle(w0, grads, lr, mu)],
        },
    )


def test_differs_from_plain_momentum_as_it_should(ex):
    """nesterov_momentum follows Nesterov's classic update on a quadratic (and is not plain momentum)"""
    # f(θ) = ½ θᵀAθ − bᵀθ, an ill-conditioned bowl where momentum methods overshoot.
    A = np.array([[3.0, 0.5], [0.5, 0.2]])
    b = np.array([1.0, -1.0])
    lr, mu, n = 0.2, 0.9, 12

    def grad(x):
        return A @ x - b

    # Classic form, in θ coordinates: v ← μv − lr∇f(θ + μv); θ ← θ + v.  The look-ahead w is θ + μv.
    theta, v, expected = np.array([1.0, 2.0]), np.zeros(2), []
    for _ in range(n):
        v = mu * v - lr * grad(theta + mu * v)
        theta = theta + v
        expected.append(theta + mu * v)
    # Plain momentum on the same problem, for the diagnosis.
    x, u, plain = np.array([1.0, 2.0]), np.zeros(2), []
    for _ in range(n):
        u = mu * u - lr * grad(x)
        x = x + u
        plain.append(x)

    w, config = np.array([1.0, 2.0]), {"learning_rate": lr, "momentum": mu}
    for k in range(n):
        w, config = _step(ex.nesterov_momentum, "nesterov_momentum", w, grad(w), config)
        assert_close(
            w, expected[k],
            what=f"w after {k + 1} Nesterov step(s) on f(w) = ½ wᵀAw − bᵀw from w = [1, 2] (learning_rate {lr}, momentum {mu})",
            inputs={"A": A, "b": b} if k == 0 else None,
            mistakes={PLAIN: plain[k]},
            hint="(The expected value is θ + momentum·v from Nesterov's classic update, with the gradient taken at θ + momentum·v.)",
        )


def test_defaults(ex):
    """nesterov_momentum: config None means learning_rate 1e-2 and momentum 0.9, recorded in config"""
    w0, grads = _problem(50, (4,), 3)
    config = _run(
        ex.nesterov_momentum, "nesterov_momentum", w0, grads, None, _nesterov_oracle(w0, grads, 1e-2, 0.9),
        state_key="velocity",
        mistakes={PLAIN: _ws(_nesterov_oracle(w0, grads, 1e-2, 0.9, plain=True)), RESET: _ws(_nesterov_oracle(w0, grads, 1e-2, 0.9, reset=True))},
    )
    for key, default in (("learning_rate", 1e-2), ("momentum", 0.9)):
        value = _key(config, key, "nesterov_momentum", "Called with config=None")
        assert_close(value, default, what=f"config['{key}'] after nesterov_momentum(w, dw, None)")
