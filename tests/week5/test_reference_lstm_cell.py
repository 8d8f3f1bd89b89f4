"""Exercise 42 (lstm_cell): the reference solution (and the check's own numpy formulation)
against keras.layers.LSTMCell and an unrolled keras.layers.LSTM with the same weights, its
backward against tf.GradientTape, another correct formulation through the engine, and typical
mistakes caught with the message that names them."""

import numpy as np
import pytest
import tensorflow as tf
import keras

from tests.helpers import load_check, mutate, run_source, solution

sol = solution("lstm_cell")
check = load_check("lstm_cell")


def _weights(seed, d, h):
    g = np.random.default_rng(seed)
    return g.normal(size=(d, 4 * h)) * 0.5, g.normal(size=(h, 4 * h)) * 0.5, g.normal(size=4 * h) * 0.5


def _cell(d, h, weights):
    cell = keras.layers.LSTMCell(h, dtype="float64")
    cell.build((None, d))
    cell.set_weights(list(weights))  # kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,): gates i, f, c, o
    return cell


@pytest.mark.parametrize("n", [1, 3, 8])
@pytest.mark.parametrize("d, h", [(4, 2), (3, 5)])
def test_step_equals_keras_lstm_cell(n, d, h):
    weights = _weights(10 * d + h, d, h)
    g = np.random.default_rng(n)
    x, h_prev, c_prev = g.normal(size=(n, d)), g.normal(size=(n, h)), g.normal(size=(n, h))
    out, (kh, kc) = _cell(d, h, weights)(x, [h_prev, c_prev])
    got_h, got_c, _ = sol.lstm_step_forward(x, h_prev, c_prev, *weights)
    np.testing.assert_allclose(got_h, kh.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_c, kc.numpy(), rtol=1e-12, atol=1e-12)
    # The check's independent formulation agrees with Keras too.
    check_h, check_c = check._cell([x, h_prev, c_prev, *weights])
    np.testing.assert_allclose(check_h, kh.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(check_c, kc.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("steps", [1, 4, 9])
def test_unrolled_equals_keras_lstm(steps):
    n, d, h = 3, 4, 3
    weights = _weights(steps, d, h)
    g = np.random.default_rng(100 + steps)
    x, h0, c0 = g.normal(size=(n, steps, d)), g.normal(size=(n, h)), g.normal(size=(n, h))
    layer = keras.layers.LSTM(h, return_sequences=True, return_state=True, dtype="float64")
    layer.build((None, steps, d))
    layer.set_weights(list(weights))
    seq, last_h, last_c = layer(x, initial_state=[h0, c0])
    state_h, state_c, outs = h0, c0, []
    for t in range(steps):
        state_h, state_c, _ = sol.lstm_step_forward(x[:, t], state_h, state_c, *weights)
        outs.append(state_h)
    np.testing.assert_allclose(np.stack(outs, axis=1), seq.numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(state_c, last_c.numpy(), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("n, d, h", [(2, 3, 4), (5, 2, 1), (1, 4, 3)])
def test_backward_equals_gradient_tape(n, d, h):
    weights = _weights(n + d + h, d, h)
    g = np.random.default_rng(7 * n + d)
    x, h_prev, c_prev = g.normal(size=(n, d)), g.normal(size=(n, h)), g.normal(size=(n, h))
    dh, dc = g.normal(size=(n, h)), g.normal(size=(n, h))
    cell = _cell(d, h, weights)
    tx, th, tc = tf.Variable(x), tf.Variable(h_prev), tf.Variable(c_prev)
    with tf.GradientTape() as tape:
        _, (new_h, new_c) = cell(tx, [th, tc])
        loss = tf.reduce_sum(new_h * dh) + tf.reduce_sum(new_c * dc)
    expected = tape.gradient(loss, [tx, th, tc, cell.kernel, cell.recurrent_kernel, cell.bias])
    _, _, cache = sol.lstm_step_forward(x, h_prev, c_prev, *weights)
    for got, want in zip(sol.lstm_step_backward(dh, dc, cache), expected):
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-10, atol=1e-12)


# Four weight matrices per gate pulled out of the kernels, a dict cache, and the backward
# written gate by gate with the derivatives taken from the cached activations differently.
PER_GATE = '''
import numpy as np

def _split(m, hidden):
    return [m[..., k * hidden:(k + 1) * hidden] for k in range(4)]

def lstm_step_forward(x, h_prev, c_prev, kernel, recurrent_kernel, bias):
    hidden = h_prev.shape[1]
    pre = [x @ k + h_prev @ r + b for k, r, b in zip(_split(kernel, hidden), _split(recurrent_kernel, hidden),
                                                     _split(bias, hidden))]
    i, f, o = (1 / (1 + np.exp(-pre[k])) for k in (0, 1, 3))
    g = np.tanh(pre[2])
    c = i * g + c_prev * f
    h = np.tanh(c) * o
    return h, c, dict(x=x, h_prev=h_prev, c_prev=c_prev, K=kernel, R=recurrent_kernel, i=i, f=f, g=g, o=o, c=c)

def lstm_step_backward(dh, dc, cache):
    s = cache
    tc = np.tanh(s["c"])
    dcell = dc + dh * s["o"] * (1 - tc * tc)
    dz = np.hstack([dcell * s["g"] * s["i"] * (1 - s["i"]), dcell * s["c_prev"] * s["f"] * (1 - s["f"]),
                    dcell * s["i"] * (1 - s["g"] ** 2), dh * tc * s["o"] * (1 - s["o"])])
    return (dz @ s["K"].T, dz @ s["R"].T, dcell * s["f"], s["x"].T @ dz, s["h_prev"].T @ dz, np.sum(dz, axis=0))
'''


def test_another_correct_formulation_passes(tmp_path):
    verdict = run_source("lstm_cell", PER_GATE, tmp_path)
    assert verdict.status == "passed", verdict.message


def test_gates_in_the_wrong_order_are_named(tmp_path):
    verdict = mutate("lstm_cell", tmp_path,
                     "g = np.tanh(z[:, 2 * hidden : 3 * hidden])\n    o = sigmoid(z[:, 3 * hidden :])",
                     "g = np.tanh(z[:, 3 * hidden :])\n    o = sigmoid(z[:, 2 * hidden : 3 * hidden])")
    assert verdict.status == "failed"
    assert "wrong order" in verdict.message and "(i, f, o, c)" in verdict.message


def test_forget_gate_on_the_wrong_state_is_named(tmp_path):
    verdict = mutate("lstm_cell", tmp_path, "c = f * c_prev + i * g", "c = f * h_prev + i * g")
    assert verdict.status == "failed"
    assert "forget gate is applied to the wrong state" in verdict.message


def test_sigmoid_candidate_is_named(tmp_path):
    verdict = mutate("lstm_cell", tmp_path, "g = np.tanh(z[:, 2 * hidden : 3 * hidden])",
                     "g = sigmoid(z[:, 2 * hidden : 3 * hidden])")
    assert verdict.status == "failed"
    assert "a sigmoid on the candidate" in verdict.message


def test_cell_gradient_without_the_path_through_h_is_named(tmp_path):
    verdict = mutate("lstm_cell", tmp_path, "dc_total = dc + dh * o * (1.0 - tanh_c**2)", "dc_total = dc")
    assert verdict.status == "failed"
    assert "gradient of c through h is missing" in verdict.message
