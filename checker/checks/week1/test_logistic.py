"""Hidden checks for exercise 04 (logistic).

Expected values are computed here, independently of the learner's code: the
probabilities and the loss from their textbook definitions on moderate logits,
the loss from the log-sum-exp form log(1 + e^s) − y·s = np.logaddexp(0, s) − y·s
on extreme logits, and the gradient against central differences of that loss.
"""

import warnings

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, assert_scalar, call_unchanged, fail, gradcheck, learner_frame, rng

# A 3×2 example small enough to check by hand: logits s = X @ w = [-1, -1, 2].
TX = np.array([[1.0, 2.0], [0.0, 1.0], [2.0, 0.0]])
TY = np.array([0.0, 1.0, 1.0])
TW = np.array([1.0, -1.0])

SUM_NOT_MEAN = "you returned the sum over the examples, not the mean (divide by N)."


def _sig(s):
    return 1.0 / (1.0 + np.exp(-s))


def _bce(X, y, w):
    """The cross-entropy by its definition (fine for moderate logits only)."""
    p = _sig(X @ w)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _stable_loss(X, y, w):
    s = X @ w
    return float(np.mean(np.logaddexp(0.0, s) - y * s))


def _problem(seed, n, d, int_labels=False):
    g = rng(seed)
    X, w = g.normal(size=(n, d)), g.normal(size=d)
    y = (g.random(n) < 0.5).astype(int if int_labels else float)
    return X, y, w


def test_predict_proba_tiny(ex):
    """predict_proba on a 3×2 example you can check by hand"""
    got = call_unchanged(ex.predict_proba, TX, TW, what="predict_proba", names=["X", "w"])
    got = assert_array(got, what="predict_proba(X, w)", shape=(3,), inputs={"X": TX, "w": TW})
    s = TX @ TW  # [-1, -1, 2]
    assert_close(
        got,
        _sig(s),
        what="predict_proba(X, w)",
        inputs={"X": TX, "w": TW},
        mistakes={
            "you returned the logits X @ w: apply the sigmoid to them.": s,
            "the sign is flipped: you computed σ(−X w) = 1 − σ(X w).": _sig(-s),
        },
    )


@pytest.mark.parametrize("n, d", [(5, 3), (1, 4), (40, 2)])
def test_predict_proba_shapes(ex, n, d):
    """predict_proba for several shapes (N, D)"""
    X, _, w = _problem(n * 10 + d, n, d)
    got = call_unchanged(ex.predict_proba, X, w, what="predict_proba", names=["X", "w"])
    got = assert_array(got, what=f"predict_proba on X of shape {X.shape}", shape=(n,))
    if got.dtype != np.float64:
        fail(f"predict_proba returned dtype {got.dtype}, expected float64.")
    assert_close(got, _sig(X @ w), what=f"predict_proba on X of shape {X.shape}")


def test_loss_tiny(ex):
    """logistic_loss on the same 3×2 example"""
    got = call_unchanged(ex.logistic_loss, TX, TY, TW, what="logistic_loss", names=["X", "y", "w"])
    got = assert_scalar(got, what="logistic_loss(X, y, w)")
    expected = _bce(TX, TY, TW)
    assert_close(
        got,
        expected,
        what="logistic_loss(X, y, w)",
        inputs={"X": TX, "y": TY, "w": TW},
        mistakes={
            SUM_NOT_MEAN: 3 * expected,
            "the sign is flipped: the cross-entropy is MINUS the mean log-likelihood, so it is ≥ 0.": -expected,
            "y and 1 − y are swapped: y·log(p) goes with label 1, (1 − y)·log(1 − p) with label 0.": _bce(TX, 1 - TY, TW),
            "you used log base 10; the cross-entropy uses the natural log (np.log).": expected / np.log(10),
        },
    )


@pytest.mark.parametrize("n, d, int_labels", [(6, 3, False), (1, 2, False), (30, 4, True)])
def test_loss_shapes(ex, n, d, int_labels):
    """logistic_loss is the mean over examples, for several shapes (and int labels)"""
    X, y, w = _problem(100 + n * 10 + d, n, d, int_labels)
    got = call_unchanged(ex.logistic_loss, X, y, w, what="logistic_loss", names=["X", "y", "w"])
    what = f"logistic_loss on X of shape {X.shape}" + (" with integer labels y" if int_labels else "")
    got = assert_scalar(got, what=what)
    expected = _bce(X, y, w)
    assert_close(got, expected, what=what, inputs={"X": X, "y": y, "w": w} if n * d <= 12 else None,
                 mistakes={SUM_NOT_MEAN: n * expected} if n > 1 else None)


def test_gradient_tiny(ex):
    """logistic_grad on the same 3×2 example"""
    got = call_unchanged(ex.logistic_grad, TX, TY, TW, what="logistic_grad", names=["X", "y", "w"])
    got = assert_array(got, what="logistic_grad(X, y, w)", shape=(2,), inputs={"X": TX, "y": TY, "w": TW})
    p = _sig(TX @ TW)
    expected = TX.T @ (p - TY) / 3
    assert_close(
        got,
        expected,
        what="logistic_grad(X, y, w)",
        inputs={"X": TX, "y": TY, "w": TW},
        mistakes={
            "you returned the gradient of the sum, not of the mean (divide by N).": 3 * expected,
            "the sign is flipped: use σ(X w) − y (prediction minus label).": -expected,
            "you used the logits X @ w instead of the probabilities σ(X w) (that is the least-squares "
            "gradient).": TX.T @ (TX @ TW - TY) / 3,
        },
    )


@pytest.mark.parametrize("n, d", [(5, 3), (1, 4), (25, 2), (8, 6)])
def test_gradient_matches_numerical_gradient(ex, n, d):
    """logistic_grad agrees with a numerical gradient of the loss for several shapes"""
    X, y, w = _problem(1000 + n * 10 + d, n, d)
    got = call_unchanged(ex.logistic_grad, X, y, w, what="logistic_grad", names=["X", "y", "w"])
    got = assert_array(got, what=f"logistic_grad on X of shape {X.shape}", shape=(d,))
    if got.dtype != np.float64:
        fail(f"logistic_grad returned dtype {got.dtype}, expected float64.")
    exact = X.T @ (_sig(X @ w) - y) / n
    gradcheck(
        lambda v: _stable_loss(X, y, v),
        got,
        w,
        what=f"logistic_grad on X of shape {X.shape}",
        mistakes={
            **({"you returned the gradient of the sum, not of the mean (divide by N).": n * exact} if n > 1 else {}),
            "the sign is flipped: use σ(X w) − y (prediction minus label).": -exact,
        },
    )


# Confident predictions: logits s = X @ w = [1000, -1000, 1000, -1000].
BIG_X = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, -5.0], [-5.0, 5.0]])
BIG_W = np.array([100.0, -100.0])
EXTREME_CASES = {
    "confident and right": np.array([1.0, 0.0, 1.0, 0.0]),
    "confident and wrong": np.array([0.0, 1.0, 0.0, 1.0]),
    "half right, half wrong": np.array([1.0, 1.0, 0.0, 0.0]),
}


def _learner_line(fn, exc):
    frame = learner_frame(fn, exc)
    return f" (line {frame.lineno} of your file: {frame.line})" if frame else ""


def _why_not_finite(fn, X, y, w):
    """Re-run with numpy's floating-point warnings raised, to name the operation that broke."""
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        try:
            fn(X, y, w)
        except FloatingPointError as exc:
            text, where = str(exc), _learner_line(fn, exc)
        else:
            return ""
    if "overflow" in text:
        return (
            f"numpy reports '{text}'{where}.\nLikely mistake: np.exp of a large logit overflows (e^1000 is inf), "
            "whichever form goes through it: log(1 + np.exp(s)) at s = 1000, or log(1 / (1 + np.exp(−s))) "
            "(log of the sigmoid) at s = −1000. Use np.logaddexp(0, s), which computes log(e^0 + e^s) without "
            "overflow: the loss is the mean of np.logaddexp(0, s) − y·s."
        )
    return (
        f"numpy reports '{text}'{where}.\nLikely mistake: log(sigmoid) underflows to log(0): σ(s) is exactly "
        "0.0 or 1.0 when |s| is large, so log(p) or log(1 − p) is −inf (and 0 · (−inf) is NaN). "
        "Compute the loss from the logits instead: mean of np.logaddexp(0, s) − y * s."
    )


@pytest.mark.parametrize("case", list(EXTREME_CASES))
def test_loss_at_extreme_logits(ex, case):
    """finite and exact loss at logits of ±1000"""
    y = EXTREME_CASES[case]
    s = BIG_X @ BIG_W
    expected = float(np.mean(np.logaddexp(0.0, s) - y * s))  # 0, 1000 and 500 for the three cases
    what = f"logistic_loss at logits s = X @ w = [1000, -1000, 1000, -1000] ({case})"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # diagnosed below instead
        got = call_unchanged(ex.logistic_loss, BIG_X, y, BIG_W, what="logistic_loss", names=["X", "y", "w"])
    got = assert_scalar(got, what=what)
    if not np.isfinite(got):
        fail(
            f"{what} is {got}, expected {expected:g}.\non the input\n  X = {BIG_X.tolist()}\n  y = {y.tolist()}\n"
            f"  w = {BIG_W.tolist()}\n" + _why_not_finite(ex.logistic_loss, BIG_X, y, BIG_W)
        )
    if got < expected - 1e-3:
        fail(
            f"{what} is {got:.6g}, expected {expected:g}.\non the input\n  X = {BIG_X.tolist()}\n  y = {y.tolist()}\n"
            f"  w = {BIG_W.tolist()}\n"
            "Likely mistake: the probabilities were clipped (np.clip(p, eps, 1 - eps)) or an eps was added inside "
            "the log. That caps each example's loss at −log(eps) (≈ 34.5 for eps = 1e-15), but a confidently "
            "wrong prediction with logit s costs about |s|. Compute the loss from the logits: np.logaddexp(0, s) − y·s."
        )
    assert_close(got, expected, what=what, inputs={"X": BIG_X, "y": y, "w": BIG_W})


def test_gradient_at_extreme_logits(ex):
    """finite and exact gradient at logits of ±1000"""
    y = EXTREME_CASES["half right, half wrong"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = call_unchanged(ex.logistic_grad, BIG_X, y, BIG_W, what="logistic_grad", names=["X", "y", "w"])
    got = assert_array(got, what="logistic_grad at logits of ±1000", shape=(2,))
    p = np.array([1.0, 0.0, 1.0, 0.0])  # σ(±1000) to double precision
    assert_close(
        got,
        BIG_X.T @ (p - y) / 4,
        what="logistic_grad at logits s = X @ w = [1000, -1000, 1000, -1000]",
        inputs={"X": BIG_X, "y": y, "w": BIG_W},
        hint="Use the stable _sigmoid given in the file: 1 / (1 + np.exp(-s)) overflows at s = −1000.",
    )
