"""Hidden checks for exercise 16 (activations).

Expected values are computed here, independently of the learner's code:
np.maximum(x, 0) and the mask x > 0 for ReLU, np.tanh and 1 − tanh(x)² for tanh;
every backward pass is also held against central differences (for ReLU at
points away from 0, where it has a derivative; the convention f′(0) = 0 is
checked on its own).  The cache is opaque: it is only handed back.  The
misconceptions named: gradient passed where x < 0 or at x = 0, 1 − x² instead
of 1 − tanh(x)², a forgotten dout, modifying x or dout in place.
"""

import warnings

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, assert_true, fail, fmt, gradcheck, rng, snapshot

SHAPES = [(4, 5), (1, 7), (2, 3, 4, 2)]
IN_PLACE = {
    "relu_forward": "np.maximum(x, 0, out=x), x[x < 0] = 0 or x *= (x > 0) change the caller's array. "
    "Use out = np.maximum(x, 0), which builds a new one.",
    "relu_backward": "dx = dout does not copy: dx[x <= 0] = 0 then zeroes the caller's dout too. "
    "Use dx = dout * (x > 0), or dx = dout.copy() first.",
    "tanh_forward": "np.tanh(x, out=x) overwrites x. Use out = np.tanh(x).",
    "tanh_backward": "dout *= ... changes the caller's array. Use dx = dout * (1 - out**2).",
}
IN_CACHE = (
    "The cache holds the forward pass's x (or out): the very array the caller holds. "
    "Build a new array, e.g. dx = dout * (x > 0), instead of changing the cached one."
)
RELU_NEGATIVE = (
    "the gradient passes where x < 0 too. The mask must be x > 0 (or out > 0); out >= 0 is True everywhere, "
    "since out = max(x, 0) is never negative."
)
RELU_AT_ZERO = (
    "the gradient passes at exactly x = 0. The convention is f′(0) = 0: use the strict mask x > 0, not x >= 0."
)


def _guarded(fn, name, *args, labels):
    """Call fn(*args); fail with advice naming the in-place trick if an array argument changed."""
    before = snapshot(args)
    result = fn(*args)
    for label, old, new in zip(labels, before, args):
        if isinstance(old, np.ndarray) and not (old.shape == new.shape and np.array_equal(old, new, equal_nan=True)):
            fail(
                f"{name} changed its input `{label}` in place.\non the input\n  {label} = {fmt(old)}\n"
                f"after the call it was\n  {label} = {fmt(new)}\n"
                f"The caller still needs `{label}`. {IN_PLACE[name] if label != 'cache' else IN_CACHE}"
            )
    return result


def _forward(ex, name, x):
    """The learner's (out, cache) for relu_forward or tanh_forward; x guarded, out checked."""
    result = _guarded(getattr(ex, name), name, x, labels=["x"])
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{name}(x) returned {fmt(result, max_chars=120)}, expected a pair (out, cache).\n"
             "End with `return out, cache`.")
    out, cache = result
    what = f"{name} on x of shape {x.shape} (out)"
    if isinstance(out, np.ndarray) and out.shape != x.shape and name == "relu_forward":
        fail(
            f"{what} has shape {out.shape}, expected x's shape {x.shape}.\n"
            "Likely mistake: np.max(x, 0) takes the maximum ALONG axis 0 (a reduction). The elementwise "
            "maximum of x and 0 is np.maximum(x, 0)."
        )
    out = assert_array(out, what=what, shape=x.shape, inputs={"x": x} if x.size <= 8 else None)
    assert_true(out.dtype == np.float64, f"{name} returned dtype {out.dtype} for float64 input, expected float64.")
    return out, cache


def _backward(ex, name, dout, cache, x):
    dx = _guarded(getattr(ex, name), name, dout, cache, labels=["dout", "cache"])
    dx = assert_array(dx, what=f"{name} on x of shape {x.shape} (dx)", shape=x.shape,
                      inputs={"x": x, "dout": dout} if x.size <= 8 else None)
    assert_true(dx.dtype == np.float64, f"{name} returned dtype {dx.dtype} for float64 input, expected float64.")
    return dx


def _away_from_zero(seed, shape):
    """Normal values with |x| ≥ 0.05, so that ReLU is differentiable at every one (and near it)."""
    x = rng(seed).normal(size=shape)
    return np.where(np.abs(x) < 0.05, np.sign(x + 1e-12) * 0.05 + x, x)


def _relu_mistakes(x, dout):
    return {
        RELU_NEGATIVE: dout.copy(),
        RELU_AT_ZERO: dout * (x >= 0),
        "dout is missing: dx = dout * (x > 0), not just the mask (x > 0).": (x > 0).astype(float),
        "you applied ReLU to dout; the mask comes from the forward input: dx = dout * (x > 0).": np.maximum(dout, 0),
        "you multiplied dout by ReLU(x) instead of by its derivative (the mask x > 0).": dout * np.maximum(x, 0),
    }


def _tanh_mistakes(x, dout):
    t = np.tanh(x)
    return {
        "you used 1 − x² (the input); the derivative is 1 − tanh(x)², the square of the OUTPUT.": dout * (1 - x**2),
        "dout is missing: dx = dout * (1 - tanh(x)**2), not just the local derivative.": 1 - t**2,
        "the square is missing: the derivative of tanh is 1 − tanh(x)², not 1 − tanh(x).": dout * (1 - t),
        "you squared (1 − tanh(x)); the derivative is 1 − tanh(x)² (only tanh(x) is squared).": dout * (1 - t) ** 2,
        "you multiplied dout by tanh(x) itself instead of by its derivative 1 − tanh(x)².": dout * t,
    }


# ------------------------------------------------------------------------ ReLU


def test_relu_forward_tiny(ex):
    """relu_forward on 5 numbers you can check by hand"""
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    out, _ = _forward(ex, "relu_forward", x)
    assert_close(out, [[0.0, 0.0, 0.0, 0.5, 3.0]], what="relu_forward(x) (out)", inputs={"x": x},
                 mistakes={"you returned |x|: ReLU sets negative values to 0, it does not flip them.": np.abs(x)})


@pytest.mark.parametrize("shape", SHAPES)
def test_relu_forward_shapes(ex, shape):
    """relu_forward for several shapes, x left unchanged"""
    x = rng(sum(shape)).normal(size=shape)
    out, _ = _forward(ex, "relu_forward", x)
    assert_close(out, np.maximum(x, 0.0), what=f"relu_forward on x of shape {shape} (out)")


def test_relu_backward_tiny(ex):
    """relu_backward on 5 numbers you can check by hand"""
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    dout = np.array([[1.0, -2.0, 3.0, -4.0, 5.0]])
    _, cache = _forward(ex, "relu_forward", x)
    dx = _backward(ex, "relu_backward", dout, cache, x)
    assert_close(dx, [[0.0, 0.0, 0.0, -4.0, 5.0]], what="relu_backward(dout, cache) (dx)",
                 inputs={"x": x, "dout": dout}, mistakes=_relu_mistakes(x, dout))


@pytest.mark.parametrize("shape", SHAPES)
def test_relu_backward_matches_numerical_gradient(ex, shape):
    """relu_backward agrees with a numerical gradient for several shapes"""
    x = _away_from_zero(100 + sum(shape), shape)
    dout = rng(200 + sum(shape)).normal(size=shape)
    _, cache = _forward(ex, "relu_forward", x)
    dx = _backward(ex, "relu_backward", dout, cache, x)
    gradcheck(lambda v: float(np.sum(dout * np.maximum(v, 0.0))), dx, x,
              what=f"relu_backward on x of shape {shape} (dx)", mistakes=_relu_mistakes(x, dout))


def test_relu_gradient_at_zero(ex):
    """relu_backward gives gradient 0 at exactly x = 0"""
    x = np.array([[0.0, 1.0], [0.0, -1.0], [2.0, 0.0]])
    dout = np.array([[5.0, 6.0], [7.0, 8.0], [9.0, 10.0]])
    _, cache = _forward(ex, "relu_forward", x)
    dx = _backward(ex, "relu_backward", dout, cache, x)
    assert_close(dx, dout * (x > 0), what="relu_backward at x = 0 (dx)", inputs={"x": x, "dout": dout},
                 mistakes=_relu_mistakes(x, dout))


# ------------------------------------------------------------------------ tanh


def test_tanh_forward_tiny(ex):
    """tanh_forward on 3 numbers"""
    x = np.array([-1.0, 0.0, 2.0])
    out, _ = _forward(ex, "tanh_forward", x)
    e2 = np.exp(2 * x)
    expected = (e2 - 1) / (e2 + 1)  # tanh(x) = (e^2x − 1) / (e^2x + 1)
    assert_close(out, expected, what="tanh_forward(x) (out)", inputs={"x": x},
                 mistakes={"you computed the sigmoid 1 / (1 + e^(−x)); tanh(x) = 2σ(2x) − 1.": 1 / (1 + np.exp(-x))})


@pytest.mark.parametrize("shape", SHAPES)
def test_tanh_forward_shapes(ex, shape):
    """tanh_forward for several shapes, x left unchanged"""
    x = rng(300 + sum(shape)).normal(scale=2.0, size=shape)
    out, _ = _forward(ex, "tanh_forward", x)
    assert_close(out, np.tanh(x), what=f"tanh_forward on x of shape {shape} (out)")


def test_tanh_forward_large_inputs(ex):
    """tanh_forward is finite and right at x = ±1000"""
    x = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="ignore"):
            out, _ = _forward(ex, "tanh_forward", x)
    if not np.all(np.isfinite(out)):
        fail(
            f"tanh_forward(x) returned {fmt(out)} on x = {fmt(x)}; tanh is ±1 there.\n"
            "Likely mistake: tanh written with exponentials, (e^x − e^(−x)) / (e^x + e^(−x)): e^1000 overflows "
            "to inf and inf / inf is NaN. Use np.tanh(x)."
        )
    assert_close(out, [-1.0, -1.0, 0.0, 1.0, 1.0], what="tanh_forward at large |x| (out)", inputs={"x": x})


def test_tanh_backward_tiny(ex):
    """tanh_backward on 3 numbers"""
    x = np.array([-1.0, 0.0, 2.0])
    dout = np.array([2.0, -3.0, 0.5])
    _, cache = _forward(ex, "tanh_forward", x)
    dx = _backward(ex, "tanh_backward", dout, cache, x)
    assert_close(dx, dout * (1 - np.tanh(x) ** 2), what="tanh_backward(dout, cache) (dx)",
                 inputs={"x": x, "dout": dout}, mistakes=_tanh_mistakes(x, dout))


@pytest.mark.parametrize("shape", SHAPES)
def test_tanh_backward_matches_numerical_gradient(ex, shape):
    """tanh_backward agrees with a numerical gradient for several shapes"""
    x = rng(400 + sum(shape)).normal(scale=1.5, size=shape)
    dout = rng(500 + sum(shape)).normal(size=shape)
    _, cache = _forward(ex, "tanh_forward", x)
    dx = _backward(ex, "tanh_backward", dout, cache, x)
    gradcheck(lambda v: float(np.sum(dout * np.tanh(v))), dx, x,
              what=f"tanh_backward on x of shape {shape} (dx)", mistakes=_tanh_mistakes(x, dout))


def test_each_backward_uses_its_own_cache(ex):
    """each backward pass uses its own cache (two forward passes in flight)"""
    x1, x2 = _away_from_zero(61, (3, 4)), _away_from_zero(62, (3, 4))
    dout = rng(63).normal(size=(3, 4))
    why = (
        "Two forward passes ran, then the first one's backward pass: it did not use the first x.\n"
        "Keep what the backward pass needs in the cache returned by the forward function (not in a global "
        "variable), and read it back from that cache."
    )
    for fwd, bwd, local in (("relu_forward", "relu_backward", lambda x: x > 0),
                            ("tanh_forward", "tanh_backward", lambda x: 1 - np.tanh(x) ** 2)):
        _, cache1 = _forward(ex, fwd, x1)
        _forward(ex, fwd, x2)
        dx = _backward(ex, bwd, dout, cache1, x1)
        assert_close(dx, dout * local(x1), what=f"{bwd} of the first of two forward passes (dx)", hint=why)
