"""Exercise 16 (activations): the reference solution against TensorFlow (tf.nn.relu,
tf.math.tanh and their tf.GradientTape gradients), and typical mistakes caught
with the message that names them."""

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import mutate, solution

sol = solution("activations")
OPS = {"relu": tf.nn.relu, "tanh": tf.math.tanh}


def _tf_forward_backward(op, x, dout):
    tx = tf.Variable(x)
    with tf.GradientTape() as tape:
        out = OPS[op](tx)
        loss = tf.reduce_sum(out * dout)  # so that ∂loss/∂out = dout
    return out.numpy(), tape.gradient(loss, tx).numpy()


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 4, 3), (1, 1)])
def test_equals_tensorflow(op, shape):
    g = np.random.default_rng(len(shape) * 10 + shape[0])
    x, dout = g.normal(scale=2.0, size=shape), g.normal(size=shape)
    x.flat[0] = 0.0  # the kink of ReLU: both give gradient 0 there
    expected_out, expected_dx = _tf_forward_backward(op, x, dout)
    out, cache = getattr(sol, f"{op}_forward")(x)
    dx = getattr(sol, f"{op}_backward")(dout, cache)
    np.testing.assert_allclose(out, expected_out, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-12, atol=1e-15)


def test_tensorflow_relu_gradient_at_zero_is_zero():
    """The convention the stub states is TensorFlow's own."""
    _, dx = _tf_forward_backward("relu", np.array([0.0, 0.0]), np.array([1.0, -1.0]))
    np.testing.assert_array_equal(dx, [0.0, 0.0])
    _, cache = sol.relu_forward(np.array([0.0, 0.0]))
    np.testing.assert_array_equal(sol.relu_backward(np.array([1.0, -1.0]), cache), [0.0, 0.0])


def test_large_inputs_and_inputs_unchanged():
    x = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])
    x0 = x.copy()
    out, cache = sol.tanh_forward(x)
    np.testing.assert_array_equal(out, [-1.0, np.tanh(-1.0), 0.0, np.tanh(1.0), 1.0])
    dout = np.ones_like(x)
    sol.tanh_backward(dout, cache)
    _, cache = sol.relu_forward(x)
    sol.relu_backward(dout, cache)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, np.ones_like(x))


def test_relu_in_place_is_named(tmp_path):
    verdict = mutate("activations", tmp_path, "out = np.maximum(x, 0.0)", "out = np.maximum(x, 0.0, out=x)")
    assert verdict.status == "failed"
    assert "changed its input `x` in place" in verdict.message and "np.maximum(x, 0, out=x)" in verdict.message


def test_relu_gradient_where_negative_is_named(tmp_path):
    verdict = mutate("activations", tmp_path, "return dout * (x > 0)", "return dout * (np.maximum(x, 0) >= 0)")
    assert verdict.status == "failed"
    assert "passes where x < 0" in verdict.message


def test_relu_gradient_at_zero_is_named(tmp_path):
    verdict = mutate("activations", tmp_path, "return dout * (x > 0)", "return dout * (x >= 0)")
    assert verdict.status == "failed"
    assert "at exactly x = 0" in verdict.message


def test_tanh_one_minus_x_squared_is_named(tmp_path):
    verdict = mutate("activations", tmp_path, "return out, out", "return out, x")
    assert verdict.status == "failed"
    assert "1 − x²" in verdict.message


# Each tanh mistake with the words only its own message has: two mistakes never read the same.
TANH_MISTAKES = {
    "1 - x**2 (x cached, the input)": (("return out, out", "return out, x"), "you used 1 − x² (the input)"),
    "1 - tanh": (("return dout * (1.0 - out**2)", "return dout * (1.0 - out)"), "the square is missing"),
    "(1 - tanh)**2": (("return dout * (1.0 - out**2)", "return dout * (1.0 - out) ** 2"), "you squared (1 − tanh(x))"),
    "dout * tanh": (("return dout * (1.0 - out**2)", "return dout * out"), "multiplied dout by tanh(x) itself"),
    "no dout": (("return dout * (1.0 - out**2)", "return 1.0 - out**2 + 0 * dout"), "dout is missing"),
}


@pytest.mark.parametrize("mistake", TANH_MISTAKES)
def test_each_tanh_mistake_has_its_own_message(tmp_path, mistake):
    (old, new), words = TANH_MISTAKES[mistake]
    verdict = mutate("activations", tmp_path, old, new)
    assert verdict.status == "failed"
    assert words in verdict.message, verdict.message
    others = [w for name, (_, w) in TANH_MISTAKES.items() if name != mistake]
    assert not any(w in verdict.message for w in others), verdict.message
