"""Hidden checks for exercise 14 (gradcheck).

Expected gradients are central differences computed here with the toolkit's own
`numerical_gradient` (same formula, same h) and, for the polynomials, the closed
forms of their central differences.  The functions handed to the learner's code
record every call, so the checks can see which points f was evaluated at and
whether x was perturbed in place and put back.  relative_error is held against
the formula written out with numpy.
"""

import numpy as np
import pytest

from checker.testing import (
    assert_array,
    assert_close,
    assert_scalar,
    call_unchanged,
    fail,
    fmt,
    numerical_gradient,
    rng,
)

FORWARD = "forward differences (f(x + h) − f(x)) / h: use central differences (f(x + h) − f(x − h)) / (2h)."
BACKWARD = "backward differences (f(x) − f(x − h)) / h: use central differences (f(x + h) − f(x − h)) / (2h)."
HALF = "you divided by h instead of 2h: the two points x + h and x − h are 2h apart."
ROWS = (
    "you nudged a whole row x[i] at once: on a 2-D or 3-D x, x[i] is a row. "
    "Nudge one ENTRY at a time: for idx in np.ndindex(x.shape)."
)
COPY = (
    "you perturbed a copy of x: f reads x itself (like a network that holds its weights, "
    "f = lambda _: net.loss(...)), so it saw the unperturbed x and every difference was 0. "
    "Change x in place (x[idx] = old + h), call f(x), then put the entry back (x[idx] = old)."
)


def _one_sided(f, x, h, sign):
    """(f(x + h·eᵢ) − f(x)) / h for sign +1, (f(x) − f(x − h·eᵢ)) / h for sign −1."""
    x = np.array(x, dtype=float)
    grad, base = np.zeros_like(x), f(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + sign * h
        grad[idx] = sign * (f(x) - base) / h
        x[idx] = old
    return grad


def _row_mistake(got, expected):
    """{ROWS: got} when every row x[i] of a 2-D or 3-D result holds a single repeated number (and should not)."""
    if got.ndim < 2 or got.shape != expected.shape:
        return {}
    rows, want = got.reshape(got.shape[0], -1), expected.reshape(expected.shape[0], -1)
    if rows.shape[1] > 1 and np.all(rows == rows[:, :1]) and not np.allclose(want, want[:, :1]):
        return {ROWS: got}
    return {}


def _call(ex, f, x, **kwargs):
    """The learner's numerical_gradient(f, x, ...), checked to return a new float array of x's shape."""
    args = ", ".join(["f", "x"] + [f"{k}={v}" for k, v in kwargs.items()])
    got = ex.numerical_gradient(f, x, **kwargs)
    what = f"numerical_gradient({args})"
    got = assert_array(got, what=what)
    if got.shape != x.shape:
        fail(
            f"{what} returned an array of shape {got.shape} for x of shape {x.shape}.\n"
            "The gradient has one entry per entry of x, so the same shape: loop over EVERY entry, "
            "for idx in np.ndindex(x.shape) (not only over the rows, range(len(x)))."
        )
    if got is x or np.shares_memory(got, x):
        fail(f"{what} returned x itself (or a view of it). Return a new array, e.g. grad = np.zeros(x.shape).")
    return got


class _Recorder:
    """f(arg) = Σ weights·arg²; remembers, at every call, what f's argument and the caller's x held."""

    def __init__(self, x, weights):
        self.x, self.weights, self.calls = x, weights, []

    def __call__(self, arg):
        arg = np.asarray(arg, dtype=float)
        self.calls.append((arg.copy(), self.x.copy()))
        return float(np.sum(self.weights * arg**2))


def _changed(a, b):
    return [tuple(int(i) for i in idx) for idx in zip(*np.nonzero(a != b))]


def _name(idx):
    return f"x[{', '.join(str(i) for i in idx)}]"


# --------------------------------------------------------------------------- numerical_gradient


def test_tiny_example(ex):
    """numerical_gradient of f(x) = Σ x² at x = [1, −2, 3] is 2x"""
    x = np.array([1.0, -2.0, 3.0])

    def f(v):
        return float(np.sum(v**2))

    h = 1e-5
    expected = numerical_gradient(f, x.copy(), h)  # 2x, up to rounding: (x + h)² − (x − h)² = 4xh
    got = _call(ex, f, x.copy())
    assert_close(
        got,
        expected,
        what="numerical_gradient(f, x) for f(x) = Σ x²",
        inputs={"x": x},
        rtol=1e-7,
        atol=1e-8,
        mistakes={
            FORWARD: _one_sided(f, x, h, +1),
            BACKWARD: _one_sided(f, x, h, -1),
            HALF: 2 * numerical_gradient(f, x.copy(), h),
            "you nudged all the entries at once: perturb one entry at a time.": np.full(3, np.sum(2 * x)),
        },
        hint="(For x² the central difference is exact up to rounding; an error of about h = 1e-5 is the mark "
        "of a one-sided difference.)",
    )


@pytest.mark.parametrize("h", [0.1, 1e-3])
def test_central_differences_with_the_given_h(ex, h):
    """central differences, with the step h that is passed in (f(x) = Σ x³)"""
    x = np.array([1.0, -0.5, 2.0])

    def f(v):
        return float(np.sum(v**3))

    got = _call(ex, f, x.copy(), h=h)
    expected = 3 * x**2 + h**2  # the exact central difference of x³
    assert_close(
        got,
        expected,
        what=f"numerical_gradient(f, x, h={h}) for f(x) = Σ x³",
        inputs={"x": x},
        rtol=1e-7,
        atol=1e-9,
        mistakes={
            FORWARD: 3 * x**2 + 3 * x * h + h**2,
            BACKWARD: 3 * x**2 - 3 * x * h + h**2,
            HALF: 2 * expected,
            f"the step h = {h} that was passed in was not used (a fixed step instead?).": 3 * x**2,
        },
        hint=f"For x³ the central difference is exactly 3x² + h², here 3x² + {h**2:g}.",
    )


def test_default_step(ex):
    """without h, the step is h = 1e-5"""
    x = np.array([0.3, -0.7, 1.1])

    def f(v):
        return float(np.sum(np.sin(1000 * v)))  # a wiggly function: the step size shows in the result

    expected = numerical_gradient(f, x.copy(), 1e-5)
    got = _call(ex, f, x.copy())
    assert_close(
        got,
        expected,
        what="numerical_gradient(f, x) for f(x) = Σ sin(1000·x), without h",
        inputs={"x": x},
        rtol=1e-9,
        atol=1e-9,
        mistakes={
            f"the default step is not 1e-5 (it looks like h = {h:g}): the signature is numerical_gradient(f, x, h=1e-5).": (
                numerical_gradient(f, x.copy(), h)
            )
            for h in (1e-3, 1e-4, 1e-6, 1e-7)
        },
    )


def test_f_sees_x_perturbed_in_place(ex):
    """x is perturbed in place: f may read x itself instead of its argument"""
    g = rng(3)
    W = np.round(g.normal(size=(2, 3)), 2)
    C = np.round(g.normal(size=(2, 3)), 2)

    def loss(_):  # like net.loss(X, y): reads the weights W, ignores its argument
        return float(np.sum(np.tanh(W) * C))

    expected = numerical_gradient(loss, W, 1e-5)  # perturbs W itself, in place
    W0 = W.copy()
    got = _call(ex, loss, W)
    assert_close(
        got,
        expected,
        what="numerical_gradient(loss, W) where loss = lambda _: np.sum(np.tanh(W) * C) reads W itself",
        inputs={"W": W0, "C": C},
        rtol=1e-6,
        atol=1e-8,
        mistakes={COPY: np.zeros_like(W), **_row_mistake(got, expected)},
        hint="(Expected: (1 − tanh²(W))·C, the gradient of the loss with respect to W.)",
    )


def test_one_entry_nudged_at_a_time(ex):
    """f is called at x ± h·eᵢ for every entry i, with all other entries at their values"""
    x0 = np.array([[0.5, -1.25, 2.0], [0.75, 1.5, -0.5]])
    x = x0.copy()
    h = 1e-3
    f = _Recorder(x, np.arange(1.0, 7.0).reshape(2, 3))
    _call(ex, f, x, h=h)
    if not f.calls:
        fail("numerical_gradient(f, x, h=0.001) never called f.")
    seen = set()
    for k, (arg, caller_x) in enumerate(f.calls):
        in_x, in_arg = _changed(caller_x, x0), _changed(arg, x0)
        if in_arg and not in_x:
            fail(f"At call {k + 1}, f got a perturbed array, but x itself was unchanged.\nLikely mistake: {COPY}")
        nudged = [i for i in in_x if abs(abs(caller_x[i] - x0[i]) - h) <= 1e-9]
        others = [i for i in in_x if i not in nudged]
        if others:
            i = others[0]
            off = caller_x[i] - x0[i]
            if abs(off) < 1e-12:
                fail(
                    f"At call {k + 1} of f, {_name(i)} was {float(caller_x[i])!r} instead of {float(x0[i])!r}: it was put back "
                    f"with a rounding error of {off:.2g}.\nAdding h and subtracting it again does not give back the "
                    "same float. Save old = x[idx] first and restore it by assignment, x[idx] = old."
                )
            fail(
                f"At call {k + 1} of f, {_name(i)} was {float(caller_x[i])!r} instead of {float(x0[i])} ± {h}: "
                f"it was moved by {off:.6g}, not by ±h.\nEvaluate f at x[idx] = old + h and at x[idx] = old − h."
            )
        if len(nudged) > 1:
            fail(
                f"At call {k + 1} of f, {len(nudged)} entries of x were nudged at once: "
                f"{', '.join(_name(i) for i in nudged)} (x was {fmt(caller_x)}).\n"
                "Put each entry back (x[idx] = old) after its two evaluations, before nudging the next one."
            )
        if nudged:
            idx = nudged[0]
            seen.add((idx, 1 if caller_x[idx] > x0[idx] else -1))
    for idx in np.ndindex(x0.shape):
        for sign, word in ((1, "+"), (-1, "−")):
            if (idx, sign) not in seen:
                mistake = FORWARD if sign == -1 and (idx, 1) in seen else "every entry must be nudged both up and down."
                fail(
                    f"f was never called with {_name(idx)} nudged to {float(x0[idx])} {word} h (h = {h}) "
                    f"and the other entries at their values.\nLikely mistake: {mistake}"
                )


def test_x_restored_exactly(ex):
    """when numerical_gradient returns, x holds exactly its original values"""
    x0 = np.round(rng(8).normal(size=(4, 5)), 2)
    x = x0.copy()
    weights = np.linspace(-1, 1, 20).reshape(4, 5)

    def f(v):
        return float(np.sum(weights * v**2))

    _call(ex, f, x)
    if np.array_equal(x, x0):
        return
    changed = _changed(x, x0)
    idx = changed[0]
    diff = float(np.max(np.abs(x - x0)))
    head = (
        f"After numerical_gradient(f, x) returned, {len(changed)} entries of x had changed, "
        f"e.g. {_name(idx)} = {float(x[idx])!r} instead of {float(x0[idx])!r}.\n"
    )
    if diff < 1e-12:
        fail(
            head + "Rounding errors: adding h and subtracting it again does not give back the same float. "
            "Save old = x[idx] first and restore it by assignment, x[idx] = old."
        )
    if np.allclose(np.abs(x - x0)[x != x0], 1e-5, rtol=1e-3):
        fail(head + "An entry was left nudged by h: after its two evaluations, put it back with x[idx] = old.")
    fail(head + "Perturb x in place while you work, but put every entry back (x[idx] = old) before you return.")


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 2), (1,), (5, 1)], ids=["3x4", "2x3x2", "1", "5x1"])
def test_any_shape(ex, shape):
    """x of several shapes: a matrix, a 3-D array, a single entry, a column"""
    g = rng(sum(shape) + len(shape))
    x = np.round(g.normal(size=shape), 2)
    W, V = g.normal(size=shape), g.normal(size=shape)

    def f(v):  # not a sum of separate terms: every entry's gradient depends on all entries
        return float(np.sum(np.tanh(v * W)) + np.sum(v * V) ** 2)

    h = 1e-4
    expected = numerical_gradient(f, x.copy(), h)
    got = _call(ex, f, x.copy(), h=h)
    assert_close(
        got,
        expected,
        what=f"numerical_gradient(f, x, h={h}) on x of shape {shape}",
        inputs={"x": x} if x.size <= 12 else None,
        rtol=1e-7,
        atol=1e-9,
        mistakes=_row_mistake(got, expected),
    )


# --------------------------------------------------------------------------- relative_error


def _relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


NO_FLOOR = "the floor is missing: where a and b are both 0 the denominator must be max(1e-8, 0) = 1e-8, not 0 (0/0)."


def test_relative_error_tiny_example(ex):
    """relative_error of [1, 2, 0] and [1.5, 2.5, 0], by hand"""
    a, b = np.array([1.0, 2.0, 0.0]), np.array([1.5, 2.5, 0.0])
    # per entry: 0.5/2.5 = 0.2, 0.5/4.5 ≈ 0.111, 0/1e-8 = 0  →  max 0.2
    with np.errstate(all="ignore"):
        got = assert_scalar(call_unchanged(ex.relative_error, a, b, what="relative_error", names=["a", "b"]), what="relative_error(a, b)")
    assert_close(
        got,
        0.2,
        what="relative_error(a, b)",
        inputs={"a": a, "b": b},
        mistakes={
            NO_FLOOR: np.nan,
            "the denominator is max(|a|, |b|); the formula uses the sum |a| + |b|.": 0.5 / 1.5,
            "you averaged the entries' errors; relative_error is the largest one (np.max).": (0.2 + 0.5 / 4.5) / 3,
            "you summed the entries' errors; relative_error is the largest one (np.max).": 0.2 + 0.5 / 4.5,
            "the absolute value of a − b is missing: use |a − b|.": 0.0,
            "you divided whole-array quantities; the ratio is taken entry by entry, then the max.": 0.5 / 4.5,
            "you divided whole-array sums; the ratio is taken entry by entry, then the max.": 1.0 / 7.0,
        },
    )


def test_relative_error_floor(ex):
    """the floor 1e-8: relative_error of [0, 1e-9, 0] and [0, 0, 3e-9] is 0.3"""
    a, b = np.array([0.0, 1e-9, 0.0]), np.array([0.0, 0.0, 3e-9])
    # per entry: 0/1e-8 = 0, 1e-9/1e-8 = 0.1, 3e-9/1e-8 = 0.3
    with np.errstate(all="ignore"):
        got = assert_scalar(ex.relative_error(a, b), what="relative_error(a, b)")
    assert_close(
        got,
        0.3,
        what="relative_error(a, b) with a = [0, 1e-9, 0], b = [0, 0, 3e-9]",
        mistakes={
            NO_FLOOR: np.nan,
            "the floor is missing: with a denominator |a| + |b| alone, tiny values give a relative error of 1.": 1.0,
            "you added 1e-8 to the denominator; the formula takes the larger of the two, max(1e-8, |a| + |b|).": 3e-9 / 1.3e-8,
        },
    )
    zero = np.zeros((2, 2))
    with np.errstate(all="ignore"):
        same = assert_scalar(ex.relative_error(zero, zero.copy()), what="relative_error(zeros, zeros)")
    assert_close(same, 0.0, what="relative_error of two arrays of zeros", mistakes={NO_FLOOR: np.nan})


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)], ids=["5", "3x4", "2x3x4"])
def test_relative_error_any_shape(ex, shape):
    """relative_error on arrays of several shapes, in both orders"""
    g = rng(40 + len(shape))
    a = g.normal(size=shape)
    b = a + g.normal(size=shape) * 1e-3 * np.abs(a)
    for first, second, label in ((a, b, "a, b"), (b, a, "b, a")):
        got = call_unchanged(ex.relative_error, first, second, what="relative_error", names=label.split(", "))
        got = assert_scalar(got, what=f"relative_error({label}) on arrays of shape {shape}")
        assert_close(
            got,
            _relative_error(first, second),
            what=f"relative_error({label}) on arrays of shape {shape}",
            rtol=1e-9,
            atol=1e-15,
        )
