"""Hidden checks for exercise 09 (adaptive).

The expected trajectories are computed here from the formulas of the
exercise, independently of the learner's code, on a fixed seeded sequence of
gradients with `config` carried from one call to the next.  Each typical
mistake gets its own trajectory on the same gradients, so the message can name
it.  Epsilon placement is tested on tiny gradients, where √cache + ε and
√(cache + ε) differ by orders of magnitude.
"""


import numpy as np
import pytest

from checker.testing import run_trajectory, seeded_problem, state_entry
from checker.testing import assert_close



def _oracle(w, grads, lr, eps, decay=None, *, reset=False, plain_dw=False, sqrt=True, eps_inside=False,
            no_one_minus=False, swapped=False):
    """[(w_k, cache_k)] of AdaGrad (decay None) or RMSProp, or of a typical mistake on the same gradients."""
    cache, out = np.zeros_like(w), []
    with np.errstate(all="ignore"):  # some mistakes take the root of a negative number
        for dw in grads:
            g2 = dw if plain_dw else dw**2
            old = np.zeros_like(w) if reset else cache
            if decay is None:
                cache = old + g2
            else:
                keep, new = (1 - decay, decay) if swapped else (decay, 1.0 if no_one_minus else 1 - decay)
                cache = keep * old + new * g2
            if not sqrt:
                denom = cache + eps
            elif eps_inside:
                denom = np.sqrt(cache + eps)
            else:
                denom = np.sqrt(cache) + eps
            w = w - lr * dw / denom
            out.append((w, cache))
    return out


def _ws(trajectory):
    return [w for w, _ in trajectory]


def _caches(trajectory):
    return [c for _, c in trajectory]


RESET = "the cache is not kept between calls (it restarts from zero at every step). Store it in config['cache'] and read it back at the next call."
PLAIN_DW = "the cache adds up dw instead of dw**2 (the squared gradient)."
NO_SQRT = "the square root is missing: divide by np.sqrt(cache) + epsilon."
EPS_INSIDE = "epsilon is inside the square root. The formula is dw / (np.sqrt(cache) + epsilon), not dw / np.sqrt(cache + epsilon)."
EPS_MISSING = "epsilon is missing: it keeps dw / np.sqrt(cache) finite where the cache is 0 (0 / 0). Divide by np.sqrt(cache) + epsilon."
EPS_DEFAULT = "you used the default epsilon 1e-8 instead of config['epsilon']."
UPHILL = "the step goes uphill: next_w = w - learning_rate * dw / (np.sqrt(cache) + epsilon)."
TINY = np.array([[1e-6, -3e-7], [0.0, 2e-5]])


# --------------------------------------------------------------------------- adagrad


def test_adagrad_first_step(ex):
    """adagrad: the first step, from an empty cache"""
    w = np.array([1.0, -2.0, 0.5])
    dw = np.array([0.5, 1.0, -2.0])
    lr, eps = 0.1, 1e-8
    traj = lambda **kw: _oracle(w, [dw], lr, eps, **kw)  # noqa: E731
    run_trajectory(
        ex.adagrad, "adagrad", w, [dw], {"learning_rate": lr}, traj(), state_key="cache",
        mistakes={PLAIN_DW: _ws(traj(plain_dw=True)), NO_SQRT: _ws(traj(sqrt=False)), UPHILL: [2 * w - traj()[0][0]],
                  "you used the default learning rate 1e-2 instead of config['learning_rate'].": _ws(_oracle(w, [dw], 1e-2, eps))},
        state_mistakes={PLAIN_DW: _caches(traj(plain_dw=True))},
    )


@pytest.mark.parametrize("shape", [(3,), (3, 4), (2, 5)], ids=str)
def test_adagrad_cache_kept_between_calls(ex, shape):
    """adagrad: five steps in a row, the squared gradients summed in config['cache']"""
    w0, grads = seeded_problem(60 + sum(shape), shape, 5)
    lr, eps = 0.05, 1e-8
    traj = lambda **kw: _oracle(w0, grads, lr, eps, **kw)  # noqa: E731
    run_trajectory(
        ex.adagrad, "adagrad", w0, grads, {"learning_rate": lr, "epsilon": eps}, traj(), state_key="cache",
        mistakes={
            RESET: _ws(traj(reset=True)), PLAIN_DW: _ws(traj(plain_dw=True)), NO_SQRT: _ws(traj(sqrt=False)),
            EPS_INSIDE: _ws(traj(eps_inside=True)), EPS_MISSING: _ws(_oracle(w0, grads, lr, 0.0)),
        },
        state_mistakes={PLAIN_DW: _caches(traj(plain_dw=True))},
    )


def test_adagrad_epsilon_placement(ex):
    """adagrad: epsilon is added after the square root (tiny gradients show the difference)"""
    w = np.array([[0.5, -1.0], [2.0, 0.25]])
    lr, eps = 0.1, 1e-7
    traj = lambda **kw: _oracle(w, [TINY], lr, eps, **kw)  # noqa: E731
    run_trajectory(
        ex.adagrad, "adagrad", w, [TINY], {"learning_rate": lr, "epsilon": eps}, traj(), state_key="cache", dw_scale=1e-6,
        mistakes={
            EPS_INSIDE: _ws(traj(eps_inside=True)),
            EPS_MISSING: _ws(_oracle(w, [TINY], lr, 0.0)),
            EPS_DEFAULT: _ws(_oracle(w, [TINY], lr, 1e-8)),
        },
    )


def test_adagrad_defaults(ex):
    """adagrad: config None means learning_rate 1e-2 and epsilon 1e-8, recorded in config"""
    w0, grads = seeded_problem(70, (4,), 3)
    config = run_trajectory(ex.adagrad, "adagrad", w0, grads, None, _oracle(w0, grads, 1e-2, 1e-8), state_key="cache",
                  mistakes={RESET: _ws(_oracle(w0, grads, 1e-2, 1e-8, reset=True))})
    for key, default in (("learning_rate", 1e-2), ("epsilon", 1e-8)):
        value = state_entry(config, key, "adagrad", "Called with config=None")
        assert_close(value, default, what=f"config['{key}'] after adagrad(w, dw, None)", rtol=1e-12, atol=0)


# --------------------------------------------------------------------------- rmsprop


def test_rmsprop_first_step(ex):
    """rmsprop: the first step, from an empty cache"""
    w = np.array([1.0, -2.0, 0.5])
    dw = np.array([0.5, 1.0, -2.0])
    lr, decay, eps = 0.01, 0.9, 1e-8
    traj = lambda **kw: _oracle(w, [dw], lr, eps, decay, **kw)  # noqa: E731
    run_trajectory(
        ex.rmsprop, "rmsprop", w, [dw], {"learning_rate": lr, "decay_rate": decay}, traj(), state_key="cache",
        mistakes={
            "the factor (1 - decay_rate) in front of dw**2 is missing: cache = decay_rate * cache + (1 - decay_rate) * dw**2.":
                _ws(traj(no_one_minus=True)),
            "decay_rate and (1 - decay_rate) are swapped: the old cache is multiplied by decay_rate, dw**2 by (1 - decay_rate).":
                _ws(traj(swapped=True)),
            "you used the default decay_rate 0.99 instead of config['decay_rate'].": _ws(_oracle(w, [dw], lr, eps, 0.99)),
            PLAIN_DW: _ws(traj(plain_dw=True)),
            NO_SQRT: _ws(traj(sqrt=False)),
            UPHILL: [2 * w - traj()[0][0]],
        },
        state_mistakes={
            "the factor (1 - decay_rate) in front of dw**2 is missing.": _caches(traj(no_one_minus=True)),
            "decay_rate and (1 - decay_rate) are swapped.": _caches(traj(swapped=True)),
        },
    )


@pytest.mark.parametrize("shape", [(3,), (3, 4), (2, 5)], ids=str)
def test_rmsprop_cache_kept_between_calls(ex, shape):
    """rmsprop: five steps in a row, a leaky average of dw² in config['cache']"""
    w0, grads = seeded_problem(80 + sum(shape), shape, 5)
    lr, decay, eps = 0.01, 0.8, 1e-8
    traj = lambda **kw: _oracle(w0, grads, lr, eps, decay, **kw)  # noqa: E731
    run_trajectory(
        ex.rmsprop, "rmsprop", w0, grads, {"learning_rate": lr, "decay_rate": decay, "epsilon": eps}, traj(),
        state_key="cache",
        mistakes={
            RESET: _ws(traj(reset=True)),
            "the factor (1 - decay_rate) in front of dw**2 is missing.": _ws(traj(no_one_minus=True)),
            "decay_rate and (1 - decay_rate) are swapped.": _ws(traj(swapped=True)),
            "you used the default decay_rate 0.99 instead of config['decay_rate'].": _ws(_oracle(w0, grads, lr, eps, 0.99)),
            PLAIN_DW: _ws(traj(plain_dw=True)),
            EPS_INSIDE: _ws(traj(eps_inside=True)),
            EPS_MISSING: _ws(_oracle(w0, grads, lr, 0.0, decay)),
        },
        state_mistakes={RESET: _caches(traj(reset=True))},
    )


def test_rmsprop_epsilon_placement(ex):
    """rmsprop: epsilon is added after the square root (tiny gradients show the difference)"""
    w = np.array([[0.5, -1.0], [2.0, 0.25]])
    lr, decay, eps = 0.01, 0.99, 1e-7
    traj = lambda **kw: _oracle(w, [TINY], lr, eps, decay, **kw)  # noqa: E731
    run_trajectory(
        ex.rmsprop, "rmsprop", w, [TINY], {"learning_rate": lr, "decay_rate": decay, "epsilon": eps}, traj(),
        state_key="cache", dw_scale=1e-6,
        mistakes={
            EPS_INSIDE: _ws(traj(eps_inside=True)),
            EPS_MISSING: _ws(_oracle(w, [TINY], lr, 0.0, decay)),
            EPS_DEFAULT: _ws(_oracle(w, [TINY], lr, 1e-8, decay)),
        },
    )


def test_rmsprop_defaults(ex):
    """rmsprop: config None means learning_rate 1e-2, decay_rate 0.99, epsilon 1e-8, recorded in config"""
    w0, grads = seeded_problem(90, (4,), 3)
    config = run_trajectory(ex.rmsprop, "rmsprop", w0, grads, None, _oracle(w0, grads, 1e-2, 1e-8, 0.99), state_key="cache",
                  mistakes={RESET: _ws(_oracle(w0, grads, 1e-2, 1e-8, 0.99, reset=True)),
                            **{f"the default decay_rate is {wrong}; RMSProp's is 0.99 "
                               "(config.setdefault('decay_rate', 0.99)).": _ws(_oracle(w0, grads, 1e-2, 1e-8, wrong))
                               for wrong in (0.9, 0.999)}})
    for key, default in (("learning_rate", 1e-2), ("decay_rate", 0.99), ("epsilon", 1e-8)):
        value = state_entry(config, key, "rmsprop", "Called with config=None")
        assert_close(value, default, what=f"config['{key}'] after rmsprop(w, dw, None)", rtol=1e-12, atol=0)
