"""Exercise 08 (nesterov): the reference solution against independent references,
and typical mistakes caught with the message that names them."""

import numpy as np
import pytest

from tests.helpers import mutate, solution

sol = solution("nesterov")


def test_look_ahead_form_equals_the_classic_form():
    """On a quadratic, w_k = θ_k + μ·v_k of the classic update, and it is not plain momentum."""
    g = np.random.default_rng(0)
    M = g.normal(size=(4, 4))
    A, b = M @ M.T + 0.1 * np.eye(4), g.normal(size=4)
    lr, mu = 0.05, 0.9
    w, config = np.ones(4), {"learning_rate": lr, "momentum": mu}
    theta, v = np.ones(4), np.zeros(4)
    x, u = np.ones(4), np.zeros(4)
    differs = False
    for _ in range(30):
        w, config = sol.nesterov_momentum(w, A @ w - b, config)
        v = mu * v - lr * (A @ (theta + mu * v) - b)
        theta = theta + v
        np.testing.assert_allclose(w, theta + mu * v, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(config["velocity"], v, rtol=1e-10, atol=1e-12)
        u = mu * u - lr * (A @ x - b)
        x = x + u
        differs |= not np.allclose(w, x)
    assert differs, "the quadratic should tell Nesterov from plain momentum"


def test_equals_the_pytorch_form():
    """PyTorch's nesterov=True: buf ← μ·buf + g; w ← w − lr·(g + μ·buf) (same trajectory, velocity = −lr·buf)."""
    g = np.random.default_rng(1)
    w0, grads = g.normal(size=(2, 3)), [g.normal(size=(2, 3)) for _ in range(8)]
    lr, mu = 0.1, 0.7
    w, config, buf, p = w0, {"learning_rate": lr, "momentum": mu}, np.zeros((2, 3)), w0
    for dw in grads:
        w, config = sol.nesterov_momentum(w, dw, config)
        buf = mu * buf + dw
        p = p - lr * (dw + mu * buf)
        np.testing.assert_allclose(w, p, rtol=1e-12)
        np.testing.assert_allclose(config["velocity"], -lr * buf, rtol=1e-12)


def test_converges_and_records_defaults():
    g = np.random.default_rng(2)
    A, b = g.normal(size=(30, 3)), g.normal(size=30)
    w_star = np.linalg.lstsq(A, b, rcond=None)[0]
    w, config = np.zeros(3), None
    for _ in range(3000):
        w, config = sol.nesterov_momentum(w, A.T @ (A @ w - b) / 30, config)
    np.testing.assert_allclose(w, w_star, atol=1e-8)
    assert config["learning_rate"] == 1e-2 and config["momentum"] == 0.9


@pytest.mark.parametrize(
    "old, new, phrase",
    [
        ("next_w = w - mu * v_prev + (1 + mu) * v", "next_w = w + v", "plain momentum"),
        (
            'v_prev = config.get("velocity", np.zeros_like(w))\n    v = mu * v_prev - config["learning_rate"] * dw',
            'v_prev = config.setdefault("velocity", np.zeros_like(w))\n    v = v_prev\n    v *= mu\n    v -= config["learning_rate"] * dw',
            "same array as v",
        ),
        ("(1 + mu) * v", "v", "factor (1 + momentum)"),
        ("next_w = w - mu * v_prev", "next_w = w + mu * v_prev", "sign of the momentum * v_prev term"),
        ('v_prev = config.get("velocity", np.zeros_like(w))', "v_prev = np.zeros_like(w)", "not kept between calls"),
        (
            'v = mu * v_prev - config["learning_rate"] * dw\n    next_w = w - mu * v_prev + (1 + mu) * v',
            'v = mu * v_prev + config["learning_rate"] * dw\n    next_w = w + mu * v_prev - (1 + mu) * v',
            "opposite sign",
        ),
    ],
    ids=["plain-momentum", "aliased-v_prev", "no-1+mu", "flipped-mu-term", "velocity-reset", "velocity-sign"],
)
def test_mutant_is_named(tmp_path, old, new, phrase):
    verdict = mutate("nesterov", tmp_path, old, new)
    assert verdict.status == "failed"
    assert phrase in verdict.message
