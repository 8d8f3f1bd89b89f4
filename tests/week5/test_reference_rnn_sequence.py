"""Exercise 41 (rnn_sequence): the reference solution against keras.layers.SimpleRNN and
tf.GradientTape through time, another correct formulation through the engine, and typical
BPTT mistakes caught with the message that names them."""

import numpy as np
import pytest
import tensorflow as tf
import keras

from checker.testing import numerical_gradient
from tests.helpers import mutate, run_source, solution

sol = solution("rnn_sequence")
SHAPES = [(2, 4, 3, 5), (1, 3, 2, 2), (3, 7, 4, 3)]  # (N, T, D, H)


def _problem(seed, n, t, d, h):
    g = np.random.default_rng(seed)
    return [g.normal(size=(n, t, d)), g.normal(size=(n, h)), g.normal(size=(d, h)) * 0.6,
            g.normal(size=(h, h)) * 0.6, g.normal(size=h)], g.normal(size=(n, t, h))


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_equals_keras_simple_rnn(shape):
    (x, h0, Wx, Wh, b), _ = _problem(sum(shape), *shape)
    layer = keras.layers.SimpleRNN(shape[3], return_sequences=True, dtype="float64")
    layer.build((None, shape[1], shape[2]))
    layer.set_weights([Wx, Wh, b])
    expected = layer(x, initial_state=[h0]).numpy()
    np.testing.assert_allclose(sol.rnn_forward(x, h0, Wx, Wh, b)[0], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_backward_equals_gradient_tape_through_keras(shape):
    args, dh = _problem(10 + sum(shape), *shape)
    layer = keras.layers.SimpleRNN(shape[3], return_sequences=True, dtype="float64")
    layer.build((None, shape[1], shape[2]))
    layer.set_weights(args[2:])
    x, h0 = tf.Variable(args[0]), tf.Variable(args[1])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, initial_state=[h0]) * dh)
    cell = layer.cell
    expected = tape.gradient(loss, [x, h0, cell.kernel, cell.recurrent_kernel, cell.bias])
    got = sol.rnn_backward(dh, sol.rnn_forward(*args)[1])
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, np.asarray(e), rtol=1e-9, atol=1e-11)


def test_backward_equals_numerical_gradient():
    args, dh = _problem(3, 2, 5, 3, 4)
    got = sol.rnn_backward(dh, sol.rnn_forward(*args)[1])
    for index, grad in enumerate(got):
        def loss(v):
            values = list(args)
            values[index] = v
            return np.sum(sol.rnn_forward(*values)[0] * dh)
        np.testing.assert_allclose(grad, numerical_gradient(loss, args[index].copy()), rtol=1e-6, atol=1e-8)


# BPTT as one sweep with the total gradient kept per step, no step helpers, the weight
# gradients summed once at the end with einsum over (n, t).
SWEEP = '''
import numpy as np

def rnn_forward(x, h0, Wx, Wh, b):
    states = [h0]
    for t in range(x.shape[1]):
        states.append(np.tanh(x[:, t] @ Wx + states[-1] @ Wh + b))
    h = np.stack(states[1:], axis=1)
    return h, (x, h0, Wx, Wh, h)

def rnn_backward(dh, cache):
    x, h0, Wx, Wh, h = cache
    da = np.zeros_like(h)
    carry = np.zeros_like(h0)
    for t in range(x.shape[1] - 1, -1, -1):
        da[:, t] = (dh[:, t] + carry) * (1 - h[:, t] ** 2)
        carry = da[:, t] @ Wh.T
    prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    return (np.einsum("nth,dh->ntd", da, Wx), carry, np.einsum("ntd,nth->dh", x, da),
            np.einsum("ntk,nth->kh", prev, da), da.sum(axis=(0, 1)))
'''


def test_another_correct_formulation_passes(tmp_path):
    verdict = run_source("rnn_sequence", SWEEP, tmp_path)
    assert verdict.status == "passed", verdict.message


def test_forgetting_the_next_step_is_named(tmp_path):
    verdict = mutate("rnn_sequence", tmp_path, "rnn_step_backward(dh[:, t] + dh_next, caches[t])",
                     "rnn_step_backward(dh[:, t], caches[t])")
    assert verdict.status == "failed"
    assert "forgets the gradient from the next step" in verdict.message


def test_weights_not_accumulated_is_named(tmp_path):
    verdict = mutate("rnn_sequence", tmp_path, "dWx += dWx_t\n        dWh += dWh_t\n        db += db_t",
                     "dWx = dWx_t\n        dWh = dWh_t\n        db = db_t")
    assert verdict.status == "failed"
    assert "not added up over time" in verdict.message


def test_h0_at_every_step_is_named(tmp_path):
    verdict = mutate("rnn_sequence", tmp_path, "state, step_cache = rnn_step_forward(x[:, t], state, Wx, Wh, b)",
                     "_, step_cache = rnn_step_forward(x[:, t], h0, Wx, Wh, b)\n        state = _")
    assert verdict.status == "failed"
    assert "every step started from h0" in verdict.message
