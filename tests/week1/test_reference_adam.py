"""Exercise 10 (adam): the reference solution against independent references,
and typical mistakes caught with the message that names them."""

import numpy as np
import pytest

from tests.helpers import mutate, solution

sol = solution("adam")


def _run(w, dws, config=None):
    out = []
    for dw in dws:
        w, config = sol.adam(w, dw, config)
        out.append(w)
    return out, config


@pytest.mark.parametrize("seed", range(4))
def test_constant_gradient_closed_form(seed):
    """With a constant gradient g the bias correction is exact: m̂ = g, v̂ = g², so every
    step is −lr·g/(|g| + ε)."""
    g = np.random.default_rng(seed)
    w0, grad = g.normal(size=(3, 4)), g.normal(size=(3, 4))
    lr, eps = 0.01, 1e-8
    trajectory, config = _run(w0, [grad] * 7, {"learning_rate": lr})
    for k, w in enumerate(trajectory, start=1):
        np.testing.assert_allclose(w, w0 - k * lr * grad / (np.abs(grad) + eps), rtol=1e-12, atol=1e-12)
    assert config["t"] == 7


@pytest.mark.parametrize("seed", range(4))
def test_equals_the_unrolled_sums(seed):
    """m_t and v_t written as explicit weighted sums of all past gradients, not recursions."""
    g = np.random.default_rng(10 + seed)
    b1, b2, lr, eps = 0.8, 0.95, 0.05, 1e-6
    w0 = g.normal(size=5)
    dws = [g.normal(size=5) for _ in range(6)]
    trajectory, config = _run(w0, dws, {"learning_rate": lr, "beta1": b1, "beta2": b2, "epsilon": eps})
    w = w0
    for t in range(1, 7):
        m = sum((1 - b1) * b1 ** (t - i) * dws[i - 1] for i in range(1, t + 1))
        v = sum((1 - b2) * b2 ** (t - i) * dws[i - 1] ** 2 for i in range(1, t + 1))
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        np.testing.assert_allclose(trajectory[t - 1], w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(config["m"], m, rtol=1e-12)
    np.testing.assert_allclose(config["v"], v, rtol=1e-12)


def test_defaults_state_and_inputs():
    w, dw = np.array([1.0, -2.0]), np.array([0.3, -0.4])
    w_copy, dw_copy = w.copy(), dw.copy()
    next_w, config = sol.adam(w, dw, None)
    assert {k: config[k] for k in ("learning_rate", "beta1", "beta2", "epsilon")} == {
        "learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
    assert config["t"] == 1 and next_w.shape == w.shape
    assert np.array_equal(w, w_copy) and np.array_equal(dw, dw_copy)


def test_minimizes_a_badly_scaled_bowl():
    """Adam's per-coordinate scaling handles curvatures 1 and 1000 alike."""
    scale, target = np.array([1.0, 1000.0]), np.array([3.0, -2.0])
    w, config = np.zeros(2), {"learning_rate": 0.05}
    for _ in range(2000):
        w, config = sol.adam(w, scale * (w - target), config)
    np.testing.assert_allclose(w, target, atol=1e-2)


@pytest.mark.parametrize(
    "old, new, named",
    [
        ('t = config["t"] + 1', 't = config["t"]', "incremented after it is used"),
        ("m_hat = m / (1 - beta1**t)", "m_hat = m", "10× too small"),
        ("m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)", "m_hat = m\n    v_hat = v", "bias correction is missing"),
        ('(np.sqrt(v_hat) + config["epsilon"])', 'np.sqrt(v_hat + config["epsilon"])', "inside the square root"),
        ("* dw**2", "* dw", "instead of dw²"),
        ('config.setdefault("learning_rate", 1e-3)', 'config["learning_rate"] = 1e-3', "setdefault"),
        ('config["m"], config["v"], config["t"] = m, v, t', 'config["m"], config["v"], config["t"] = m, v, 1', "config['t']"),
    ],
    ids=["t-after-use", "no-m-correction", "no-correction", "eps-inside-sqrt", "dw-not-squared", "overwrites-config", "t-not-kept"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("adam", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message


def test_changing_w_in_place_is_caught(tmp_path):
    verdict = mutate(
        "adam", tmp_path,
        'next_w = w - config["learning_rate"]',
        'w -= config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])\n    next_w = w + 0 * config["learning_rate"]',
    )
    assert verdict.status == "failed"
    assert "in place" in verdict.message
