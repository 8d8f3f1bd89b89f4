"""Hidden checks for exercise 40 (rnn_step).

Expected values are computed here, independently of the learner's code: the
forward pass with einsum, the gradients as central differences of
L = Σ dh ⊙ h_next through that forward pass.  The cache is opaque: it is only
handed back to the learner's backward pass.  The misconceptions named: a
forgotten tanh (or a sigmoid instead), a transposed Wh, a missing bias, the
tanh derivative forgotten or taken wrongly (1 − h, or tanh applied twice),
transposed weight gradients, db averaged instead of summed.
"""

import numpy as np
import pytest

from checker.testing import (
    assert_array,
    assert_close,
    assert_unchanged,
    call_unchanged,
    fail,
    fmt,
    gradcheck,
    rng,
    snapshot,
)

NAMES = ["x", "h_prev", "Wx", "Wh", "b"]
GRADS = ["dx", "dh_prev", "dWx", "dWh", "db"]

NO_TANH = "the tanh is missing: h_next = np.tanh(x @ Wx + h_prev @ Wh + b), not the pre-activation itself."
SIGMOID = "a sigmoid instead of tanh: a vanilla RNN squashes its state with tanh, h_next = np.tanh(a)."
WH_T = (
    "Wh is transposed: the state is a row, so it is h_prev @ Wh (Wh[j, k] links state j to state k). "
    "Wh is square, so h_prev @ Wh.T runs without an error but gives other numbers."
)
NO_BIAS = "the bias b is missing: a = x @ Wx + h_prev @ Wh + b."
NO_DERIV = (
    "the gradient does not go through the tanh: multiply dh by tanh'(a) = 1 − h_next² first, "
    "da = dh * (1 - h_next**2), and use da (not dh) in every gradient."
)
WH_NOT_T = (
    "dh_prev = da @ Wh (Wh not transposed): the forward pass multiplied h_prev @ Wh, so the gradient goes back "
    "through the transpose, dh_prev = da @ Wh.T."
)
ONE_MINUS_H = "the tanh derivative is 1 − h_next² (squared), not 1 − h_next."
TANH_TWICE = (
    "tanh was applied twice in the derivative: the cache holds h_next = tanh(a) already, so tanh'(a) = 1 − h_next², "
    "not 1 − tanh(h_next)²."
)
SHAPES = {
    "dx": "the shape of x (N, D): dx = da @ Wx.T",
    "dh_prev": "the shape of h_prev (N, H): dh_prev = da @ Wh.T",
    "dWx": "the shape of Wx (D, H): dWx = x.T @ da",
    "dWh": "the shape of Wh (H, H): dWh = h_prev.T @ da",
    "db": "the shape of b (H,): db = da summed over the batch axis 0",
}


def _problem(seed, n, d, h):
    g = rng(seed)
    x, h_prev = g.normal(size=(n, d)), g.normal(size=(n, h)) * 0.8
    Wx, Wh, b = g.normal(size=(d, h)) * 0.6, g.normal(size=(h, h)) * 0.6, g.normal(size=h) * 0.3
    return [x, h_prev, Wx, Wh, b], g.normal(size=(n, h))


def _pre(x, h_prev, Wx, Wh, b):
    return np.einsum("nd,dk->nk", x, Wx) + np.einsum("nj,jk->nk", h_prev, Wh) + b


def _step(x, h_prev, Wx, Wh, b):
    """The forward pass, written independently of the learner's (einsum)."""
    return np.tanh(_pre(x, h_prev, Wx, Wh, b))


def _wrong_grads(args, dh, deriv):
    """The five gradients with the local derivative `deriv`(a, h_next) instead of 1 − h_next²."""
    x, h_prev, Wx, Wh, b = args
    a = _pre(*args)
    da = dh * deriv(a, np.tanh(a))
    return {"dx": da @ Wx.T, "dh_prev": da @ Wh.T, "dWx": x.T @ da, "dWh": h_prev.T @ da, "db": da.sum(axis=0)}


def _forward(ex, args, what):
    result = call_unchanged(ex.rnn_step_forward, *args, what="rnn_step_forward", names=NAMES)
    if not isinstance(result, tuple) or len(result) != 2:
        fail(
            f"{what} returned {fmt(result, max_chars=120)}, expected a pair (h_next, cache).\n"
            "End with `return h_next, cache`, where cache holds what the backward pass needs."
        )
    n, h = args[1].shape
    return assert_array(result[0], what=f"{what} (h_next)", shape=(n, h)), result[1]


def _backward(ex, args, dh, what):
    """The learner's five gradients as a dict, each checked to be an array of its input's shape."""
    _, cache = _forward(ex, args, what)
    before = dict(zip(NAMES, snapshot(args)))
    grads = call_unchanged(ex.rnn_step_backward, dh, cache, what="rnn_step_backward", names=["dh", "cache"])
    assert_unchanged(before, dict(zip(NAMES, args)), what="rnn_step_backward (through the cache)")
    if not isinstance(grads, (tuple, list)) or len(grads) != 5:
        fail(
            f"rnn_step_backward returned {fmt(grads, max_chars=120)}, expected five gradients "
            "(dx, dh_prev, dWx, dWh, db), in the order of rnn_step_forward's parameters x, h_prev, Wx, Wh, b."
        )
    out = {}
    for name, grad, arg in zip(GRADS, grads, args):
        grad = assert_array(grad, what=f"rnn_step_backward ({what}): {name}")
        if grad.shape != arg.shape:
            likely = ""
            if grad.shape == arg.shape[::-1] and grad.ndim == 2:
                likely = f"\nLikely mistake: {name} is transposed."
            elif name == "db" and grad.shape == dh.shape:
                likely = "\nLikely mistake: db is da itself: sum it over the batch axis 0."
            fail(f"rnn_step_backward ({what}) returned {name} of shape {grad.shape}, expected {SHAPES[name]}.{likely}")
        out[name] = grad
    return out


# A tiny example you can follow by hand: N = 2, D = 3, H = 2.
TX = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]])
TH = np.array([[0.5, -0.5], [0.0, 1.0]])
TWX = np.array([[0.2, -0.1], [0.0, 0.3], [0.4, 0.1]])
TWH = np.array([[0.5, 0.2], [-0.3, 0.1]])
TB = np.array([0.1, -0.2])
TINY = [TX, TH, TWX, TWH, TB]


def test_forward_tiny(ex):
    """rnn_step_forward on a tiny batch: N = 2, D = 3, H = 2"""
    what = "rnn_step_forward(x, h_prev, Wx, Wh, b)"
    got, _ = _forward(ex, TINY, what)
    a = TX @ TWX + TH @ TWH + TB
    assert_close(
        got,
        np.tanh(a),
        what=f"{what} (h_next)",
        inputs=dict(zip(NAMES, TINY)),
        mistakes={
            NO_TANH: a,
            SIGMOID: 1 / (1 + np.exp(-a)),
            WH_T: np.tanh(TX @ TWX + TH @ TWH.T + TB),
            NO_BIAS: np.tanh(a - TB),
        },
    )


@pytest.mark.parametrize("n, d, h", [(3, 4, 5), (1, 2, 3), (4, 6, 2)], ids=str)
def test_forward_values(ex, n, d, h):
    """rnn_step_forward for several shapes (N, D, H)"""
    args, _ = _problem(n * 100 + d * 10 + h, n, d, h)
    x, h_prev, Wx, Wh, b = args
    what = f"rnn_step_forward with x of shape {x.shape} and h_prev of shape {h_prev.shape}"
    got, _ = _forward(ex, args, what)
    a = _pre(*args)
    assert_close(
        got,
        np.tanh(a),
        what=f"{what} (h_next)",
        mistakes={NO_TANH: a, SIGMOID: 1 / (1 + np.exp(-a)), WH_T: np.tanh(a - h_prev @ Wh + h_prev @ Wh.T),
                  NO_BIAS: np.tanh(a - b)},
    )


def test_backward_tiny(ex):
    """rnn_step_backward on the tiny batch, dh = 1 everywhere"""
    dh = np.ones((2, 2))
    grads = _backward(ex, TINY, dh, "the tiny batch, dh = ones")
    # The closed forms of the module docstring.
    hn = np.tanh(TX @ TWX + TH @ TWH + TB)
    da = dh * (1 - hn**2)
    expected = {"dx": da @ TWX.T, "dh_prev": da @ TWH.T, "dWx": TX.T @ da, "dWh": TH.T @ da, "db": da.sum(axis=0)}
    wrong = {
        NO_DERIV: _wrong_grads(TINY, dh, lambda a, hn: np.ones_like(a)),
        ONE_MINUS_H: _wrong_grads(TINY, dh, lambda a, hn: 1 - hn),
        TANH_TWICE: _wrong_grads(TINY, dh, lambda a, hn: 1 - np.tanh(hn) ** 2),
    }
    for name in GRADS:
        mistakes = {text: values[name] for text, values in wrong.items()}
        if name == "dh_prev":
            mistakes[WH_NOT_T] = da @ TWH
        if name == "db":
            mistakes["db averaged over the batch: sum it, db = da.sum(axis=0)."] = da.mean(axis=0)
        assert_close(
            grads[name],
            expected[name],
            what=f"{name} from rnn_step_backward on the tiny batch, dh = ones",
            inputs={**dict(zip(NAMES, TINY)), "dh": dh},
            mistakes=mistakes,
        )


CASES = [(3, 4, 5), (2, 3, 3), (1, 5, 2)]


@pytest.mark.parametrize("n, d, h", CASES, ids=str)
@pytest.mark.parametrize("part", GRADS)
def test_backward_matches_numerical_gradient(ex, part, n, d, h):
    """rnn_step_backward agrees with a numerical gradient, for each of its five gradients"""
    args, dh = _problem(7 + n * 100 + d * 10 + h, n, d, h)
    what = f"x of shape {args[0].shape}, h_prev of shape {args[1].shape}"
    grads = _backward(ex, args, dh, what)
    index = GRADS.index(part)

    def loss(v):
        values = list(args)
        values[index] = v
        return np.sum(_step(*values) * dh)

    x, h_prev, Wx, Wh, b = args
    da = dh * (1 - _step(*args) ** 2)
    mistakes = {
        NO_DERIV: _wrong_grads(args, dh, lambda a, hn: np.ones_like(a))[part],
        ONE_MINUS_H: _wrong_grads(args, dh, lambda a, hn: 1 - hn)[part],
        TANH_TWICE: _wrong_grads(args, dh, lambda a, hn: 1 - np.tanh(hn) ** 2)[part],
    }
    mistakes.update({
        "dx": {},
        "dh_prev": {WH_NOT_T: da @ Wh},
        "dWx": {"dWx divided by the batch size N: do not divide, dh already carries the loss's 1/N.": x.T @ da / n},
        "dWh": {"dWh is transposed: dWh = h_prev.T @ da (not da.T @ h_prev).": da.T @ h_prev},
        "db": {"db averaged over the batch: sum it, db = da.sum(axis=0).": da.mean(axis=0)},
    }[part])
    gradcheck(loss, grads[part], args[index], what=f"{part} from rnn_step_backward ({what})", mistakes=mistakes)
