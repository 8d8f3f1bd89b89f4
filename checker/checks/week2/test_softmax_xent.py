"""Hidden checks for exercise 17 (softmax_xent).

Expected values are computed here, independently of the learner's code, from
log-softmax = logits − logsumexp(logits) with numpy's own np.logaddexp.reduce
(stable for any logits); the gradient is also held against central differences
of that loss.  Overflow and log(0) are caught by running the learner's
functions with numpy's overflow, 0/0 and divide-by-zero turned into errors
(underflow, which is harmless here, stays allowed).  The misconceptions named:
no max-subtraction (overflow at 1e4), the max of the wrong axis or of the whole
array, a gradient N times too large (no division by the batch size), log of an
underflowed softmax, clipping, p[:, y] instead of p[np.arange(N), y].
"""

import warnings

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, assert_scalar, at_learner_line, fail, fmt, gradcheck, rng, snapshot

NO_MAX = (
    "subtract the row max before exp. exp(1e4) overflows to inf (and inf / inf is NaN); softmax does not "
    "change when a row is shifted, so use z = logits - np.max(logits, axis=1, keepdims=True), whose largest "
    "exponent is exp(0) = 1."
)
GLOBAL_MAX = (
    "the max of the whole array was subtracted, not each row's. A row far below the global max then underflows "
    "to all zeros, and 0 / 0 is NaN. Use np.max(logits, axis=1, keepdims=True)."
)
LOG_UNDERFLOW = (
    "log of softmax underflow: a probability rounds to 0.0 (here p[y] ≈ e^(−1000)) and log(0) = −inf. "
    "Use log-sum-exp: log p = z − log(Σⱼ exp(zⱼ)) with z = logits − row max, which stays finite."
)
NO_DIV_N = "forgot to divide by the batch size N: the gradient is N times too large. dlogits = (p − onehot(y)) / N."
WRONG_AXIS = "the max was taken over the wrong axis (axis=0, down the columns). Use axis=1 with keepdims=True."


def _log_softmax(logits):
    return logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)


def _softmax(logits):
    with np.errstate(under="ignore"):
        return np.exp(_log_softmax(logits))


def _loss(logits, y):
    return float(-np.mean(_log_softmax(logits)[np.arange(len(y)), y]))


def _grad(logits, y):
    n = logits.shape[0]
    onehot = np.zeros_like(logits)
    onehot[np.arange(n), y] = 1.0
    return (_softmax(logits) - onehot) / n


def _show(**arrays):
    """One aligned `name = value` line per array, as the toolkit's messages show them."""
    return "\n".join(f"  {name} = " + fmt(v).replace("\n", "\n" + " " * (len(name) + 5)) for name, v in arrays.items())


def _failed(name, problem, why, **inputs):
    """Fail for a floating-point error that numpy raised inside the learner's function."""
    fail(f"{name} failed\non the input\n{_show(**inputs)}\n{problem[1]}\nLikely mistake: {why}")


def _call(fn, name, *args, labels, strict=False, divide="raise"):
    """Call fn(*args) with logits and y guarded.

    strict: overflow, 0/0 and (unless divide="ignore") log(0) raise, underflow is
    allowed; returns (result, None) or (None, (kind, text)), kind "over", "invalid" or "divide".
    """
    before = snapshot(args)
    if strict:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with np.errstate(over="raise", invalid="raise", divide=divide, under="ignore"):
                try:
                    result = fn(*args)
                except (FloatingPointError, OverflowError) as exc:
                    text = str(exc)
                    kind = "over" if "overflow" in text else "divide" if "divide" in text else "invalid"
                    return None, (kind, f"{type(exc).__name__}: {text}{at_learner_line(fn, exc)}")
        runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
        if runtime:
            text = str(runtime[0].message)
            kind = "over" if "overflow" in text else "divide" if "divide" in text else "invalid"
            return None, (kind, f"RuntimeWarning: {text}")
    else:
        try:
            result = fn(*args)
        except ValueError as exc:
            if "broadcast" not in str(exc):
                raise
            shown = _show(**dict(zip(labels, args)))
            fail(
                f"{name} raised ValueError: {exc}{at_learner_line(fn, exc)}\non the input\n{shown}\n"
                "Likely mistake: a row sum without keepdims=True. np.sum(e, axis=1) has shape (N,), which does not "
                "line up with the rows of an (N, C) array; np.sum(e, axis=1, keepdims=True) has shape (N, 1)."
            )
    for label, old, new in zip(labels, before, args):
        if not (old.shape == new.shape and np.array_equal(old, new)):
            fail(
                f"{name} changed its input `{label}` in place.\non the input\n{_show(**{label: old})}\n"
                f"after the call it was\n{_show(**{label: new})}\n"
                f"The caller still needs `{label}`: `{label} -= ...` changes the caller's array. "
                f"Make a new one instead: z = {label} - np.max({label}, axis=1, keepdims=True)."
            )
    return (result, None) if strict else result


def _check_softmax_result(got, logits):
    small = logits.size <= 12
    got = assert_array(got, what=f"softmax on logits of shape {logits.shape}", shape=logits.shape,
                       inputs={"logits": logits} if small else None)
    if got.dtype != np.float64:
        fail(f"softmax returned dtype {got.dtype}, expected float64.")
    return got


def _check_xent_result(result, logits, y):
    what = f"softmax_cross_entropy on logits of shape {logits.shape}"
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{what} returned {fmt(result, max_chars=120)}, expected a pair (loss, dlogits).\n"
             "End with `return loss, dlogits`.")
    loss = assert_scalar(result[0], what=f"{what} (loss)")
    dlogits = assert_array(result[1], what=f"{what} (dlogits)", shape=logits.shape,
                           inputs={"logits": logits, "y": y} if logits.size <= 12 else None)
    if dlogits.dtype != np.float64:
        fail(f"softmax_cross_entropy returned dlogits of dtype {dlogits.dtype}, expected float64.")
    return loss, dlogits


def _softmax_mistakes(logits):
    e = np.exp(logits)
    mistakes = {
        "the exponentials were divided by the sums of the COLUMNS (axis=0); softmax normalizes each row "
        "(axis=1, keepdims=True).": e / e.sum(axis=0, keepdims=True),
        WRONG_AXIS: _softmax(logits - logits.max(axis=0, keepdims=True)),
        "the exp is missing: softmax divides exp(logits), not the logits themselves, by the row sum.":
            logits / logits.sum(axis=1, keepdims=True),
        "the result is not normalized: divide exp(z) by its row sum.": np.exp(logits - logits.max(axis=1, keepdims=True)),
    }
    if logits.shape[0] == logits.shape[1]:
        mistakes["the row sums were taken without keepdims=True, so they broadcast along the wrong axis. "
                 "Use np.sum(e, axis=1, keepdims=True)."] = e / e.sum(axis=1)
    return mistakes


def _loss_mistakes(logits, y):
    n, c = logits.shape
    loss, log_p = _loss(logits, y), _log_softmax(logits)
    mistakes = {
        WRONG_AXIS: _loss(logits - logits.max(axis=0, keepdims=True), y),
        "the sign is flipped: the loss is MINUS the mean log-probability, so it is ≥ 0.": -loss,
        "you used log base 10; the cross-entropy uses the natural log (np.log).": loss / np.log(10),
        "the loss was averaged over all N·C entries; average over the N examples only.": loss / c,
    }
    if n > 1:
        mistakes["the loss is the sum over the batch, not the mean (divide by the batch size N)."] = n * loss
        mistakes["log_p[:, y] picks an N×N block, not one entry per row: use log_p[np.arange(N), y]."] = float(
            -np.mean(log_p[:, y]))
    return mistakes


def _grad_mistakes(logits, y):
    n = logits.shape[0]
    grad, p = _grad(logits, y), _softmax(logits)
    mistakes = {
        WRONG_AXIS: _grad(logits - logits.max(axis=0, keepdims=True), y),
        "the sign is flipped: dlogits = (p − onehot(y)) / N (probabilities minus labels).": -grad,
        "the one-hot of y is not subtracted: dlogits = (p − onehot(y)) / N.": p / n,
        "dlogits was divided by N·C; divide by the batch size N only.": grad / logits.shape[1],
    }
    if n > 1:
        mistakes[NO_DIV_N] = n * grad
        wrong = p.copy()
        wrong[:, y] -= 1.0
        mistakes["p[:, y] -= 1 subtracts from whole columns: use p[np.arange(N), y] -= 1 (one entry per row)."] = (
            wrong / n)
    return mistakes


# ------------------------------------------------------------------------ softmax

TINY = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
TINY_Y = np.array([2, 0])


def test_softmax_tiny(ex):
    """softmax on a 2×3 example you can check by hand"""
    got = _check_softmax_result(_call(ex.softmax, "softmax", TINY, labels=["logits"]), TINY)
    e = np.exp([1.0, 2.0, 3.0])
    expected = np.array([e / e.sum(), [1 / 3, 1 / 3, 1 / 3]])
    assert_close(got, expected, what="softmax(logits)", inputs={"logits": TINY}, mistakes=_softmax_mistakes(TINY))


@pytest.mark.parametrize("n, c", [(4, 3), (1, 5), (6, 2), (3, 3), (2, 10)])
def test_softmax_shapes(ex, n, c):
    """softmax for several shapes (N, C): rows sum to 1, logits unchanged"""
    logits = rng(n * 10 + c).normal(scale=3.0, size=(n, c))
    got = _check_softmax_result(_call(ex.softmax, "softmax", logits, labels=["logits"]), logits)
    assert_close(got, _softmax(logits), what=f"softmax on logits of shape {logits.shape}",
                 inputs={"logits": logits} if logits.size <= 12 else None, mistakes=_softmax_mistakes(logits))


def test_softmax_stable_at_huge_logits(ex):
    """softmax is finite, right and warning-free at logits of 1e4"""
    logits = np.array([[1e4, 1e4 - 1.0, 1e4 - 3.0], [-1e4, 0.0, 1e4]])
    got, problem = _call(ex.softmax, "softmax", logits, labels=["logits"], strict=True)
    if problem:
        _failed("softmax", problem, NO_MAX, logits=logits)
    got = _check_softmax_result(got, logits)
    assert_close(got, _softmax(logits), what="softmax at logits of 1e4", inputs={"logits": logits},
                 mistakes={WRONG_AXIS: _softmax(logits - logits.max(axis=0, keepdims=True))})


def test_softmax_rows_far_apart(ex):
    """softmax of rows far apart: each row is shifted by its own max"""
    logits = np.array([[0.0, 1.0, 2.0], [2e4, 2e4 + 1.0, 2e4 + 2.0]])
    got, problem = _call(ex.softmax, "softmax", logits, labels=["logits"], strict=True)
    if problem:
        why = NO_MAX if problem[0] == "over" else GLOBAL_MAX
        _failed("softmax", problem, why, logits=logits)
    got = _check_softmax_result(got, logits)
    with np.errstate(all="ignore"):
        e = np.exp(logits - np.max(logits))
        global_max = e / e.sum(axis=1, keepdims=True)  # row 0 is 0 / 0 = NaN
    assert_close(got, _softmax(logits), what="softmax of two rows far apart", inputs={"logits": logits},
                 mistakes={GLOBAL_MAX: global_max})


# ------------------------------------------------------------------------ cross-entropy


def test_cross_entropy_tiny(ex):
    """softmax_cross_entropy on the same 2×3 example"""
    result = _call(ex.softmax_cross_entropy, "softmax_cross_entropy", TINY, TINY_Y, labels=["logits", "y"])
    loss, dlogits = _check_xent_result(result, TINY, TINY_Y)
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    expected_loss = (-np.log(p[2]) + np.log(3.0)) / 2  # −log p[y] of each row, averaged
    expected_grad = np.array([[p[0], p[1], p[2] - 1.0], [1 / 3 - 1.0, 1 / 3, 1 / 3]]) / 2
    inputs = {"logits": TINY, "y": TINY_Y}
    assert_close(loss, expected_loss, what="softmax_cross_entropy(logits, y) (loss)", inputs=inputs,
                 mistakes=_loss_mistakes(TINY, TINY_Y))
    assert_close(dlogits, expected_grad, what="softmax_cross_entropy(logits, y) (dlogits)", inputs=inputs,
                 mistakes=_grad_mistakes(TINY, TINY_Y))


@pytest.mark.parametrize("n, c", [(5, 3), (1, 4), (8, 10), (4, 4)])
def test_cross_entropy_values(ex, n, c):
    """loss and dlogits for several shapes (N, C), the gradient against a numerical one"""
    g = rng(100 + n * 10 + c)
    logits, y = g.normal(scale=2.0, size=(n, c)), g.integers(0, c, size=n)
    result = _call(ex.softmax_cross_entropy, "softmax_cross_entropy", logits, y, labels=["logits", "y"])
    loss, dlogits = _check_xent_result(result, logits, y)
    what = f"softmax_cross_entropy on logits of shape {logits.shape}"
    inputs = {"logits": logits, "y": y} if logits.size <= 12 else None
    assert_close(loss, _loss(logits, y), what=f"{what} (loss)", inputs=inputs, mistakes=_loss_mistakes(logits, y))
    gradcheck(lambda v: _loss(v, y), dlogits, logits, what=f"{what} (dlogits)", inputs=inputs,
              mistakes=_grad_mistakes(logits, y))


def test_cross_entropy_stable_at_huge_logits(ex):
    """loss and dlogits are finite, right and warning-free at logits of 1e4"""
    logits = np.array([[1e4, 1e4 - 2.0, 0.0], [-1e4, 1e4, 1e4 - 1.0], [3.0, -1e4, 1e4]])
    y = np.array([1, 2, 2])  # correct classes with fair probabilities: this check is about overflow only,
    # and a log(0) on another class is left to the next check.
    result, problem = _call(ex.softmax_cross_entropy, "softmax_cross_entropy", logits, y,
                            labels=["logits", "y"], strict=True, divide="ignore")
    inputs = {"logits": logits, "y": y}
    if problem:
        _failed("softmax_cross_entropy", problem, NO_MAX, logits=logits, y=y)
    loss, dlogits = _check_xent_result(result, logits, y)
    assert_close(loss, _loss(logits, y), what="softmax_cross_entropy at logits of 1e4 (loss)", inputs=inputs,
                 rtol=1e-9)
    assert_close(dlogits, _grad(logits, y), what="softmax_cross_entropy at logits of 1e4 (dlogits)", inputs=inputs,
                 mistakes={NO_DIV_N: 3 * _grad(logits, y)})


def test_cross_entropy_log_of_tiny_probability(ex):
    """finite, exact loss when the correct class has probability ≈ e^(−1000)"""
    logits = np.array([[0.0, 1000.0, -5.0], [5.0, 3.0, 0.0]])
    y = np.array([0, 0])
    expected = _loss(logits, y)  # (1000 + log(1 + e^(−2) + e^(−5))) / 2 ≈ 500.07
    inputs = {"logits": logits, "y": y}
    result, problem = _call(ex.softmax_cross_entropy, "softmax_cross_entropy", logits, y,
                            labels=["logits", "y"], strict=True)
    if problem:
        why = NO_MAX if problem[0] == "over" else LOG_UNDERFLOW
        _failed("softmax_cross_entropy", problem, why, logits=logits, y=y)
    loss, dlogits = _check_xent_result(result, logits, y)
    if np.isfinite(loss) and loss < expected - 1.0:
        fail(
            f"softmax_cross_entropy (loss) is {loss:.6g}, expected {expected:.6g}.\n"
            f"on the input\n{_show(logits=logits, y=y)}\n"
            "Likely mistake: the probabilities were clipped (np.clip(p, eps, 1)) or an eps was added inside the "
            "log. That caps each example's loss at −log(eps), but a confidently wrong prediction costs about "
            f"its logit gap (1000 here). Use log-sum-exp instead: {LOG_UNDERFLOW.split('Use log-sum-exp: ')[1]}"
        )
    assert_close(loss, expected, what="softmax_cross_entropy (loss)", inputs=inputs, rtol=1e-9,
                 mistakes={LOG_UNDERFLOW: np.inf})
    assert_close(dlogits, _grad(logits, y), what="softmax_cross_entropy (dlogits)", inputs=inputs,
                 mistakes=_grad_mistakes(logits, y))
