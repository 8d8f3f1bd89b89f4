"""Exercise 40 (rnn_step): the reference solution against keras.layers.SimpleRNNCell and
tf.GradientTape, another correct formulation through the engine, and typical mistakes
caught with the message that names them."""

import numpy as np
import pytest
import tensorflow as tf
import keras

from checker.testing import numerical_gradient
from tests.helpers import mutate, run_source, solution

sol = solution("rnn_step")
SHAPES = [(3, 4, 5), (1, 2, 3), (6, 3, 2)]


def _problem(seed, n, d, h):
    g = np.random.default_rng(seed)
    return [g.normal(size=(n, d)), g.normal(size=(n, h)), g.normal(size=(d, h)), g.normal(size=(h, h)),
            g.normal(size=h)], g.normal(size=(n, h))


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_equals_keras_simple_rnn_cell(shape):
    (x, h_prev, Wx, Wh, b), _ = _problem(sum(shape), *shape)
    cell = keras.layers.SimpleRNNCell(shape[2], dtype="float64")
    cell.build((None, shape[1]))
    cell.set_weights([Wx, Wh, b])  # Keras' kernel, recurrent_kernel, bias
    expected, _ = cell(x, [h_prev])
    np.testing.assert_allclose(sol.rnn_step_forward(x, h_prev, Wx, Wh, b)[0], expected.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_backward_equals_gradient_tape(shape):
    args, dh = _problem(10 + sum(shape), *shape)
    variables = [tf.Variable(a) for a in args]
    with tf.GradientTape() as tape:
        x, h_prev, Wx, Wh, b = variables
        loss = tf.reduce_sum(tf.tanh(x @ Wx + h_prev @ Wh + b) * dh)
    expected = tape.gradient(loss, variables)
    got = sol.rnn_step_backward(dh, sol.rnn_step_forward(*args)[1])
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-10, atol=1e-12)


def test_backward_equals_numerical_gradient():
    args, dh = _problem(3, 2, 3, 4)
    got = sol.rnn_step_backward(dh, sol.rnn_step_forward(*args)[1])
    for index, grad in enumerate(got):
        def loss(v):
            values = list(args)
            values[index] = v
            return np.sum(sol.rnn_step_forward(*values)[0] * dh)
        np.testing.assert_allclose(grad, numerical_gradient(loss, args[index].copy()), rtol=1e-6, atol=1e-8)


EINSUM = '''
import numpy as np

def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h = np.tanh(np.einsum("nd,dh->nh", x, Wx) + b + np.einsum("nk,kh->nh", h_prev, Wh))
    return h, {"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "h": h}

def rnn_step_backward(dh, cache):
    da = dh - dh * cache["h"] * cache["h"]
    return (np.einsum("nh,dh->nd", da, cache["Wx"]), np.einsum("nh,kh->nk", da, cache["Wh"]),
            np.einsum("nd,nh->dh", cache["x"], da), np.einsum("nk,nh->kh", cache["h_prev"], da),
            np.einsum("nh->h", da))
'''


def test_another_correct_formulation_passes(tmp_path):
    """einsum everywhere, a dict as the cache, the derivative written as dh − dh·h²."""
    verdict = run_source("rnn_step", EINSUM, tmp_path)
    assert verdict.status == "passed", verdict.message


def test_forgotten_tanh_derivative_is_named(tmp_path):
    verdict = mutate("rnn_step", tmp_path, "da = dh * (1.0 - h_next**2)", "da = dh")
    assert verdict.status == "failed"
    assert "does not go through the tanh" in verdict.message


def test_one_minus_h_is_named(tmp_path):
    verdict = mutate("rnn_step", tmp_path, "da = dh * (1.0 - h_next**2)", "da = dh * (1.0 - h_next)")
    assert verdict.status == "failed"
    assert "1 − h_next² (squared)" in verdict.message


def test_transposed_wh_is_named(tmp_path):
    verdict = mutate("rnn_step", tmp_path, "np.tanh(x @ Wx + h_prev @ Wh + b)", "np.tanh(x @ Wx + h_prev @ Wh.T + b)")
    assert verdict.status == "failed"
    assert "Wh is transposed" in verdict.message


def test_untransposed_wh_in_backward_is_named(tmp_path):
    verdict = mutate("rnn_step", tmp_path, "dh_prev = da @ Wh.T", "dh_prev = da @ Wh")
    assert verdict.status == "failed"
    assert "Wh not transposed" in verdict.message


def test_averaged_db_is_named(tmp_path):
    verdict = mutate("rnn_step", tmp_path, "db = da.sum(axis=0)", "db = da.mean(axis=0)")
    assert verdict.status == "failed"
    assert "db averaged over the batch" in verdict.message
