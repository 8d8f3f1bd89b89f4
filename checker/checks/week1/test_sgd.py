"""Hidden checks for exercise 07 (sgd).

The expected trajectories are computed here by a few lines of numpy that follow
the formulas of the exercise, independently of the learner's code.  Gradients
are a fixed seeded sequence, so an oracle trajectory (and the trajectory of
each typical mistake) can be computed in advance and compared step by step,
with `config` carried from one call to the next as a training loop does.
"""


import numpy as np
import pytest

from checker.testing import call_step, run_trajectory, seeded_problem, state_entry
from checker.testing import assert_close



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
    next_w, _ = call_step(ex.sgd, "sgd", w, dw, {"learning_rate": 0.1})
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
    w, (dw,) = seeded_problem(1, (2, 3), 1)
    for given in (None, {}):
        label = "None" if given is None else "{}"
        next_w, config = call_step(ex.sgd, "sgd", w, dw, given)
        assert_close(next_w, w - 1e-2 * dw, what=f"next_w from sgd(w, dw, config={label})",
                     mistakes={"the step goes uphill: subtract the gradient.": w + 1e-2 * dw})
        lr = state_entry(config, "learning_rate", "sgd", f"Called with config={label}")
        assert_close(lr, 1e-2, what=f"config['learning_rate'] after sgd(w, dw, config={label})")


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)], ids=str)
def test_sgd_several_steps(ex, shape):
    """sgd: several steps in a row, for w of several shapes"""
    w0, grads = seeded_problem(10 + len(shape), shape, 4)
    expected, w = [], w0
    for dw in grads:
        w = w - 0.05 * dw
        expected.append((w, None))
    run_trajectory(ex.sgd, "sgd", w0, grads, {"learning_rate": 0.05}, expected)


# --------------------------------------------------------------------------- sgd_momentum


def test_momentum_first_step(ex):
    """sgd_momentum: the first step, from a zero velocity"""
    w = np.array([1.0, -2.0, 0.5])
    dw = np.array([0.5, 1.0, -2.0])
    config = {"learning_rate": 0.1, "momentum": 0.9}
    v = -0.1 * dw
    run_trajectory(
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
    w0, grads = seeded_problem(20 + sum(shape), shape, 5)
    lr, mu = 0.1, 0.8
    run_trajectory(
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
    w0, grads = seeded_problem(30, (4,), 3)
    config = run_trajectory(
        ex.sgd_momentum, "sgd_momentum", w0, grads, None, _momentum_oracle(w0, grads, 1e-2, 0.9), state_key="velocity",
        mistakes={"the velocity is not kept between calls (it restarts from zero at every step). Store it in config['velocity'].":
                  [w for w, _ in _momentum_oracle(w0, grads, 1e-2, 0.9, reset=True)]},
    )
    for key, default in (("learning_rate", 1e-2), ("momentum", 0.9)):
        value = state_entry(config, key, "sgd_momentum", "Called with config=None")
        assert_close(value, default, what=f"config['{key}'] after sgd_momentum(w, dw, None)")
