"""Hidden checks for exercise 42 (lstm_cell).

Expected values come from a numpy formulation written here independently of
the learner's (and of the stub's advice): the kernels are cut into one (D, H)
matrix per gate with a reshape to (D, 4, H) and each gate gets its own einsum;
the sigmoid is exp(−log(1 + e^−z)).  The gradients are central differences of
L = Σ dh ⊙ h + Σ dc ⊙ c through that forward pass.  The project's own tests
prove this formulation equal to keras.layers.LSTMCell.  The misconceptions
named, each simulated here: the gates in another order than Keras' i, f, c, o
(every wrong order is recognised and shown), the forget gate applied to h_prev
instead of c_prev, a sigmoid instead of tanh on the candidate, h = o * c
without the tanh, and in the backward pass the cell state's two paths
(dc alone, or only the path through h), the candidate's derivative, a
dc_prev that skips the forget gate.
"""

import itertools

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

NAMES = ["x", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias"]
GRADS = ["dx", "dh_prev", "dc_prev", "dkernel", "drecurrent_kernel", "dbias"]
ORDER = ("i", "f", "c", "o")

FORGET_H = (
    "the forget gate is applied to the wrong state: it scales the old CELL state, c = f * c_prev + i * g, "
    "not h_prev."
)
SIGMOID_G = (
    "a sigmoid on the candidate (block c): the candidate is g = tanh(z[:, 2H:3H]), so the memory can also "
    "be pushed down (values in −1 … 1, not 0 … 1)."
)
NO_TANH_C = "h = o * c: the output squashes the new cell state first, h = o * np.tanh(c)."
OLD_C = "h was computed from c_prev: it shows the NEW cell state, h = o * np.tanh(c) with c = f * c_prev + i * g."
DC_ONLY = (
    "the gradient of c through h is missing: c reaches the loss directly (dc) AND through h = o * tanh(c), "
    "so dc_total = dc + dh * o * (1 − tanh(c)²)."
)
DH_ONLY = (
    "the upstream dc is ignored: the cell state goes on to the next step, whose gradient arrives as dc, "
    "so dc_total = dc + dh * o * (1 − tanh(c)²)."
)
G_DERIV = "the candidate's derivative is tanh's, 1 − g², not the sigmoid's g (1 − g)."
DC_PREV_NO_F = "dc_prev = dc_total * f: c = f * c_prev + i * g, so the gradient reaches c_prev through the forget gate."


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def _gates(args):
    """The four pre-activations, one einsum per gate: shape (4, N, H) in the stored block order."""
    x, h_prev, _, kernel, recurrent_kernel, bias = args
    hidden = h_prev.shape[1]
    k = kernel.reshape(kernel.shape[0], 4, hidden)
    r = recurrent_kernel.reshape(hidden, 4, hidden)
    return np.einsum("nd,dgk->gnk", x, k) + np.einsum("nj,jgk->gnk", h_prev, r) + bias.reshape(4, 1, hidden)


def _cell(args, perm=(0, 1, 2, 3), forget_h=False, sigmoid_g=False, tanh_c=True, old_c=False):
    """(h, c) of one step; perm[k] is the block read as gate k of (i, f, c, o); the flags simulate mistakes."""
    z = _gates(args)[list(perm)]
    c_prev, h_prev = args[2], args[1]
    i, f, o = _sigmoid(z[0]), _sigmoid(z[1]), _sigmoid(z[3])
    g = _sigmoid(z[2]) if sigmoid_g else np.tanh(z[2])
    c = f * (h_prev if forget_h else c_prev) + i * g
    shown = c_prev if old_c else c
    return o * (np.tanh(shown) if tanh_c else shown), c


def _grads(args, dh, dc, dc_mode="both", g_deriv="tanh", dc_prev_f=True, perm=None):
    """The six gradients written out here, with an optional mistake (used to name it)."""
    x, h_prev, c_prev, kernel, recurrent_kernel, _ = args
    z = _gates(args)
    i, f, g, o = _sigmoid(z[0]), _sigmoid(z[1]), np.tanh(z[2]), _sigmoid(z[3])
    c = f * c_prev + i * g
    t = np.tanh(c)
    through_h = dh * o * (1 - t**2)
    dct = {"both": dc + through_h, "dc": dc, "dh": through_h}[dc_mode]
    blocks = [dct * g * i * (1 - i), dct * c_prev * f * (1 - f),
              dct * i * ((1 - g**2) if g_deriv == "tanh" else g * (1 - g)), dh * t * o * (1 - o)]
    if perm is not None:
        blocks = [blocks[perm.index(k)] for k in range(4)]
    dz = np.concatenate(blocks, axis=1)
    return {"dx": dz @ kernel.T, "dh_prev": dz @ recurrent_kernel.T, "dc_prev": dct * f if dc_prev_f else dct,
            "dkernel": x.T @ dz, "drecurrent_kernel": h_prev.T @ dz, "dbias": dz.sum(axis=0)}


def _order_text(perm):
    read = ", ".join(ORDER[p] for p in perm)
    return (f"the gates are read in the wrong order: your code takes the blocks of z as ({read}), "
            "Keras' order is i, f, c, o (z[:, :H] input, z[:, H:2H] forget, z[:, 2H:3H] candidate, z[:, 3H:] output).")


WRONG_ORDERS = [p for p in itertools.permutations(range(4)) if p != (0, 1, 2, 3)]


def _forward_mistakes(args, which):
    """{description: wrong h or c} for every forward mistake named above."""
    part = 0 if which == "h" else 1
    mistakes = {_order_text(p): _cell(args, perm=p)[part] for p in WRONG_ORDERS}
    mistakes[FORGET_H] = _cell(args, forget_h=True)[part]
    mistakes[SIGMOID_G] = _cell(args, sigmoid_g=True)[part]
    if which == "h":
        mistakes[NO_TANH_C] = _cell(args, tanh_c=False)[0]
        mistakes[OLD_C] = _cell(args, old_c=True)[0]
    return mistakes


def _problem(seed, n, d, h):
    g = rng(seed)
    args = [g.normal(size=(n, d)), g.normal(size=(n, h)) * 0.8, g.normal(size=(n, h)),
            g.normal(size=(d, 4 * h)) * 0.5, g.normal(size=(h, 4 * h)) * 0.5, g.normal(size=4 * h) * 0.5]
    return args, g.normal(size=(n, h)), g.normal(size=(n, h))


def _forward(ex, args, what):
    result = call_unchanged(ex.lstm_step_forward, *args, what="lstm_step_forward", names=NAMES)
    if not isinstance(result, tuple) or len(result) != 3:
        fail(f"{what} returned {fmt(result, max_chars=120)}, expected a triple (h, c, cache).\n"
             "End with `return h, c, cache`.")
    shape = args[1].shape
    h = assert_array(result[0], what=f"{what} (h)", shape=shape)
    c = assert_array(result[1], what=f"{what} (c)", shape=shape)
    return h, c, result[2]


def _backward(ex, args, dh, dc, what):
    _, _, cache = _forward(ex, args, what)
    before = dict(zip(NAMES, snapshot(args)))
    grads = call_unchanged(ex.lstm_step_backward, dh, dc, cache, what="lstm_step_backward", names=["dh", "dc", "cache"])
    assert_unchanged(before, dict(zip(NAMES, args)), what="lstm_step_backward (through the cache)")
    if not isinstance(grads, (tuple, list)) or len(grads) != 6:
        fail(f"lstm_step_backward returned {fmt(grads, max_chars=120)}, expected six gradients "
             "(dx, dh_prev, dc_prev, dkernel, drecurrent_kernel, dbias), in the order of lstm_step_forward's parameters.")
    out = {}
    for name, grad, arg in zip(GRADS, grads, args):
        grad = assert_array(grad, what=f"lstm_step_backward ({what}): {name}")
        if grad.shape != arg.shape:
            fail(f"lstm_step_backward ({what}) returned {name} of shape {grad.shape}, expected {arg.shape}, "
                 f"the shape of {name[1:]}.")
        out[name] = grad
    return out


# A tiny step you can follow: N = 2, D = 2, H = 1, so z has four columns, one per gate (i, f, c, o).
TINY = [
    np.array([[1.0, -1.0], [0.5, 2.0]]),
    np.array([[0.5], [-0.5]]),
    np.array([[1.0], [-2.0]]),
    np.array([[0.5, -0.5, 1.0, 0.2], [0.1, 0.4, -0.3, 0.6]]),
    np.array([[0.3, 0.2, -0.4, 0.1]]),
    np.array([0.0, 1.0, 0.0, -0.5]),
]


@pytest.mark.parametrize("which", ["c", "h"])
def test_forward_tiny(ex, which):
    """lstm_step_forward on a tiny step: N = 2, D = 2, H = 1 (one column per gate)"""
    what = "lstm_step_forward(x, h_prev, c_prev, kernel, recurrent_kernel, bias)"
    got = dict(zip("hc", _forward(ex, TINY, what)[:2]))[which]
    expected = dict(zip("hc", _cell(TINY)))[which]
    assert_close(got, expected, what=f"{what} ({which})", inputs=dict(zip(NAMES, TINY)),
                 mistakes=_forward_mistakes(TINY, which))


@pytest.mark.parametrize("n, d, h", [(3, 4, 2), (1, 3, 3), (5, 2, 4)], ids=str)
def test_forward_values(ex, n, d, h):
    """lstm_step_forward for several shapes (N, D, H): c, then h"""
    args, _, _ = _problem(n * 100 + d * 10 + h, n, d, h)
    what = f"lstm_step_forward with x of shape {args[0].shape}, h_prev of shape {args[1].shape}"
    got_h, got_c, _ = _forward(ex, args, what)
    h_exp, c_exp = _cell(args)
    assert_close(got_c, c_exp, what=f"{what} (c)", mistakes=_forward_mistakes(args, "c"))
    assert_close(got_h, h_exp, what=f"{what} (h)", mistakes=_forward_mistakes(args, "h"))


CASES = [(3, 4, 2), (2, 2, 3), (1, 3, 1)]


@pytest.mark.parametrize("n, d, h", CASES, ids=str)
@pytest.mark.parametrize("part", GRADS)
def test_backward_matches_numerical_gradient(ex, part, n, d, h):
    """lstm_step_backward agrees with a numerical gradient, for each of its six gradients"""
    args, dh, dc = _problem(3 + n * 100 + d * 10 + h, n, d, h)
    what = f"x of shape {args[0].shape}, h_prev of shape {args[1].shape}"
    grads = _backward(ex, args, dh, dc, what)
    index = GRADS.index(part)

    def loss(v):
        values = list(args)
        values[index] = v
        h_new, c_new = _cell(values)
        return np.sum(h_new * dh) + np.sum(c_new * dc)

    mistakes = {
        DC_ONLY: _grads(args, dh, dc, dc_mode="dc")[part],
        DH_ONLY: _grads(args, dh, dc, dc_mode="dh")[part],
        G_DERIV: _grads(args, dh, dc, g_deriv="sigmoid")[part],
        DC_PREV_NO_F: _grads(args, dh, dc, dc_prev_f=False)[part],
    }
    if part not in ("dc_prev",):
        for p in WRONG_ORDERS:
            text = _order_text(p).replace("your code takes the blocks of z as", "the blocks of dz are")
            mistakes.setdefault(text, _grads(args, dh, dc, perm=p)[part])
    gradcheck(loss, grads[part], args[index], what=f"{part} from lstm_step_backward ({what})", mistakes=mistakes)
