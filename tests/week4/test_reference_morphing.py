"""Exercise 35 (morphing): the reference solution against exact rational
arithmetic and np.linspace, other correct formulations through the engine,
and typical mistakes caught with the message that names them."""

from fractions import Fraction

import numpy as np
import pytest

from tests.helpers import mutate, run_source, solution

sol = solution("morphing")
T = "np.linspace(0.0, 1.0, steps)"
RETURN = "return (1 - t) * a + t * b"


@pytest.mark.parametrize("shape, steps", [((5,), 2), ((4,), 9), ((2, 3), 5), ((2, 2, 3), 3)])
def test_equals_exact_rational_path(shape, steps):
    """Each point within one rounding of the exact (1 − i/(steps−1))·a + i/(steps−1)·b, computed with Fractions."""
    g = np.random.default_rng(steps)
    a, b = g.normal(size=shape), g.normal(size=shape)
    got = sol.interpolate_codes(a, b, steps)
    assert got.shape == (steps,) + shape and got.dtype == np.float64
    for i in range(steps):
        t = Fraction(i, steps - 1)
        exact = np.array([float((1 - t) * Fraction(x) + t * Fraction(y)) for x, y in zip(a.ravel(), b.ravel())])
        np.testing.assert_allclose(got[i].ravel(), exact, rtol=4e-16, atol=4e-16)
    assert np.array_equal(got[0], a) and np.array_equal(got[-1], b)


def test_equals_numpy_linspace():
    g = np.random.default_rng(0)
    a, b = g.normal(size=(3, 4)), g.normal(size=(3, 4))
    expected = np.linspace(a, b, 7)  # numpy's own interpolation, along a new first axis
    got = sol.interpolate_codes(a, b, 7)
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(got[[0, -1]], expected[[0, -1]])


def test_inputs_unchanged():
    a, b = np.arange(3.0), np.ones(3)
    sol.interpolate_codes(a, b, 4)
    np.testing.assert_array_equal(a, np.arange(3.0))
    np.testing.assert_array_equal(b, np.ones(3))


def test_check_data_expose_the_look_alike_formula():
    """The check's random codes have entries where a + (b − a) != b, so the look-alike is seen."""
    for shape, steps in [((8,), 3), ((16,), 10), ((3, 4), 7), ((2, 3, 2), 4)]:
        g = np.random.default_rng(sum(shape) * 10 + steps)
        a, b = g.normal(size=shape), g.normal(size=shape)
        assert np.any(a + (b - a) != b)


def test_linspace_written_another_way_passes(tmp_path):
    verdict = run_source(
        "morphing",
        """
        import numpy as np

        def interpolate_codes(a, b, steps):
            return np.linspace(a, b, steps)
        """,
        tmp_path,
    )
    assert verdict.status == "passed", verdict.message


def test_loop_written_another_way_passes(tmp_path):
    verdict = run_source(
        "morphing",
        """
        import numpy as np

        def interpolate_codes(a, b, steps):
            points = []
            for i in range(steps):
                t = i / (steps - 1)
                points.append(a * (1 - t) + b * t)
            return np.array(points)
        """,
        tmp_path,
    )
    assert verdict.status == "passed", verdict.message


def test_steps_plus_one_is_named(tmp_path):
    verdict = mutate("morphing", tmp_path, T + ".reshape((steps,)", "np.linspace(0.0, 1.0, steps + 1).reshape((steps + 1,)")
    assert verdict.status == "failed"
    assert "steps + 1 points" in verdict.message


def test_endpoint_false_is_named(tmp_path):
    verdict = mutate("morphing", tmp_path, T, "np.linspace(0.0, 1.0, steps, endpoint=False)")
    assert verdict.status == "failed"
    assert "the end b is left out" in verdict.message


def test_reversed_order_is_named(tmp_path):
    verdict = mutate("morphing", tmp_path, RETURN, "return t * a + (1 - t) * b")
    assert verdict.status == "failed"
    assert "order is reversed" in verdict.message


def test_look_alike_formula_is_named(tmp_path):
    verdict = mutate("morphing", tmp_path, RETURN, "return a + t * (b - a)")
    assert verdict.status == "failed"
    assert "misses b in the last bit" in verdict.message


def test_last_axis_is_named(tmp_path):
    verdict = mutate("morphing", tmp_path, RETURN, "return np.moveaxis((1 - t) * a + t * b, 0, -1)")
    assert verdict.status == "failed"
    assert "stacked on the LAST axis" in verdict.message
