"""Exercise 14 (gradcheck): the reference solution against TensorFlow's own numeric
Jacobian (tf.test.compute_gradient) and tf.GradientTape, and typical mistakes caught
with the message that names them."""

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import mutate, solution

sol = solution("gradcheck")


def _problem(seed, shape):
    g = np.random.default_rng(seed)
    return g.normal(size=shape), g.normal(size=shape), g.normal(size=shape)


def _np_f(W, V):
    return lambda x: float(np.sum(np.tanh(x * W)) + np.sum(x * V) ** 2)


def _tf_f(W, V):
    return lambda x: tf.reduce_sum(tf.tanh(x * W)) + tf.reduce_sum(x * V) ** 2


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 2)])
def test_equals_tf_numeric_jacobian(shape):
    x, W, V = _problem(len(shape), shape)
    delta = 1e-4
    _, (numeric,) = tf.test.compute_gradient(_tf_f(W, V), [tf.constant(x)], delta=delta)
    ours = sol.numerical_gradient(_np_f(W, V), x.copy(), h=delta)
    np.testing.assert_allclose(ours.ravel(), numeric.ravel(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2), (1,)])
def test_equals_gradient_tape(shape):
    x, W, V = _problem(10 + len(shape), shape)
    variable = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = _tf_f(W, V)(variable)
    exact = tape.gradient(y, variable).numpy()
    ours = sol.numerical_gradient(_np_f(W, V), x.copy())
    np.testing.assert_allclose(ours, exact, rtol=1e-7, atol=1e-9)
    assert ours.shape == x.shape and ours.dtype == np.float64


def test_error_shrinks_like_h_squared():
    """Central differences: halving h divides the error by 4 (a forward difference: by 2)."""
    x = np.array([0.3, 1.1])
    exact = np.cos(x)
    errors = [np.abs(sol.numerical_gradient(lambda v: float(np.sum(np.sin(v))), x.copy(), h) - exact) for h in (0.1, 0.05)]
    np.testing.assert_allclose(errors[0] / errors[1], 4, rtol=1e-2)


def test_in_place_and_restored_bit_for_bit():
    g = np.random.default_rng(7)
    W, C = g.normal(size=(3, 5)), g.normal(size=(3, 5))
    W0 = W.copy()
    grad = sol.numerical_gradient(lambda _: float(np.sum(np.tanh(W) * C)), W)
    np.testing.assert_allclose(grad, (1 - np.tanh(W0) ** 2) * C, rtol=1e-7, atol=1e-10)
    assert np.array_equal(W, W0) and not np.shares_memory(grad, W)


def test_relative_error_against_an_entry_by_entry_loop():
    g = np.random.default_rng(3)
    for shape in [(6,), (2, 3), (2, 2, 3)]:
        a, b = g.normal(size=shape), g.normal(size=shape)
        a.flat[0] = b.flat[0] = 0.0  # an entry where both are zero counts as 0
        expected = max(abs(p - q) / max(1e-8, abs(p) + abs(q)) for p, q in zip(a.ravel(), b.ravel()))
        assert sol.relative_error(a, b) == pytest.approx(expected, rel=1e-12)
    assert sol.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert sol.relative_error(np.array([1e-9]), np.array([0.0])) == pytest.approx(0.1)
    assert isinstance(sol.relative_error(np.ones(2), np.ones(2)), float)


LOOP = """        x[idx] = old + h
        f_plus = float(f(x))
        x[idx] = old - h
        f_minus = float(f(x))
        x[idx] = old"""


@pytest.mark.parametrize(
    "old, new, named",
    [
        (
            "grad[idx] = (f_plus - f_minus) / (2 * h)",
            "grad[idx] = (f_plus - float(f(x))) / h",
            "forward differences",
        ),
        (
            LOOP,
            (
                "        xp, xm = x.copy(), x.copy()\n        xp[idx], xm[idx] = old + h, old - h\n"
                "        f_plus, f_minus = float(f(xp)), float(f(xm))"
            ),
            "you perturbed a copy of x",
        ),
        (
            LOOP,
            (
                "        x[idx] += h\n        f_plus = float(f(x))\n        x[idx] -= 2 * h\n"
                "        f_minus = float(f(x))\n        x[idx] += h"
            ),
            "rounding error",
        ),
        ("/ (2 * h)", "/ h", "instead of 2h"),
        ("np.maximum(1e-8, np.abs(a) + np.abs(b))", "(np.abs(a) + np.abs(b))", "the floor is missing"),
    ],
    ids=["forward-difference", "perturbs-a-copy", "restores-by-adding", "divides-by-h", "no-floor"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("gradcheck", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message
