"""Hidden checks for exercise 43 (gru_cell).

Expected values come from a numpy formulation written here independently of
the learner's: the kernels are cut into one (D, H) matrix per gate with a
reshape to (D, 3, H), each gate gets its own einsum, and the sigmoid is
exp(−log(1 + e^−z)).  The project's own tests prove this formulation equal to
keras.layers.GRUCell(reset_after=True) and to an unrolled keras.layers.GRU.
The misconceptions named, each simulated here: reset_after=False semantics
(the reset gate applied to h_prev before the recurrent product), z and 1 − z
swapped, one bias row only (either row, or the first row twice), the recurrent
bias of the candidate left outside the reset gate, the gates in another order
than Keras' z, r, h (every wrong order is recognised and shown), a sigmoid on
the candidate.
"""

import itertools

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, call_unchanged, fail, fmt, rng

NAMES = ["x", "h_prev", "kernel", "recurrent_kernel", "bias"]
ORDER = ("z", "r", "h")

RESET_BEFORE = (
    "reset_after=False semantics: the reset gate was applied to h_prev before the recurrent product, "
    "(r * h_prev) @ R_h. With Keras' reset_after=True it scales the product's result: "
    "hh = tanh(xh + r * rh), where rh = (h_prev @ recurrent_kernel + bias[1])[:, 2H:]."
)
SWAPPED = (
    "z and 1 − z are swapped. In Keras' convention z KEEPS the old state: h = z * h_prev + (1 − z) * hh "
    "(z close to 1 leaves the state as it was)."
)
BOTH_ROWS = "Add bias[0] to x @ kernel and bias[1] to h_prev @ recurrent_kernel."
ONLY_B0 = "one bias row only: bias[1], the recurrent bias, is missing. " + BOTH_ROWS
ONLY_B1 = "one bias row only: bias[0], the input bias, is missing. " + BOTH_ROWS
B0_TWICE = (
    "bias[0] was used for both products: the recurrent product h_prev @ recurrent_kernel takes its own row, bias[1]."
)
B1_OUTSIDE = (
    "the recurrent bias of the candidate is outside the reset gate: with reset_after=True it belongs to the "
    "recurrent part that r scales, hh = tanh(xh + r * (h_prev @ R_h + bias[1][2H:]))."
)
SIGMOID_HH = "a sigmoid on the candidate: hh = np.tanh(xh + r * rh) (values in −1 … 1)."


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def _cell(args, perm=(0, 1, 2), reset_before=False, swapped=False, biases=(0, 1), b1_outside=False, sigmoid_hh=False):
    """The new state; perm[k] is the block read as gate k of (z, r, h); the flags simulate mistakes."""
    x, h_prev, kernel, recurrent_kernel, bias = args
    hidden = h_prev.shape[1]
    k = kernel.reshape(kernel.shape[0], 3, hidden)[:, list(perm)]
    r_k = recurrent_kernel.reshape(hidden, 3, hidden)[:, list(perm)]
    b_in = bias[biases[0]].reshape(3, hidden)[list(perm)] if biases[0] is not None else np.zeros((3, hidden))
    b_rec = bias[biases[1]].reshape(3, hidden)[list(perm)] if biases[1] is not None else np.zeros((3, hidden))
    xs = np.einsum("nd,dgk->gnk", x, k) + b_in[:, None]
    z = _sigmoid(xs[0] + np.einsum("nj,jk->nk", h_prev, r_k[:, 0]) + b_rec[0])
    r = _sigmoid(xs[1] + np.einsum("nj,jk->nk", h_prev, r_k[:, 1]) + b_rec[1])
    if reset_before:
        inner = np.einsum("nj,jk->nk", r * h_prev, r_k[:, 2]) + b_rec[2]
    elif b1_outside:
        inner = r * np.einsum("nj,jk->nk", h_prev, r_k[:, 2]) + b_rec[2]
    else:
        inner = r * (np.einsum("nj,jk->nk", h_prev, r_k[:, 2]) + b_rec[2])
    hh = _sigmoid(xs[2] + inner) if sigmoid_hh else np.tanh(xs[2] + inner)
    return (1 - z) * h_prev + z * hh if swapped else z * h_prev + (1 - z) * hh


def _order_text(perm):
    read = ", ".join(ORDER[p] for p in perm)
    return (f"the gates are read in the wrong order: your code takes the blocks as ({read}); Keras' order is z, r, h "
            "(columns :H update, H:2H reset, 2H: candidate), in the kernels and in both bias rows.")


def _mistakes(args):
    no_candidate_rec_bias = args[4].copy()
    no_candidate_rec_bias[1, 2 * args[1].shape[1]:] = 0.0  # reset_after=False has no such bias
    mistakes = {
        RESET_BEFORE: _cell(args, reset_before=True),
        RESET_BEFORE + " (Here also without the recurrent bias of the candidate.)": _cell(
            [*args[:4], no_candidate_rec_bias], reset_before=True
        ),
        SWAPPED: _cell(args, swapped=True),
        ONLY_B0: _cell(args, biases=(0, None)),
        ONLY_B1: _cell(args, biases=(None, 1)),
        B0_TWICE: _cell(args, biases=(0, 0)),
        B1_OUTSIDE: _cell(args, b1_outside=True),
        SIGMOID_HH: _cell(args, sigmoid_hh=True),
    }
    for perm in itertools.permutations(range(3)):
        if perm != (0, 1, 2):
            mistakes[_order_text(perm)] = _cell(args, perm=perm)
    return mistakes


def _problem(seed, n, d, h):
    g = rng(seed)
    return [g.normal(size=(n, d)), g.normal(size=(n, h)) * 0.8, g.normal(size=(d, 3 * h)) * 0.6,
            g.normal(size=(h, 3 * h)) * 0.6, g.normal(size=(2, 3 * h)) * 0.5]


def _step(ex, args, what):
    result = call_unchanged(ex.gru_step_forward, *args, what="gru_step_forward", names=NAMES)
    if isinstance(result, tuple):
        fail(f"{what} returned a tuple {fmt(result, max_chars=120)}, expected only the new state h (an array).")
    return assert_array(result, what=what, shape=args[1].shape)


# A tiny step: N = 2, D = 2, H = 1, so each kernel has three columns, one per gate (z, r, h).
TINY = [
    np.array([[1.0, -1.0], [0.5, 2.0]]),
    np.array([[0.5], [-0.5]]),
    np.array([[0.5, -0.5, 1.0], [0.1, 0.4, -0.3]]),
    np.array([[0.3, 0.2, -0.4]]),
    np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]),
]


def test_tiny(ex):
    """gru_step_forward on a tiny step: N = 2, D = 2, H = 1 (one column per gate)"""
    what = "gru_step_forward(x, h_prev, kernel, recurrent_kernel, bias)"
    assert_close(_step(ex, TINY, what), _cell(TINY), what=what, inputs=dict(zip(NAMES, TINY)), mistakes=_mistakes(TINY))


def test_update_gate_near_one_keeps_the_state(ex):
    """Keras' convention: with the update gate z ≈ 1, the state stays h_prev"""
    args = _problem(3, 3, 2, 2)
    args[4] = args[4].copy()
    args[4][0, :2] = 40.0  # the z block of the input bias: z = σ(≈ 40) = 1 to double precision
    what = "gru_step_forward with the z columns of bias[0] at 40 (so z ≈ 1)"
    got = _step(ex, args, what)
    assert_close(got, args[1], what=what, rtol=1e-9, atol=1e-12, mistakes={SWAPPED: _cell(args, swapped=True)},
                 hint="h = z * h_prev + (1 − z) * hh: with z = 1 the new state is h_prev.")


@pytest.mark.parametrize("n, d, h", [(3, 4, 2), (1, 3, 3), (5, 2, 4), (4, 5, 1)], ids=str)
def test_values(ex, n, d, h):
    """gru_step_forward for several shapes (N, D, H)"""
    args = _problem(n * 100 + d * 10 + h, n, d, h)
    what = f"gru_step_forward with x of shape {args[0].shape}, h_prev of shape {args[1].shape}"
    assert_close(_step(ex, args, what), _cell(args), what=what, mistakes=_mistakes(args))


def test_a_sequence_of_steps(ex):
    """gru_step_forward applied 6 times, each new state fed to the next step"""
    args = _problem(77, 3, 2, 3)
    g = rng(78)
    xs = g.normal(size=(6, 3, 2))
    got, expected = args[1], args[1]
    for t in range(6):
        got = _step(ex, [xs[t], got, *args[2:]], f"gru_step_forward at step {t} of a sequence")
        expected = _cell([xs[t], expected, *args[2:]])
    assert_close(got, expected, what="the state after 6 steps of gru_step_forward")
