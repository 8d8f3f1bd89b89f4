"""Exercise 43 (gru_cell): the reference solution (and the check's own numpy formulation)
against keras.layers.GRUCell(reset_after=True) and an unrolled keras.layers.GRU with the same
weights, another correct formulation through the engine, and typical mistakes caught with the
message that names them."""

import numpy as np
import pytest
import keras

from tests.helpers import load_check, mutate, run_source, solution

sol = solution("gru_cell")
check = load_check("gru_cell")


def _weights(seed, d, h):
    g = np.random.default_rng(seed)
    return g.normal(size=(d, 3 * h)) * 0.6, g.normal(size=(h, 3 * h)) * 0.6, g.normal(size=(2, 3 * h)) * 0.5


@pytest.mark.parametrize("n", [1, 4, 7])
@pytest.mark.parametrize("d, h", [(4, 2), (2, 5)])
def test_step_equals_keras_gru_cell(n, d, h):
    weights = _weights(10 * d + h, d, h)
    cell = keras.layers.GRUCell(h, reset_after=True, dtype="float64")
    cell.build((None, d))
    cell.set_weights(list(weights))  # kernel (D, 3H), recurrent_kernel (H, 3H), bias (2, 3H): gates z, r, h
    g = np.random.default_rng(n)
    x, h_prev = g.normal(size=(n, d)), g.normal(size=(n, h))
    expected, _ = cell(x, [h_prev])
    np.testing.assert_allclose(sol.gru_step_forward(x, h_prev, *weights), expected.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(check._cell([x, h_prev, *weights]), expected.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("steps", [1, 5, 10])
def test_unrolled_equals_keras_gru(steps):
    n, d, h = 3, 4, 3
    weights = _weights(steps, d, h)
    g = np.random.default_rng(100 + steps)
    x, h0 = g.normal(size=(n, steps, d)), g.normal(size=(n, h))
    layer = keras.layers.GRU(h, reset_after=True, return_sequences=True, dtype="float64")
    layer.build((None, steps, d))
    layer.set_weights(list(weights))
    expected = layer(x, initial_state=[h0]).numpy()
    state, outs = h0, []
    for t in range(steps):
        state = sol.gru_step_forward(x[:, t], state, *weights)
        outs.append(state)
    np.testing.assert_allclose(np.stack(outs, axis=1), expected, rtol=1e-11, atol=1e-12)


def test_reset_before_differs_from_keras():
    """The named mistake is a real difference: Keras' reset_after=False cell is another function."""
    weights = _weights(5, 3, 2)
    g = np.random.default_rng(5)
    x, h_prev = g.normal(size=(4, 3)), g.normal(size=(4, 2))
    cell = keras.layers.GRUCell(2, reset_after=False, dtype="float64")
    cell.build((None, 3))
    cell.set_weights([weights[0], weights[1], weights[2][0]])  # one bias row
    before, _ = cell(x, [h_prev])
    simulated = check._cell([x, h_prev, weights[0], weights[1], np.stack([weights[2][0], 0 * weights[2][0]])],
                            reset_before=True)
    np.testing.assert_allclose(simulated, before.numpy(), rtol=1e-12, atol=1e-12)
    assert not np.allclose(sol.gru_step_forward(x, h_prev, *weights), before.numpy())


# The textbook way round (u = 1 − z, the candidate's weight), gates from per-gate weight slices.
TEXTBOOK = '''
import numpy as np

def gru_step_forward(x, h_prev, kernel, recurrent_kernel, bias):
    H = h_prev.shape[1]
    sl = {"z": slice(0, H), "r": slice(H, 2 * H), "h": slice(2 * H, 3 * H)}
    part = lambda gate: (x @ kernel[:, sl[gate]] + bias[0, sl[gate]],
                         h_prev @ recurrent_kernel[:, sl[gate]] + bias[1, sl[gate]])
    sig = lambda v: np.exp(-np.logaddexp(0, -v))
    u = 1 - sig(sum(part("z")))
    r = sig(sum(part("r")))
    xh, rh = part("h")
    return h_prev + u * (np.tanh(xh + r * rh) - h_prev)
'''


def test_another_correct_formulation_passes(tmp_path):
    verdict = run_source("gru_cell", TEXTBOOK, tmp_path)
    assert verdict.status == "passed", verdict.message


def test_reset_before_the_product_is_named(tmp_path):
    verdict = mutate("gru_cell", tmp_path,
                     "hh = np.tanh(from_x[:, 2 * hidden :] + r * from_h[:, 2 * hidden :])",
                     "hh = np.tanh(from_x[:, 2 * hidden :] + (r * h_prev) @ recurrent_kernel[:, 2 * hidden :]"
                     " + bias[1, 2 * hidden :])")
    assert verdict.status == "failed"
    assert "reset_after=False semantics" in verdict.message


def test_swapped_update_gate_is_named(tmp_path):
    verdict = mutate("gru_cell", tmp_path, "return z * h_prev + (1.0 - z) * hh", "return (1.0 - z) * h_prev + z * hh")
    assert verdict.status == "failed"
    assert "z and 1 − z are swapped" in verdict.message


def test_one_bias_row_is_named(tmp_path):
    verdict = mutate("gru_cell", tmp_path, "from_h = h_prev @ recurrent_kernel + bias[1]",
                     "from_h = h_prev @ recurrent_kernel")
    assert verdict.status == "failed"
    assert "one bias row only" in verdict.message
