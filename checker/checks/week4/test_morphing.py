"""Hidden checks for exercise 35 (morphing).

Expected values come from the closed form out[i] = (1 − tᵢ)·a + tᵢ·b with
tᵢ = i / (steps − 1), computed here entry by entry from Python fractions of i,
independently of the learner's code.  The ends are compared exactly (==), the
points in between to rounding.  The random codes are drawn so that
a + (b − a) misses b in the last bit for some entries, which shows that formula.
Mistakes named: steps + 1 points, the end left out (np.linspace's
endpoint=False), the start left out, the order reversed, the points stacked on
the last axis, multi-axis codes flattened, a + t·(b − a) at the end.
"""

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, call_unchanged, fail, rng

LOOK_ALIKE = (
    "the last point is a + (b − a), which rounds twice and misses b in the last bit: the formula a + t·(b − a) "
    "does not end exactly at b. Use (1 − t)·a + t·b (at t = 1 it is exactly b), or np.linspace(a, b, steps)."
)
NO_END = (
    "the end b is left out: t = i / steps (as np.linspace(..., endpoint=False) makes) stops one step short. "
    "Use t = i / (steps − 1), so that the last t is 1."
)
NO_START = "the start a is left out: t runs from 1/steps to 1. Use t = i / (steps − 1) for i = 0 … steps − 1."
REVERSED = "the order is reversed, from b to a: out[0] must be a and out[steps − 1] must be b."


def _path(a, b, ts):
    """(1 − t)·a + t·b for each t, stacked on a new first axis."""
    return np.stack([(1.0 - t) * a + t * b for t in ts])


def _expected(a, b, steps):
    return _path(a, b, [i / (steps - 1) for i in range(steps)])


def _mistakes(a, b, steps):
    return {
        NO_END: _path(a, b, [i / steps for i in range(steps)]),
        NO_START: _path(a, b, [i / steps for i in range(1, steps + 1)]),
        REVERSED: _expected(a, b, steps)[::-1],
    }


def _call(ex, a, b, steps, what):
    """The learner's result (inputs guarded), with its shape checked and shape mistakes named."""
    got = call_unchanged(ex.interpolate_codes, a, b, steps, what="interpolate_codes", names=["a", "b", "steps"])
    got = assert_array(got, what=what)
    expected_shape = (steps,) + a.shape
    if got.shape != expected_shape:
        likely = ""
        if got.shape == (steps + 1,) + a.shape:
            likely = "steps + 1 points: `steps` is the number of points, ends included; t = i / (steps − 1) for i < steps."
        elif got.shape == (steps - 1,) + a.shape:
            likely = "one point too few: `steps` points, with both a and b among them."
        elif got.shape == a.shape + (steps,) and a.ndim:
            likely = "the points are stacked on the LAST axis; stack them on a new FIRST axis: out[i] is the i-th point."
        elif a.ndim > 1 and got.shape == (steps, a.size):
            likely = f"the codes were flattened: each point keeps the shape of a, {a.shape}."
        fail(
            f"{what} returned an array of shape {got.shape}, expected (steps, *a.shape) = {expected_shape}."
            + (f"\nLikely mistake: {likely}" if likely else "")
        )
    return got


def _check_ends(got, a, b, what):
    """out[0] is a and out[-1] is b, exactly."""
    for index, end, name in ((0, a, "a"), (-1, b, "b")):
        point = got[index]
        if np.array_equal(point, end):
            continue
        where = np.flatnonzero(point.reshape(-1) != end.reshape(-1))
        i = int(where[0]) if where.size else 0
        likely = ""
        if name == "b" and np.array_equal(point, a + 1.0 * (b - a)):
            likely = f"\nLikely mistake: {LOOK_ALIKE}"
        fail(
            f"{what}: out[{index}] must be {name} exactly (==, to the last bit), but {where.size} of its "
            f"{point.size} entries differ; the first at flat index {i}: expected {float(end.reshape(-1)[i])!r}, "
            f"got {float(point.reshape(-1)[i])!r}.{likely}"
        )


def test_tiny_example(ex):
    """five points from a = [0, 10] to b = [4, −2]: check them by hand"""
    a, b = np.array([0.0, 10.0]), np.array([4.0, -2.0])
    got = _call(ex, a, b, 5, "interpolate_codes(a, b, steps=5)")
    # t = 0, 1/4, 1/2, 3/4, 1: the first entry goes 0, 1, 2, 3, 4 and the second 10, 7, 4, 1, −2.
    expected = np.array([[0.0, 10.0], [1.0, 7.0], [2.0, 4.0], [3.0, 1.0], [4.0, -2.0]])
    assert_close(
        got,
        expected,
        what="interpolate_codes(a, b, steps=5)",
        inputs={"a": a, "b": b},
        mistakes=_mistakes(a, b, 5),
    )


def test_two_steps_are_the_ends(ex):
    """steps = 2 gives exactly [a, b]"""
    a, b = np.array([0.1, -3.0, 2.5]), np.array([0.7, 1.0, 2.5])
    got = _call(ex, a, b, 2, "interpolate_codes(a, b, steps=2)")
    assert_close(
        got, np.stack([a, b]), what="interpolate_codes(a, b, steps=2)", inputs={"a": a, "b": b}, mistakes=_mistakes(a, b, 2)
    )
    _check_ends(got, a, b, "interpolate_codes(a, b, steps=2)")


SHAPES = [((8,), 3), ((16,), 10), ((3, 4), 7), ((2, 3, 2), 4), ((1,), 6)]


@pytest.mark.parametrize("shape, steps", SHAPES)
def test_ends_are_exact(ex, shape, steps):
    """out[0] == a and out[-1] == b exactly, for flat and multi-axis codes"""
    g = rng(sum(shape) * 10 + steps)
    a, b = g.normal(size=shape), g.normal(size=shape)
    what = f"interpolate_codes(a, b, steps={steps}) with codes of shape {shape}"
    got = _call(ex, a, b, steps, what)
    if not np.allclose(got[0], a) or not np.allclose(got[-1], b):
        assert_close(got, _expected(a, b, steps), what=what, mistakes=_mistakes(a, b, steps))
    _check_ends(got, a, b, what)


@pytest.mark.parametrize("shape, steps", SHAPES)
def test_points_are_evenly_spaced_on_the_line(ex, shape, steps):
    """every point is (1 − t)·a + t·b with t = i / (steps − 1)"""
    g = rng(1 + sum(shape) * 10 + steps)
    a, b = g.normal(size=shape), g.normal(size=shape)
    what = f"interpolate_codes(a, b, steps={steps}) with codes of shape {shape}"
    got = _call(ex, a, b, steps, what)
    assert_close(got, _expected(a, b, steps), what=what, rtol=1e-12, atol=1e-12, mistakes=_mistakes(a, b, steps))
    gaps = np.diff(got, axis=0)
    assert_close(
        gaps,
        np.broadcast_to((b - a) / (steps - 1), gaps.shape),
        what=f"the steps out[i + 1] − out[i] of {what}",
        rtol=1e-9,
        atol=1e-12,
        hint="Every step is the same, (b − a) / (steps − 1).",
    )


def test_float32_codes(ex):
    """float32 codes (as a Keras encoder gives them): same points, ends exact"""
    g = rng(32)
    a, b = g.normal(size=(2, 5)).astype(np.float32), g.normal(size=(2, 5)).astype(np.float32)
    what = "interpolate_codes(a, b, steps=6) with float32 codes of shape (2, 5)"
    got = _call(ex, a, b, 6, what)
    if got.dtype.kind != "f":
        fail(f"{what} returned an array of dtype {got.dtype}, expected floats.")
    assert_close(got.astype(float), _expected(a.astype(float), b.astype(float), 6), what=what, rtol=1e-6, atol=1e-6)
    _check_ends(got.astype(float), a.astype(float), b.astype(float), what)

