"""Exercise 09 (adaptive): the reference solution against independent references,
and typical mistakes caught with the message that names them."""

import numpy as np
import pytest

from tests.helpers import mutate, solution

sol = solution("adaptive")


def _grads(seed, shape=(3, 4), steps=6):
    g = np.random.default_rng(seed)
    return g.normal(size=shape), [g.normal(size=shape) for _ in range(steps)]


def test_adagrad_cache_is_the_sum_of_squares_and_first_step_is_a_sign_step():
    w0, grads = _grads(0)
    w1, config = sol.adagrad(w0, grads[0], {"learning_rate": 0.1, "epsilon": 0.0})
    np.testing.assert_allclose(w1, w0 - 0.1 * np.sign(grads[0]), rtol=1e-12)
    w = w1
    for dw in grads[1:]:
        w, config = sol.adagrad(w, dw, config)
    np.testing.assert_allclose(config["cache"], np.sum(np.square(grads), axis=0), rtol=1e-12)


def test_rmsprop_cache_is_the_exponentially_weighted_sum():
    """cache_k = Σᵢ (1 − ρ)·ρ^(k−1−i)·dwᵢ²; the first step is lr·dw / (√(1−ρ)·|dw| + ε)."""
    w0, grads = _grads(1)
    rho, lr, eps = 0.9, 0.01, 1e-8
    w, config = sol.rmsprop(w0, grads[0], {"learning_rate": lr, "decay_rate": rho, "epsilon": eps})
    np.testing.assert_allclose(w, w0 - lr * grads[0] / (np.sqrt(1 - rho) * np.abs(grads[0]) + eps), rtol=1e-12)
    for dw in grads[1:]:
        w, config = sol.rmsprop(w, dw, config)
    k = len(grads)
    weights = (1 - rho) * rho ** np.arange(k - 1, -1, -1)
    np.testing.assert_allclose(config["cache"], np.tensordot(weights, np.square(grads), axes=1), rtol=1e-12)


@pytest.mark.parametrize("step", [sol.adagrad, sol.rmsprop])
def test_steps_ignore_the_gradient_scale_when_epsilon_is_zero(step):
    """Dividing by the root of the squared gradients makes the steps invariant to dw → c·dw."""
    w0, grads = _grads(2)
    runs = []
    for c in (1.0, 1000.0):
        w, config = w0, {"epsilon": 0.0}
        for dw in grads:
            w, config = step(w, c * dw, config)
        runs.append(w)
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-12)


def test_adagrad_converges_to_lstsq_and_defaults_are_recorded():
    g = np.random.default_rng(3)
    A, b = g.normal(size=(30, 3)), g.normal(size=30)
    w_star = np.linalg.lstsq(A, b, rcond=None)[0]
    w, config = np.zeros(3), {"learning_rate": 0.5}
    for _ in range(3000):
        w, config = sol.adagrad(w, A.T @ (A @ w - b) / 30, config)
    np.testing.assert_allclose(w, w_star, atol=1e-8)
    _, config = sol.rmsprop(w, w, None)
    assert (config["learning_rate"], config["decay_rate"], config["epsilon"]) == (1e-2, 0.99, 1e-8)
    _, config = sol.adagrad(w, w, None)
    assert (config["learning_rate"], config["epsilon"]) == (1e-2, 1e-8)


ADAGRAD_STEP = 'next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])\n    config["cache"] = cache\n    return next_w, config\n\n\ndef rmsprop'


@pytest.mark.parametrize(
    "old, new, phrase",
    [
        ('config.get("cache", np.zeros_like(w)) + dw**2', 'config.get("cache", np.zeros_like(w)) + dw', "dw instead of dw**2"),
        (ADAGRAD_STEP, ADAGRAD_STEP.replace('(np.sqrt(cache) + config["epsilon"])', 'np.sqrt(cache + config["epsilon"])'), "epsilon is inside the square root"),
        (ADAGRAD_STEP, ADAGRAD_STEP.replace('(np.sqrt(cache) + config["epsilon"])', "np.sqrt(cache)"), "epsilon is missing"),
        (ADAGRAD_STEP, ADAGRAD_STEP.replace("np.sqrt(cache)", "cache"), "square root is missing"),
        ('cache = config.get("cache", np.zeros_like(w)) + dw**2', "cache = dw**2", "not kept between calls"),
        ('config.setdefault("epsilon", 1e-8)\n    cache = config.get', 'config["epsilon"] = 1e-8\n    cache = config.get', "default epsilon"),
        ("+ (1 - decay) * dw**2", "+ dw**2", "(1 - decay_rate) in front of dw**2 is missing"),
        (
            'decay * config.get("cache", np.zeros_like(w)) + (1 - decay) * dw**2',
            '(1 - decay) * config.get("cache", np.zeros_like(w)) + decay * dw**2',
            "are swapped",
        ),
        ('decay * config.get("cache", np.zeros_like(w))', "decay * np.zeros_like(w)", "not kept between calls"),
        ('decay = config["decay_rate"]', "decay = 0.99", "default decay_rate"),
    ],
    ids=["ada-dw", "ada-eps-inside", "ada-no-eps", "ada-no-sqrt", "ada-reset", "ada-eps-default",
         "rms-no-1-minus", "rms-swapped", "rms-reset", "rms-decay-ignored"],
)
def test_mutant_is_named(tmp_path, old, new, phrase):
    verdict = mutate("adaptive", tmp_path, old, new)
    assert verdict.status == "failed"
    assert phrase in verdict.message


RMSPROP_STEP = '(1 - decay) * dw**2\n    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])'


def test_rmsprop_epsilon_inside_the_root_is_named(tmp_path):
    new = RMSPROP_STEP.replace('(np.sqrt(cache) + config["epsilon"])', 'np.sqrt(cache + config["epsilon"])')
    verdict = mutate("adaptive", tmp_path, RMSPROP_STEP, new)
    assert verdict.status == "failed"
    assert "epsilon is inside the square root" in verdict.message


def test_a_wrong_default_decay_rate_is_named(tmp_path):
    verdict = mutate("adaptive", tmp_path, 'config.setdefault("decay_rate", 0.99)', 'config.setdefault("decay_rate", 0.9)')
    assert verdict.status == "failed"
    assert "the default decay_rate is 0.9;" in verdict.message, verdict.message
