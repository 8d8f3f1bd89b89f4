"""Hidden checks for exercise 05 (features).

The expected columns are computed here, one by one, from their definitions.
When the learner's answer is wrong, each of its columns is matched against
the six expected features (and a few typical wrong ones), so the message can
say which column holds what -- e.g. the right features in the wrong order.
"""


import numpy as np
import pytest

from checker.testing import assert_array, assert_true, at_learner_line, call_unchanged, fail, fmt, rng

NAMES = ["x0", "x1", "x0²", "x1²", "x0·x1", "1 (bias)"]
ORDER = "[x0, x1, x0², x1², x0·x1, 1]"
WHAT = "expand_features"


def _expected_columns(X):
    x0, x1 = X[:, 0].astype(float), X[:, 1].astype(float)
    return [x0, x1, x0**2, x1**2, x0 * x1, np.ones(len(X))]


def _wrong_columns(X):
    """Columns that typical mistakes produce, with the mistake's description."""
    x0, x1 = X[:, 0].astype(float), X[:, 1].astype(float)
    wrong = {
        "x0·2 (x0 * 2 instead of x0 ** 2)": 2 * x0,
        "x1·2 (x1 * 2 instead of x1 ** 2)": 2 * x1,
        "2·x0·x1 (the cross term of (x0 + x1)², but the feature is x0·x1)": 2 * x0 * x1,
        "zeros (the bias column must be ones: np.ones)": np.zeros(len(X)),
    }
    if X.dtype.kind in "iu":
        wrong["x0 ^ 2 (in Python ^ is bitwise XOR, not a power: use x0 ** 2)"] = (X[:, 0] ^ 2).astype(float)
        wrong["x1 ^ 2 (in Python ^ is bitwise XOR, not a power: use x1 ** 2)"] = (X[:, 1] ^ 2).astype(float)
    return wrong


def _same(a, b):
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-12, atol=1e-12))


def _call(ex, X):
    """Call the learner's function (input guarded), with a friendly note for `^`."""
    fn = ex.expand_features
    try:
        return call_unchanged(fn, X, what=WHAT, names=["X"])
    except TypeError as exc:
        if "xor" not in str(exc):
            raise
        where = at_learner_line(fn, exc)
        fail(
            f"{WHAT} raised TypeError: {exc}{where}\n"
            "Likely mistake: `^` is bitwise XOR in Python, not a power. Square with ** 2 (x0 ** 2)."
        )


def _check(got, X, what):
    """Fail unless got == the six expected columns; say which column holds what."""
    n = X.shape[0]
    expected = _expected_columns(X)
    rendered = fmt(X).replace("\n", "\n" + " " * 6)
    inputs = f"on the input\n  X = {rendered}  # shape {X.shape}\n" if n <= 4 else f"on X of shape {X.shape}\n"
    if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape == (6, n) and n != 6:
        fail(
            f"{what} returned shape {got.shape}, expected ({n}, 6): one ROW per point, one COLUMN per feature.\n"
            f"{inputs}Did you use np.stack / np.vstack (which makes the features rows)? np.column_stack makes them columns."
        )
    got = assert_array(got, what=what)
    if got.ndim != 2 or got.shape[0] != n:
        fail(f"{what} returned shape {got.shape}, expected ({n}, 6).\n{inputs}Build it from columns of shape ({n},).")
    if got.shape == (n, 6) and all(_same(got[:, j], expected[j]) for j in range(6)):
        return

    wrong = _wrong_columns(X)

    def identify(col):
        found = [NAMES[i] for i in range(6) if _same(col, expected[i])]
        if found:
            return found[0]
        return next((desc for desc, value in wrong.items() if _same(col, value)), None)

    held = [identify(got[:, j]) for j in range(got.shape[1])]
    lines = [f"{what} is not right.", inputs.rstrip("\n")]
    if got.shape[1] != 6:
        present = [h for h in held if h in NAMES]
        missing = [name for name in NAMES if name not in present]
        lines.append(f"It returned {got.shape[1]} columns, expected 6: {ORDER}.")
        lines.append("Your columns: " + ", ".join(h or "(not a feature)" for h in held))
        if missing:
            lines.append("Missing: " + ", ".join(missing) + ".")
        fail("\n".join(lines))
    if sorted(held, key=str) == sorted(NAMES, key=str):
        if held == NAMES[5:] + NAMES[:5]:
            lines.append(
                f"Likely mistake: the bias column of ones is FIRST. In this course the bias goes LAST: {ORDER}."
            )
        else:
            lines.append("Your columns are the right features in the wrong order:")
            lines += [f"  column {j} holds {h}, expected {NAMES[j]}" for j, h in enumerate(held) if h != NAMES[j]]
            lines.append(f"The order must be exactly {ORDER}: the learned weights are read by position.")
        fail("\n".join(lines))
    for j in range(6):
        if held[j] == NAMES[j]:
            continue
        lines.append(f"column {j} should be {NAMES[j]}: expected {fmt(expected[j])}, got {fmt(got[:, j])}")
        if held[j] is not None and held[j] not in NAMES:
            lines.append(f"  Likely mistake: it holds {held[j]}.")
        elif held[j] is not None:
            lines.append(f"  It holds {held[j]}. The order must be exactly {ORDER}.")
    fail("\n".join(lines))


def test_tiny_example(ex):
    """the six features of two points you can check by hand"""
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    # rows: [1, 2, 1, 4, 2, 1] and [3, -1, 9, 1, -3, 1]
    _check(_call(ex, X), X, f"{WHAT}(X)")


@pytest.mark.parametrize("n", [1, 5, 50])
def test_values_and_shape(ex, n):
    """shape (N, 6), float64 and right values, for N = 1 and larger N"""
    X = rng(40 + n).normal(size=(n, 2))
    got = _call(ex, X)
    _check(got, X, f"{WHAT} on X of shape {X.shape}")
    assert_true(got.dtype == np.float64, f"{WHAT} returned dtype {got.dtype}, expected float64.")


def test_bias_column_is_ones_and_last(ex):
    """the last column is the bias: all ones"""
    X = rng(3).normal(size=(4, 2))
    got = assert_array(_call(ex, X), what=f"{WHAT}(X)")
    ones = [j for j in range(got.shape[1] if got.ndim == 2 else 0) if np.all(got[:, j] == 1.0)]
    if got.ndim == 2 and got.shape[1] >= 1 and np.all(got[:, -1] == 1.0):
        return
    if ones:
        fail(f"{WHAT}: the column of ones is column {ones[0]}; the bias column goes LAST: {ORDER}.")
    fail(f"{WHAT}: no column of ones in the result. Add the bias column, np.ones(N), LAST: {ORDER}.")


def test_integer_input(ex):
    """integer points give float64 features"""
    X = np.array([[1, 2], [3, -1], [0, 4]])
    got = _call(ex, X)
    _check(got, X, f"{WHAT} on integer X")
    assert_true(
        got.dtype == np.float64,
        f"{WHAT} returned dtype {got.dtype} for integer X, expected float64.\n"
        "Convert first: X = np.asarray(X, dtype=float), or give the ones column a float dtype.",
    )
