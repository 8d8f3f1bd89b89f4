"""Hidden checks for exercise 41 (rnn_sequence).

Expected values are computed here, independently of the learner's code: the
forward pass as an einsum loop over time, the gradients as central differences
of L = Σ dh ⊙ h through that forward pass (so the gradient of every parameter
flows through time exactly as BPTT must follow it).  The cache is opaque.  The
misconceptions named, each simulated here by a BPTT with that one mistake:
the gradient from the next step forgotten (only dh[:, t] used), the shared
weights' gradients overwritten instead of added up over time, dh0 taken from
dh[:, 0]; in the forward pass, h0 fed to every step and the state left out of h.
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

NAMES = ["x", "h0", "Wx", "Wh", "b"]
GRADS = ["dx", "dh0", "dWx", "dWh", "db"]

NO_CARRY = (
    "BPTT forgets the gradient from the next step: only dh[:, t] was passed to step t. h_t also feeds step t + 1, "
    "so step t must get dh[:, t] + dh_next, where dh_next is the dh_prev that step t + 1 returned."
)
OVERWRITTEN = (
    "the weight gradients are not added up over time: only one step's share survived (= instead of +=). "
    "Wx, Wh and b are used at every step, so dWx, dWh and db are the SUM of every step's gradient."
)
H0_EVERY_STEP = (
    "every step started from h0: the state must be carried, h_t = tanh(x_t @ Wx + h_{t−1} @ Wh + b) "
    "with h_{t−1} the state the previous step just made (h0 only for t = 0)."
)
SHAPES = {
    "dx": "the shape of x (N, T, D)",
    "dh0": "the shape of h0 (N, H): the gradient that step 0 sends back to the initial state",
    "dWx": "the shape of Wx (D, H)",
    "dWh": "the shape of Wh (H, H)",
    "db": "the shape of b (H,)",
}


def _problem(seed, n, t, d, h):
    g = rng(seed)
    x, h0 = g.normal(size=(n, t, d)), g.normal(size=(n, h)) * 0.8
    Wx, Wh, b = g.normal(size=(d, h)) * 0.5, g.normal(size=(h, h)) * 0.5, g.normal(size=h) * 0.3
    return [x, h0, Wx, Wh, b], g.normal(size=(n, t, h))


def _states(x, h0, Wx, Wh, b, carry=True):
    """Every state (N, T, H), independently of the learner's code; carry=False restarts from h0 each step."""
    states, state = [], h0
    for t in range(x.shape[1]):
        state = np.tanh(np.einsum("nd,dk->nk", x[:, t], Wx) + np.einsum("nj,jk->nk", state if carry else h0, Wh) + b)
        states.append(state)
    return np.stack(states, axis=1)


def _bptt(args, dh, carry=True, keep=None):
    """BPTT written out here; carry=False forgets dh_next, keep="first"/"last" overwrites the weight gradients."""
    x, h0, Wx, Wh, b = args
    h = _states(*args)
    prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        da = (dh[:, t] + (dh_next if carry else 0)) * (1 - h[:, t] ** 2)
        dx[:, t], dh_next = da @ Wx.T, da @ Wh.T
        shares = (x[:, t].T @ da, prev[:, t].T @ da, da.sum(axis=0))
        if keep is None:
            dWx, dWh, db = dWx + shares[0], dWh + shares[1], db + shares[2]
        elif keep == "first" or (keep == "last" and t == x.shape[1] - 1):
            dWx, dWh, db = shares  # the step processed last (t = 0) or first (t = T - 1) wins
    return {"dx": dx, "dh0": dh_next, "dWx": dWx, "dWh": dWh, "db": db}


def _forward(ex, args, what):
    result = call_unchanged(ex.rnn_forward, *args, what="rnn_forward", names=NAMES)
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{what} returned {fmt(result, max_chars=120)}, expected a pair (h, cache).\nEnd with `return h, cache`.")
    x, h0 = args[0], args[1]
    n, t, hidden = x.shape[0], x.shape[1], h0.shape[1]
    got = assert_array(result[0], what=f"{what} (h)")
    if got.shape != (n, t, hidden):
        likely = {
            (t, n, hidden): "time is on axis 0: h[:, t] = h_t puts time on axis 1, like x.",
            (n, hidden): "only the last state was returned: h holds every state, h[:, t] = h_t.",
            (n, t + 1, hidden): "h0 is in h: h holds the T new states h_0 … h_{T−1}, not the initial one.",
        }.get(tuple(got.shape), "")
        fail(f"{what} returned h of shape {got.shape}, expected (N, T, H) = {(n, t, hidden)}."
             + (f"\nLikely mistake: {likely}" if likely else ""))
    return got, result[1]


def _backward(ex, args, dh, what):
    _, cache = _forward(ex, args, what)
    before = dict(zip(NAMES, snapshot(args)))
    grads = call_unchanged(ex.rnn_backward, dh, cache, what="rnn_backward", names=["dh", "cache"])
    assert_unchanged(before, dict(zip(NAMES, args)), what="rnn_backward (through the cache)")
    if not isinstance(grads, (tuple, list)) or len(grads) != 5:
        fail(f"rnn_backward returned {fmt(grads, max_chars=120)}, expected five gradients (dx, dh0, dWx, dWh, db), "
             "in the order of rnn_forward's parameters x, h0, Wx, Wh, b.")
    out = {}
    for name, grad, arg in zip(GRADS, grads, args):
        grad = assert_array(grad, what=f"rnn_backward ({what}): {name}")
        if grad.shape != arg.shape:
            fail(f"rnn_backward ({what}) returned {name} of shape {grad.shape}, expected {SHAPES[name]}.")
        out[name] = grad
    return out


def test_forward_tiny(ex):
    """rnn_forward on a tiny sequence: N = 2, T = 3, D = 1, H = 1"""
    x = np.array([[[1.0], [0.0], [-1.0]], [[0.5], [0.5], [0.5]]])
    h0 = np.array([[0.0], [1.0]])
    Wx, Wh, b = np.array([[1.0]]), np.array([[0.5]]), np.array([0.1])
    args = [x, h0, Wx, Wh, b]
    what = "rnn_forward(x, h0, Wx, Wh, b)"
    got, _ = _forward(ex, args, what)
    # With D = H = 1: h_t = tanh(x_t + 0.5 · h_{t−1} + 0.1), by hand for each sequence.
    expected = _states(*args)
    assert_close(
        got[..., 0], expected[..., 0], what=f"{what}, shown as h[:, :, 0]",
        inputs={"x[:, :, 0]": x[..., 0], "h0[:, 0]": h0[:, 0], "Wx": Wx, "Wh": Wh, "b": b},
        mistakes={H0_EVERY_STEP: _states(*args, carry=False)[..., 0]},
        hint="h_t = tanh(x_t · Wx + h_{t−1} · Wh + b), starting from h0.",
    )


@pytest.mark.parametrize("n, t, d, h", [(2, 4, 3, 5), (1, 3, 2, 2), (3, 6, 4, 3)], ids=str)
def test_forward_values(ex, n, t, d, h):
    """rnn_forward for several shapes (N, T, D, H)"""
    args, _ = _problem(n * 1000 + t * 100 + d * 10 + h, n, t, d, h)
    what = f"rnn_forward with x of shape {args[0].shape} and h0 of shape {args[1].shape}"
    got, _ = _forward(ex, args, what)
    assert_close(got, _states(*args), what=f"{what} (h)", mistakes={H0_EVERY_STEP: _states(*args, carry=False)})


def test_gradient_flows_back_through_time(ex):
    """rnn_backward with a loss on the LAST state only: the early inputs still get gradient"""
    args, _ = _problem(11, 2, 5, 3, 4)
    dh = np.zeros((2, 5, 4))
    dh[:, -1] = 1.0
    grads = _backward(ex, args, dh, "x of shape (2, 5, 3), dh zero except at the last step")
    expected = _bptt(args, dh)
    if np.allclose(grads["dx"][:, :-1], 0) and not np.allclose(expected["dx"][:, :-1], 0):
        fail(
            "rnn_backward with dh = 0 everywhere except dh[:, T−1] = 1 returned dx = 0 at every step but the last.\n"
            "The last state depends on every earlier input through the chain of states, so dx[:, t] ≠ 0 for all t.\n"
            f"Likely mistake: {NO_CARRY}"
        )
    assert_close(grads["dx"], expected["dx"], what="dx from rnn_backward with a loss on the last state only",
                 mistakes={NO_CARRY: _bptt(args, dh, carry=False)["dx"]})


CASES = [(2, 4, 3, 5), (1, 3, 2, 2), (3, 5, 2, 3)]


@pytest.mark.parametrize("n, t, d, h", CASES, ids=str)
@pytest.mark.parametrize("part", GRADS)
def test_backward_matches_numerical_gradient(ex, part, n, t, d, h):
    """rnn_backward agrees with a numerical gradient through time, for each of its five gradients"""
    args, dh = _problem(5 + n * 1000 + t * 100 + d * 10 + h, n, t, d, h)
    what = f"x of shape {args[0].shape}, h0 of shape {args[1].shape}"
    grads = _backward(ex, args, dh, what)
    index = GRADS.index(part)

    def loss(v):
        values = list(args)
        values[index] = v
        return np.sum(_states(*values) * dh)

    mistakes = {NO_CARRY: _bptt(args, dh, carry=False)[part]}
    if part in ("dWx", "dWh", "db"):
        mistakes[OVERWRITTEN] = _bptt(args, dh, keep="first")[part]
        mistakes[OVERWRITTEN + " (Here the survivor is step T−1's, the first one the backward loop met.)"] = _bptt(args, dh, keep="last")[part]
        mistakes["the weight gradients are averaged over time: BPTT SUMS every step's share, no division by T."] = (
            _bptt(args, dh)[part] / t
        )
    if part == "dh0":
        mistakes["dh0 is dh[:, 0]: it is what step 0 sends back to h0, the dh_prev of the last backward step."] = (
            dh[:, 0]
        )
    gradcheck(loss, grads[part], args[index], what=f"{part} from rnn_backward ({what})", mistakes=mistakes)
