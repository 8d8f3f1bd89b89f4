"""Hidden checks for exercise 03 (sigmoid).

Expected values come from the closed form 1 / (1 + e^(−z)) on moderate inputs,
and from the stable identity σ(z) = exp(−log(1 + e^(−z))) = exp(−logaddexp(0, −z))
on extreme ones, computed here independently of the learner's code.  Overflow is
caught by running the learner's function with numpy's overflow turned into an
error (underflow, which is harmless here, stays allowed) and warnings recorded.
"""

import warnings

import numpy as np
import pytest

from checker.testing import (
    assert_array,
    assert_close,
    assert_scalar,
    assert_true,
    at_learner_line,
    call_unchanged,
    fail,
    fmt,
    rng,
)


def _closed_form(z):
    return 1.0 / (1.0 + np.exp(-z))


def _stable_oracle(z):
    with np.errstate(under="ignore"):
        return np.exp(-np.logaddexp(0.0, -z))


def _guarded(fn, z):
    """Call fn(z) with overflow raising and warnings recorded: (result, None) or (None, problem)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            try:
                out = call_unchanged(fn, z, what="sigmoid", names=["z"])
            except (FloatingPointError, OverflowError) as exc:
                return None, f"{type(exc).__name__}: {exc}{at_learner_line(fn, exc)}"
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if runtime:
        return None, f"RuntimeWarning: {runtime[0].message}"
    return out, None


def _sign_flip_mistakes(z):
    return {
        "the sign of z is flipped: you computed 1 / (1 + e^z), which is σ(−z) = 1 − σ(z).": _closed_form(-z),
        "the `1 +` is missing: 1 / e^(−z) is just e^z.": np.exp(z),
        "you computed tanh(z); the sigmoid is 1 / (1 + e^(−z)) (tanh(z) = 2σ(2z) − 1).": np.tanh(z),
    }


def test_tiny_example(ex):
    """sigmoid of [-2, 0, 2], by hand"""
    z = np.array([-2.0, 0.0, 2.0])
    expected = np.array([1 / (1 + np.e**2), 0.5, 1 / (1 + np.e**-2)])
    got = assert_array(call_unchanged(ex.sigmoid, z, what="sigmoid", names=["z"]), what="sigmoid(z)", shape=(3,))
    assert_close(got, expected, what="sigmoid(z)", inputs={"z": z}, mistakes=_sign_flip_mistakes(z))


def test_python_float(ex):
    """works on a Python float, and σ(0) = 0.5"""
    for z in (0.0, 1.5, -3.0):
        try:
            got = ex.sigmoid(z)
        except (TypeError, IndexError, AttributeError) as exc:
            fail(
                f"sigmoid({z}) with a Python float raised {type(exc).__name__}: {exc}"
                f"{at_learner_line(ex.sigmoid, exc)}\n"
                "A Python float has no shape and cannot be indexed with a mask. Convert it first: "
                "z = np.asarray(z, dtype=float), and return result[()] (or float(...)) for a 0-d result."
            )
        got = assert_scalar(got, what=f"sigmoid({z})")
        assert_close(got, 1.0 / (1.0 + np.exp(-z)), what=f"sigmoid({z})", mistakes={
            "the sign of z is flipped: you computed 1 / (1 + e^z), which is σ(−z) = 1 − σ(z).": 1.0 / (1.0 + np.exp(z)),
        } if z else None)


@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4), (1, 1)])
def test_values_any_shape(ex, shape):
    """values against the closed form, for arrays of several shapes"""
    z = rng(sum(shape) * 7 + len(shape)).normal(scale=5.0, size=shape)
    got = call_unchanged(ex.sigmoid, z, what="sigmoid", names=["z"])
    got = assert_array(got, what=f"sigmoid on z of shape {shape}", shape=shape, inputs={"z": z} if z.size <= 8 else None)
    assert_true(got.dtype == np.float64, f"sigmoid returned dtype {got.dtype} for float64 input, expected float64.")
    assert_close(
        got,
        _closed_form(z),
        what=f"sigmoid on z of shape {shape}",
        inputs={"z": z} if z.size <= 8 else None,
        mistakes=_sign_flip_mistakes(z),
    )


def test_symmetry(ex):
    """σ(−z) = 1 − σ(z)"""
    z = rng(31).normal(scale=8.0, size=(4, 5))
    pos = assert_array(ex.sigmoid(z), what="sigmoid(z)", shape=z.shape)
    neg = assert_array(ex.sigmoid(-z), what="sigmoid(-z)", shape=z.shape)
    assert_close(
        neg,
        1.0 - pos,
        what="sigmoid(-z)",
        rtol=0,
        atol=1e-12,
        hint="σ(−z) must equal 1 − σ(z): check the branch you use for negative z (it should be e^z / (1 + e^z)).",
    )


def test_no_overflow_at_extremes(ex):
    """no overflow warning at z = ±1000"""
    problems = {}
    for z0 in (-1000.0, 1000.0):
        _, problem = _guarded(ex.sigmoid, np.array([z0, 0.5]))
        if problem:
            problems[z0] = problem
    if not problems:
        return
    if len(problems) == 2:
        why = (
            "It overflows at both z = −1000 and z = +1000. If you used np.where(z >= 0, 1 / (1 + np.exp(-z)), "
            "np.exp(z) / (1 + np.exp(z))): np.where computes BOTH branches on every entry before choosing, so "
            "np.exp(-z) still runs at z = −1000 and np.exp(z) at z = +1000. Compute e = np.exp(-np.abs(z)) once "
            "(it is at most 1) and build both branches from e, or compute each branch only on its own entries "
            "with a boolean mask."
        )
    elif -1000.0 in problems:
        why = (
            "Likely mistake: the naive formula 1 / (1 + np.exp(-z)). At z = −1000, np.exp(-z) = e^1000 "
            "overflows. Use the two-branch stable form: 1 / (1 + e^(−z)) for z ≥ 0 and e^z / (1 + e^z) for "
            "z < 0, both computed from e = np.exp(-np.abs(z)), which never overflows."
        )
    else:
        why = (
            "Likely mistake: the form e^z / (1 + e^z) used for all z. At z = +1000, np.exp(z) overflows. "
            "Use it only for z < 0, and 1 / (1 + e^(−z)) for z ≥ 0: both only need np.exp(-np.abs(z))."
        )
    where = " and at ".join(f"z = {z0:+.0f}" for z0 in problems)
    z0, problem = next(iter(problems.items()))
    fail(f"sigmoid overflowed at {where} (called on z = {fmt(np.array([z0, 0.5]))}):\n{problem}\n{why}")


def test_extremes_are_finite_and_in_range(ex):
    """finite, in [0, 1] and right for z from −1000 to 1000"""
    z = np.concatenate([np.linspace(-1000.0, 1000.0, 201), [-745.0, -40.0, -1e-9, 1e-9, 40.0, 745.0]])
    got, problem = _guarded(ex.sigmoid, z)
    if problem:
        fail(f"sigmoid on z from −1000 to 1000 overflowed:\n{problem}\nCompute it from e = np.exp(-np.abs(z)).")
    got = assert_array(got, what="sigmoid on z from −1000 to 1000", shape=z.shape)
    bad = ~np.isfinite(got)
    if bad.any():
        i = int(np.argmax(bad))
        fail(
            f"sigmoid returned {fmt(float(got[i]))} at z = {fmt(float(z[i]))}; it must be finite everywhere.\n"
            "inf − inf or inf / inf gives NaN: build both branches from e = np.exp(-np.abs(z)), which is at most 1."
        )
    outside = (got < 0) | (got > 1)
    if outside.any():
        i = int(np.argmax(outside))
        fail(f"sigmoid returned {fmt(float(got[i]))} at z = {fmt(float(z[i]))}; a sigmoid lies in [0, 1].")
    assert_close(
        got,
        _stable_oracle(z),
        what="sigmoid on z from −1000 to 1000",
        rtol=1e-9,
        atol=1e-12,
        mistakes={"the sign of z is flipped: you computed σ(−z) = 1 − σ(z).": _stable_oracle(-z)},
    )
