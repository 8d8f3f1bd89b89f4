"""Hidden checks for exercise 15 (dense).

Expected values are computed here from the closed forms (x @ W + b, dout @ Wᵀ,
xᵀ @ dout, the column sums of dout), independently of the learner's code; every
gradient is also held against central differences of L = Σ dout ⊙ (x @ W + b).
The cache is opaque: it is only handed back to the learner's backward pass.
The misconceptions named: a transposed weight gradient, db not summed over the
batch (or averaged), a forgotten dx.
"""

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, call_unchanged, fail, fmt, gradcheck, rng

TRANSPOSED = (
    "a transposed weight gradient: you computed dout.T @ x, shape (M, D). dW must have W's shape (D, M): "
    "dW = x.T @ dout."
)
DB_MEAN = (
    "db averaged over the batch instead of summed. Sum it (dout.sum(axis=0)): the upstream gradient dout "
    "already carries any 1/N of the loss, so dividing again counts it twice."
)
DW_MEAN = (
    "dW divided by the batch size N. Do not divide: the upstream gradient dout already carries any 1/N of the loss."
)

# A tiny example: N = 2 examples, D = 3 features, M = 2 outputs.
TX = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]])
TW = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
TB = np.array([0.5, -1.0])
TDOUT = np.array([[1.0, -1.0], [2.0, 0.5]])


def _problem(seed, n, d, m):
    g = rng(seed)
    return g.normal(size=(n, d)), g.normal(size=(d, m)), g.normal(size=m), g.normal(size=(n, m))


def _forward(ex, x, W, b):
    """The learner's (out, cache), x, W and b guarded; out checked for type and shape."""
    n, m = x.shape[0], W.shape[1]
    result = call_unchanged(ex.dense_forward, x, W, b, what="dense_forward", names=["x", "W", "b"])
    if not isinstance(result, tuple) or len(result) != 2:
        fail(
            f"dense_forward(x, W, b) returned {fmt(result, max_chars=120)}, expected a pair (out, cache).\n"
            "End with `return out, cache`, where cache holds what the backward pass needs, e.g. (x, W)."
        )
    out, cache = result
    small = x.size <= 12
    out = assert_array(out, what=f"dense_forward on x of shape {x.shape}, W of shape {W.shape} (out)",
                       shape=(n, m), inputs={"x": x, "W": W} if small else None)
    return out, cache


def _backward(ex, dout, cache, x, W):
    """The learner's (dx, dW, db), dout guarded; types and shapes checked with named mistakes."""
    (n, d), m = x.shape, W.shape[1]
    what = f"dense_backward (x of shape {x.shape}, W of shape {W.shape}, dout of shape {dout.shape})"
    result = call_unchanged(ex.dense_backward, dout, cache, what="dense_backward", names=["dout", "cache"])
    if isinstance(result, tuple) and len(result) == 2:
        fail(f"{what} returned 2 values, expected 3: (dx, dW, db).\nLikely mistake: you forgot dx = dout @ W.T. "
             "The layer below needs it to continue the backward pass.")
    if not isinstance(result, tuple) or len(result) != 3:
        fail(f"{what} returned {fmt(result, max_chars=120)}, expected a triple (dx, dW, db).\n"
             "End with `return dx, dW, db` (the order of dense_forward's parameters x, W, b).")
    dx, dW, db = result
    if dx is None:
        fail(f"{what} returned dx = None.\nLikely mistake: you forgot dx = dout @ W.T, the gradient for the layer below.")
    if isinstance(dW, np.ndarray) and dW.shape == (m, d) and d != m:
        fail(f"{what} returned dW of shape {dW.shape}, expected W's shape {(d, m)}.\nLikely mistake: {TRANSPOSED}")
    if isinstance(db, np.ndarray) and db.shape == (n, m):
        fail(
            f"{what} returned db of shape {db.shape}, expected b's shape {(m,)}.\n"
            "Likely mistake: db not summed over the batch. b is shared by all N examples, so its gradient adds "
            "up their contributions: db = dout.sum(axis=0)."
        )
    if isinstance(db, np.ndarray) and db.shape == (1, m):
        fail(
            f"{what} returned db of shape {db.shape}, expected b's shape {(m,)}.\n"
            "Likely mistake: db summed with keepdims=True. b has shape (M,), so its gradient must too: "
            "db = dout.sum(axis=0), without keepdims."
        )
    dx = assert_array(dx, what=f"{what} (dx)", shape=(n, d))
    dW = assert_array(dW, what=f"{what} (dW)", shape=(d, m))
    db = assert_array(db, what=f"{what} (db)", shape=(m,))
    return dx, dW, db


def _mistakes(x, W, dout):
    """The values that typical mistakes give, for dx, dW and db."""
    n = x.shape[0]
    dx = {"dx is all zeros: you forgot to compute dx = dout @ W.T.": np.zeros_like(x)}
    if W.shape[0] == W.shape[1]:
        dx["the transpose of W is missing: dx = dout @ W.T, not dout @ W."] = dout @ W
    dW = {TRANSPOSED: dout.T @ x} if W.shape[0] == W.shape[1] else {}
    db = {DB_MEAN: dout.mean(axis=0)}
    if n > 1:
        dW[DW_MEAN] = x.T @ dout / n
    if n == W.shape[1]:
        db["db summed over the wrong axis: sum over the batch (axis=0), one entry per output."] = dout.sum(axis=1)
    return dx, dW, db


def test_forward_tiny(ex):
    """dense_forward on a 2×3 input you can check by hand"""
    out, _ = _forward(ex, TX, TW, TB)
    # x @ W = [[1, 4], [-1, 1]], plus b = [0.5, -1]
    assert_close(
        out,
        [[1.5, 3.0], [-0.5, 0.0]],
        what="dense_forward(x, W, b) (out)",
        inputs={"x": TX, "W": TW, "b": TB},
        mistakes={"the bias b is missing: out = x @ W + b.": TX @ TW, "b was subtracted: out = x @ W + b.": TX @ TW - TB},
    )


@pytest.mark.parametrize("n, d, m", [(4, 3, 5), (1, 6, 2), (10, 2, 7), (3, 3, 3)])
def test_forward_shapes(ex, n, d, m):
    """dense_forward for several shapes (N, D, M)"""
    x, W, b, _ = _problem(n * 100 + d * 10 + m, n, d, m)
    out, _ = _forward(ex, x, W, b)
    if out.dtype != np.float64:
        fail(f"dense_forward returned dtype {out.dtype} for float64 inputs, expected float64.")
    assert_close(out, x @ W + b, what=f"dense_forward on x of shape {x.shape}, W of shape {W.shape} (out)",
                 mistakes={"the bias b is missing: out = x @ W + b.": x @ W})


def test_backward_tiny(ex):
    """dense_backward on the same 2×3 example"""
    _, cache = _forward(ex, TX, TW, TB)
    dx, dW, db = _backward(ex, TDOUT, cache, TX, TW)
    inputs = {"x": TX, "W": TW, "dout": TDOUT}
    mx, mw, mb = _mistakes(TX, TW, TDOUT)
    assert_close(dx, [[1.0, -2.0, 0.0], [2.0, 1.0, 2.5]], what="dense_backward dx", inputs=inputs, mistakes=mx)
    assert_close(dW, [[1.0, -1.0], [4.0, -1.5], [-2.0, -0.5]], what="dense_backward dW", inputs=inputs, mistakes=mw)
    assert_close(db, [3.0, -0.5], what="dense_backward db", inputs=inputs, mistakes=mb)


@pytest.mark.parametrize("n, d, m", [(5, 3, 4), (1, 4, 2), (8, 2, 6), (4, 4, 4)])
def test_backward_values(ex, n, d, m):
    """dense_backward against dout @ Wᵀ, xᵀ @ dout and Σₙ dout for several shapes"""
    x, W, b, dout = _problem(1000 + n * 100 + d * 10 + m, n, d, m)
    _, cache = _forward(ex, x, W, b)
    dx, dW, db = _backward(ex, dout, cache, x, W)
    inputs = {"x": x, "W": W, "dout": dout} if n * d <= 16 else None
    shape = f"(x of shape {x.shape}, W of shape {W.shape})"
    mx, mw, mb = _mistakes(x, W, dout)
    assert_close(dx, dout @ W.T, what=f"dense_backward dx {shape}", inputs=inputs, mistakes=mx)
    assert_close(dW, x.T @ dout, what=f"dense_backward dW {shape}", inputs=inputs, mistakes=mw)
    assert_close(db, dout.sum(axis=0), what=f"dense_backward db {shape}", inputs=inputs, mistakes=mb)


@pytest.mark.parametrize("n, d, m", [(3, 4, 2), (6, 2, 5), (1, 3, 3)])
def test_backward_matches_numerical_gradient(ex, n, d, m):
    """dx, dW and db agree with numerical gradients for several shapes"""
    x, W, b, dout = _problem(2000 + n * 100 + d * 10 + m, n, d, m)
    _, cache = _forward(ex, x, W, b)
    dx, dW, db = _backward(ex, dout, cache, x, W)
    mx, mw, mb = _mistakes(x, W, dout)
    shape = f"(x of shape {x.shape}, W of shape {W.shape})"

    def loss(xv, Wv, bv):  # L = Σ dout ⊙ out, so that ∂L/∂out = dout
        return float(np.sum(dout * (xv @ Wv + bv)))

    gradcheck(lambda v: loss(v, W, b), dx, x, what=f"dense_backward dx {shape}", mistakes=mx)
    gradcheck(lambda v: loss(x, v, b), dW, W, what=f"dense_backward dW {shape}", mistakes=mw)
    gradcheck(lambda v: loss(x, W, v), db, b, what=f"dense_backward db {shape}", mistakes=mb)


def test_two_layers_in_flight(ex):
    """each backward pass uses its own cache (two forward passes in flight)"""
    x1, W1, b1, dout1 = _problem(31, 3, 4, 2)
    x2, W2, b2, _ = _problem(32, 3, 4, 2)  # same shapes, so a shared global gives wrong values, not an error
    _, cache1 = _forward(ex, x1, W1, b1)
    _forward(ex, x2, W2, b2)
    dx1, dW1, db1 = _backward(ex, dout1, cache1, x1, W1)
    why = (
        "Two layers ran forward, then the first one's backward pass ran: it did not use the first layer's x and W.\n"
        "Keep x and W in the cache returned by dense_forward (not in global variables), and read them back from it."
    )
    for name, got, expected in (("dx", dx1, dout1 @ W1.T), ("dW", dW1, x1.T @ dout1), ("db", db1, dout1.sum(axis=0))):
        assert_close(got, expected, what=f"dense_backward {name} of the first of two layers", hint=why)
