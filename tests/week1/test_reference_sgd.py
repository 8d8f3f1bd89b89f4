"""Exercise 07 (sgd): the reference solution against independent references,
and typical mistakes caught with the message that names them."""

import numpy as np
import pytest

from tests.helpers import mutate, solution

sol = solution("sgd")


def _least_squares(seed):
    g = np.random.default_rng(seed)
    A, b = g.normal(size=(20, 4)), g.normal(size=20)
    w_star = np.linalg.lstsq(A, b, rcond=None)[0]
    return (lambda w: A.T @ (A @ w - b) / len(b)), w_star


@pytest.mark.parametrize("step, config", [(sol.sgd, {"learning_rate": 0.3}), (sol.sgd_momentum, {"learning_rate": 0.05, "momentum": 0.9})])
def test_converges_to_the_lstsq_solution(step, config):
    grad, w_star = _least_squares(0)
    w = np.zeros(4)
    for _ in range(2000):
        w, config = step(w, grad(w), config)
    np.testing.assert_allclose(w, w_star, atol=1e-8)


def test_momentum_equals_the_heavy_ball_form():
    """The velocity form equals w_{k+1} = w_k − lr·dw_k + μ·(w_k − w_{k−1})."""
    g = np.random.default_rng(1)
    w0, grads = g.normal(size=(3, 2)), [g.normal(size=(3, 2)) for _ in range(6)]
    lr, mu = 0.1, 0.7
    w, config, ws = w0, {"learning_rate": lr, "momentum": mu}, []
    for dw in grads:
        w, config = sol.sgd_momentum(w, dw, config)
        ws.append(w)
    prev, cur = w0, w0
    for k, dw in enumerate(grads):
        prev, cur = cur, cur - lr * dw + mu * (cur - prev)
        np.testing.assert_allclose(ws[k], cur, rtol=1e-12)
    np.testing.assert_allclose(config["velocity"], ws[-1] - ws[-2], rtol=1e-12)


def test_momentum_zero_is_sgd_and_defaults_are_recorded():
    g = np.random.default_rng(2)
    w, dw = g.normal(size=5), g.normal(size=5)
    np.testing.assert_array_equal(sol.sgd_momentum(w, dw, {"momentum": 0.0})[0], sol.sgd(w, dw, None)[0])
    _, config = sol.sgd_momentum(w, dw, None)
    assert config["learning_rate"] == 1e-2 and config["momentum"] == 0.9


@pytest.mark.parametrize(
    "old, new, phrase",
    [
        ("next_w = w - config", "next_w = w + config", "goes uphill"),
        ('config.setdefault("learning_rate", 1e-2)\n    next_w', 'config["learning_rate"] = 1e-2\n    next_w', "default learning rate"),
        ('v = config.get("velocity", np.zeros_like(w))', "v = np.zeros_like(w)", "not kept between calls"),
        ('    config["velocity"] = v\n', "", "no key 'velocity'"),
        ('v = config["momentum"] * v - config["learning_rate"] * dw', 'v = config["momentum"] * v + config["learning_rate"] * dw', "goes uphill"),
        (
            'v = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + v',
            'v = config["momentum"] * v + config["learning_rate"] * dw\n    next_w = w - v',
            "opposite sign",
        ),
        (
            'v = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + v',
            'v = config["momentum"] * v + dw\n    next_w = w - config["learning_rate"] * v',
            "without the learning rate",
        ),
        ('v = config["momentum"] * v', "v = 0.9 * v", "default momentum"),
    ],
    ids=["sgd-uphill", "sgd-lr-overwritten", "velocity-reset", "velocity-not-stored", "momentum-uphill", "velocity-sign", "velocity-without-lr", "momentum-ignored"],
)
def test_mutant_is_named(tmp_path, old, new, phrase):
    verdict = mutate("sgd", tmp_path, old, new)
    assert verdict.status == "failed"
    assert phrase in verdict.message


def test_sgd_modifying_w_in_place_is_caught(tmp_path):
    verdict = mutate(
        "sgd", tmp_path,
        '    next_w = w - config["learning_rate"] * dw\n    return next_w, config',
        '    w -= config["learning_rate"] * dw\n    return w, config',
    )
    assert verdict.status == "failed"
    assert "changed its input `w` in place" in verdict.message
