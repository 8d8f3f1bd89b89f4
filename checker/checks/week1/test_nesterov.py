"""Hidden checks for exercise 08 (nesterov).

The expected trajectories are computed here from the formulas of the
exercise, independently of the learner's code, on a fixed seeded sequence of
gradients with `config` carried from one call to the next.  A last check runs
the learner's step on a quadratic and holds it against Nesterov's classic form
(gradient at θ + μ·v), computed here in θ coordinates: the look-ahead w must be
θ + μ·v at every step, and plain momentum must not pass.
"""


import numpy as np
import pytest

from checker.testing import call_step, run_trajectory, seeded_problem, state_entry
from checker.testing import assert_close



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
    run_trajectory(
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
    w0, grads = seeded_problem(40 + sum(shape), shape, 5)
    lr, mu = 0.1, 0.8
    run_trajectory(
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
        w, config = call_step(ex.nesterov_momentum, "nesterov_momentum", w, grad(w), config)
        assert_close(
            w, expected[k],
            what=f"w after {k + 1} Nesterov step(s) on f(w) = ½ wᵀAw − bᵀw from w = [1, 2] (learning_rate {lr}, momentum {mu})",
            inputs={"A": A, "b": b} if k == 0 else None,
            mistakes={PLAIN: plain[k]},
            hint="(The expected value is θ + momentum·v from Nesterov's classic update, with the gradient taken at θ + momentum·v.)",
        )


def test_defaults(ex):
    """nesterov_momentum: config None means learning_rate 1e-2 and momentum 0.9, recorded in config"""
    w0, grads = seeded_problem(50, (4,), 3)
    config = run_trajectory(
        ex.nesterov_momentum, "nesterov_momentum", w0, grads, None, _nesterov_oracle(w0, grads, 1e-2, 0.9),
        state_key="velocity",
        mistakes={PLAIN: _ws(_nesterov_oracle(w0, grads, 1e-2, 0.9, plain=True)), RESET: _ws(_nesterov_oracle(w0, grads, 1e-2, 0.9, reset=True))},
    )
    for key, default in (("learning_rate", 1e-2), ("momentum", 0.9)):
        value = state_entry(config, key, "nesterov_momentum", "Called with config=None")
        assert_close(value, default, what=f"config['{key}'] after nesterov_momentum(w, dw, None)")
