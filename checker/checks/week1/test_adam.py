"""Hidden checks for exercise 10 (adam).

The expected trajectory comes from a small Adam written here, independently of
the learner's code; the same function, with one typical mistake switched on,
gives the values that let a message name that mistake.  Steps (next_w − w) are
compared rather than next_w, so a wrong step is never hidden by a large w.
"""

import numpy as np
import pytest

from checker.testing import call_step
from checker.testing import assert_array, assert_close, assert_true, rng

DEFAULTS = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}

MISTAKES = {
    "t_after": "t is incremented after it is used, so the first step divides by 1 − β⁰ = 0 (inf/NaN). "
    "Do t ← t + 1 first, then use t.",
    "no_correction": "the bias correction is missing: use m̂ = m / (1 − β1ᵗ) and v̂ = v / (1 − β2ᵗ) "
    "in the update, not m and v (without it the first steps are off by a large factor).",
    "no_m_correction": "the bias correction of m is missing (m̂ = m / (1 − β1ᵗ)): "
    "without it the first steps are about 10× too small.",
    "no_v_correction": "the bias correction of v is missing (v̂ = v / (1 − β2ᵗ)): "
    "without it the first steps are about 30× too large.",
    "t_stuck": "t is not kept in config between calls, so every step uses t = 1. "
    "Store the incremented t back in config['t'].",
    "eps_inside": "ε is inside the square root. The update divides by √v̂ + ε, not by √(v̂ + ε).",
    "eps_hat": "you used the paper's 'efficient' form (lr·√(1 − β2ᵗ)/(1 − β1ᵗ) · m / (√v + ε)), which adds a larger ε. "
    "Follow the formula of this exercise: lr · m̂ / (√v̂ + ε).",
    "no_square": "v averages dw instead of dw²: square the gradient (dw**2) in the update of v.",
    "defaults_forced": "the caller's hyper-parameters were replaced by the defaults. "
    "Use config.setdefault(key, default), which keeps a value that is already there.",
}
for _key in DEFAULTS:
    MISTAKES[f"ignore_{_key}"] = (
        f"the update used a fixed {_key} instead of config[{_key!r}]: read every hyper-parameter from config."
    )


def _oracle(w, dws, config=None, mistake=None):
    """Adam's trajectory [w after step 1, after step 2, ...], optionally with a typical mistake."""
    hp = dict(DEFAULTS)
    if mistake != "defaults_forced":
        hp.update(config or {})
    if mistake and mistake.startswith("ignore_"):
        hp[mistake[len("ignore_"):]] = DEFAULTS[mistake[len("ignore_"):]]
    lr, b1, b2, eps = hp["learning_rate"], hp["beta1"], hp["beta2"], hp["epsilon"]
    w = np.array(w, dtype=float)
    m, v, t, out = np.zeros_like(w), np.zeros_like(w), 0, []
    with np.errstate(all="ignore"):
        for dw in dws:
            if mistake != "t_after":
                t += 1
            if mistake == "t_stuck":
                t = 1
            m = b1 * m + (1 - b1) * dw
            v = b2 * v + (1 - b2) * (dw if mistake == "no_square" else dw**2)
            m_hat = m if mistake in ("no_correction", "no_m_correction") else m / (1 - b1**t)
            v_hat = v if mistake in ("no_correction", "no_v_correction") else v / (1 - b2**t)
            if mistake == "eps_inside":
                w = w - lr * m_hat / np.sqrt(v_hat + eps)
            elif mistake == "eps_hat":
                w = w - lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2**t))
            else:
                w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
            if mistake == "t_after":
                t += 1
            out.append(w)
    return out


def _same_update(a, b):
    return bool(np.array_equal(np.isfinite(a), np.isfinite(b)) and np.allclose(a, b, rtol=1e-4, atol=1e-11, equal_nan=True))


def _check_step(got, w_before, expected, mistakes_at, what, inputs):
    """Compare the update next_w − w with the oracle's, naming a matching mistake.

    rtol 1e-5 leaves room for rounding and for the tiny ε differences of
    equivalent forms at ε = 1e-8; a mistake is only named where, on this input,
    it gives a visibly different update.
    """
    step = expected - w_before
    groups = []  # [(value, [descriptions])]: mistakes that give the same update are named together
    for key, value in mistakes_at.items():
        value = value - w_before
        if _same_update(value, step):
            continue
        for group in groups:
            if _same_update(value, group[0]):
                group[1].append(MISTAKES[key])
                break
        else:
            groups.append((value, [MISTAKES[key]]))
    wrong = {"\nor: ".join(names): value for value, names in groups}
    assert_close(got - w_before, step, what=f"the update next_w − w of {what}", inputs=inputs, rtol=1e-5, atol=1e-12, mistakes=wrong)


def _run_and_compare(ex, w0, dws, config, label):
    """Feed the learner's adam a sequence of gradients; compare each step and t."""
    expected = _oracle(w0, dws, config)
    wrong = {k: _oracle(w0, dws, config, mistake=k) for k in MISTAKES}
    if config is None:
        wrong = {k: v for k, v in wrong.items() if k != "defaults_forced" and not k.startswith("ignore_")}
    w, state = w0, (None if config is None else dict(config))
    for k, dw in enumerate(dws):
        small = w.size <= 6
        inputs = {"w": w, "dw": dw} if small else None
        next_w, state = call_step(ex.adam, f"adam step {k + 1} {label}", w, dw, state)
        _check_step(next_w, w, expected[k], {name: value[k] for name, value in wrong.items()}, f"step {k + 1} {label}", inputs)
        t = state.get("t")
        assert_true(
            t == k + 1,
            f"After step {k + 1} {label}, config['t'] is {t!r}, expected {k + 1}.\n"
            "t counts the steps taken so far: increment it once per call, before using it, and keep it in config.",
        )
        w = next_w


def test_returns_next_w_and_config(ex):
    """adam returns the pair (next_w, config)"""
    w = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    dw = np.array([[0.5, -0.25, 2.0], [1.0, -1.0, 0.1]])
    call_step(ex.adam, "adam(w, dw, None)", w, dw, None)


def test_default_hyper_parameters(ex):
    """a None config gets the default hyper-parameters; given ones are kept"""
    w, dw = np.array([1.0, 2.0]), np.array([0.1, -0.2])
    _, config = call_step(ex.adam, "adam(w, dw, None)", w, dw, None)
    for key, value in DEFAULTS.items():
        assert_true(key in config, f"After adam(w, dw, None), config has no key {key!r}.\nSet the defaults with config.setdefault({key!r}, {value}).")
        assert_true(
            config[key] == value,
            f"After adam(w, dw, None), config[{key!r}] is {config[key]!r}, expected the default {value}.",
        )
    chosen = {"learning_rate": 0.05, "beta1": 0.5, "beta2": 0.75, "epsilon": 1e-4}
    _, config = call_step(ex.adam, f"adam(w, dw, {chosen})", w, dw, dict(chosen))
    for key, value in chosen.items():
        assert_true(
            config.get(key) == value,
            f"adam(w, dw, config) with config[{key!r}] = {value} came back with config[{key!r}] = {config.get(key)!r}.\n"
            "Keep the caller's hyper-parameters: config.setdefault only fills in missing ones.",
        )


def test_first_step_on_a_tiny_example(ex):
    """the first step on a tiny example (default hyper-parameters)"""
    w = np.array([1.0, -2.0, 0.5])
    dw = np.array([0.5, -0.25, 2.0])
    next_w, _ = call_step(ex.adam, "adam(w, dw, None)", w, dw, None)
    expected = _oracle(w, [dw])[0]  # ≈ w − 0.001·sign(dw): m̂ = dw and v̂ = dw² on step 1
    wrong = {k: _oracle(w, [dw], mistake=k)[0] for k in MISTAKES if k != "defaults_forced" and not k.startswith("ignore_")}
    _check_step(next_w, w, expected, wrong, "adam(w, dw, None)", {"w": w, "dw": dw})


def test_state_after_the_first_step(ex):
    """config holds the state m, v and t after a step"""
    w = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    dw = np.array([[0.5, -0.25, 2.0], [1.0, -1.0, 0.1]])
    _, config = call_step(ex.adam, "adam(w, dw, None)", w, dw, None)
    for key in ("m", "v", "t"):
        assert_true(
            key in config,
            f"After one step, config has no key {key!r} (it has {sorted(config)}).\n"
            "Keep Adam's state in config under the keys 'm', 'v' and 't'.",
        )
    assert_true(
        config["t"] == 1,
        f"After the first step config['t'] is {config['t']!r}, expected 1.\n"
        "t starts at 0 and is incremented before it is used, so the first step has t = 1.",
    )
    for key, expected, corrected in (("m", 0.1 * dw, dw), ("v", 0.001 * dw**2, dw**2)):
        got = assert_array(config[key], what=f"config[{key!r}]", shape=w.shape)
        assert_close(
            got,
            expected,
            what=f"config[{key!r}] after one step from zeros",
            inputs={"dw": dw},
            mistakes={
                f"you stored the bias-corrected {key}̂ in config; keep the raw running average {key} "
                f"(the correction is recomputed at every step).": corrected
            },
        )


def test_epsilon_placement(ex):
    """ε is added to √v̂, outside the square root"""
    g = rng(11)
    w0 = g.normal(size=(4,))
    dws = [0.1 * g.normal(size=(4,)) for _ in range(3)]  # v̂ ≈ 0.01, comparable to ε
    _run_and_compare(ex, w0, dws, {"learning_rate": 0.02, "epsilon": 0.05}, "(with epsilon = 0.05)")


@pytest.mark.parametrize(
    "shape, config",
    [
        ((3,), None),
        ((2, 3), {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}),
        ((7,), {"learning_rate": 0.1, "beta1": 0.5, "beta2": 0.9, "epsilon": 1e-8}),
        ((1,), {"learning_rate": 0.003}),
    ],
    ids=["3-defaults", "2x3", "7", "1"],
)
def test_trajectory_over_several_steps(ex, shape, config):
    """six steps in a row, against a reference Adam, for several shapes"""
    g = rng(sum(shape) * 7 + len(shape))
    w0 = g.normal(size=shape)
    dws = [g.normal(size=shape) for _ in range(6)]
    _run_and_compare(ex, w0, dws, config, f"(w of shape {shape}, config {config})")


def test_inputs_are_left_unchanged(ex):
    """w and every dw are left unchanged over several steps"""
    g = rng(5)
    w = g.normal(size=(3, 2))
    dws = [g.normal(size=(3, 2)) for _ in range(4)]
    copies = [dw.copy() for dw in dws]
    config = None
    for k, dw in enumerate(dws):
        w, config = call_step(ex.adam, f"adam step {k + 1}", w, dw, config)
    for k, (dw, copy) in enumerate(zip(dws, copies)):
        assert_true(
            np.array_equal(dw, copy),
            f"The gradient dw given at step {k + 1} was changed by a later step.\n"
            "config['m'] (or 'v') is probably the dw array itself, then updated in place: "
            "store new arrays (m = beta1 * m + (1 - beta1) * dw), not dw.",
        )


def test_two_optimizers_do_not_share_state(ex):
    """two configs used in turn keep separate states"""
    g = rng(21)
    wa, wb = g.normal(size=3), g.normal(size=5)
    dwa, dwb = [g.normal(size=3) for _ in range(3)], [g.normal(size=5) for _ in range(3)]
    expected_a, expected_b = _oracle(wa, dwa), _oracle(wb, dwb)
    ca = cb = None
    for k in range(3):
        new_a, ca = call_step(ex.adam, f"adam step {k + 1} of optimizer A", wa, dwa[k], ca)
        new_b, cb = call_step(ex.adam, f"adam step {k + 1} of optimizer B", wb, dwb[k], cb)
        for name, got, before, exp in (("A", new_a, wa, expected_a[k]), ("B", new_b, wb, expected_b[k])):
            assert_close(
                got - before,
                exp - before,
                what=f"the update of optimizer {name} at step {k + 1} (two optimizers used in turn)",
                rtol=1e-5,
                atol=1e-12,
                hint="Each config must carry its own state: keep m, v and t in config, not in global "
                "variables or a mutable default argument.",
            )
        wa, wb = new_a, new_b
