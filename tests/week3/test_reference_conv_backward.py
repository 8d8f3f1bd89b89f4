"""Exercise 23 (conv_backward): the reference solution against tf.GradientTape
through tf.nn.conv2d, and typical mistakes caught with the message that names them."""

import numpy as np
import pytest
import tensorflow as tf

from checker.testing import numerical_gradient
from tests.helpers import mutate, solution

sol = solution("conv_backward")
DX_ACC = "dx_pad[n, rows, cols, :] += w @ dout[n, i, j]"
CROP = "dx = dx_pad[:, pad : pad + height, pad : pad + width, :]"

# (N, H, W, C_in, C_out, KH, KW, stride, pad)
CASES = [
    (2, 4, 5, 2, 3, 3, 2, 1, 0),
    (2, 5, 4, 3, 2, 3, 3, 2, 1),
    (1, 6, 7, 1, 2, 2, 3, 2, 2),
    (3, 3, 3, 2, 2, 3, 3, 1, 1),
    (2, 7, 5, 2, 3, 3, 2, 2, 0),
    (2, 8, 6, 3, 4, 5, 3, 3, 2),
]


def _problem(case, seed):
    n, h, wd, c_in, c_out, kh, kw, stride, pad = case
    g = np.random.default_rng(seed)
    x, w, b = g.normal(size=(n, h, wd, c_in)), g.normal(size=(kh, kw, c_in, c_out)), g.normal(size=c_out)
    h_out, w_out = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    return x, w, b, g.normal(size=(n, h_out, w_out, c_out)), stride, pad


@pytest.mark.parametrize("case", CASES)
def test_equals_gradient_tape(case):
    x, w, b, dout, stride, pad = _problem(case, sum(case))
    tx, tw, tb = tf.Variable(x), tf.Variable(w), tf.Variable(b)
    with tf.GradientTape() as tape:
        x_pad = tf.pad(tx, [[0, 0], [pad, pad], [pad, pad], [0, 0]])
        loss = tf.reduce_sum((tf.nn.conv2d(x_pad, tw, strides=stride, padding="VALID") + tb) * dout)
    expected = [g.numpy() for g in tape.gradient(loss, [tx, tw, tb])]
    _, cache = sol.conv2d_forward(x, w, b, stride=stride, pad=pad)
    for got, want in zip(sol.conv2d_backward(dout, cache), expected):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_equals_numerical_gradient():
    x, w, b, dout, stride, pad = _problem(CASES[1], 0)

    def loss(xv, wv, bv):
        return np.sum(sol.conv2d_forward(xv, wv, bv, stride=stride, pad=pad)[0] * dout)

    dx, dw, db = sol.conv2d_backward(dout, sol.conv2d_forward(x, w, b, stride=stride, pad=pad)[1])
    np.testing.assert_allclose(dx, numerical_gradient(lambda v: loss(v, w, b), x.copy()), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dw, numerical_gradient(lambda v: loss(x, v, b), w.copy()), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(db, numerical_gradient(lambda v: loss(x, w, v), b.copy()), rtol=1e-6, atol=1e-7)


def test_padded_dx_is_named(tmp_path):
    verdict = mutate("conv_backward", tmp_path, CROP, "dx = dx_pad")
    assert verdict.status == "failed"
    assert "dx still has the padding" in verdict.message


def test_db_not_summed_over_batch_is_named(tmp_path):
    verdict = mutate("conv_backward", tmp_path, "db = dout.sum(axis=(0, 1, 2))", "db = dout.sum(axis=(1, 2))")
    assert verdict.status == "failed"
    assert "sum over the batch axis 0 too" in verdict.message


def test_overwriting_gradients_is_named(tmp_path):
    verdict = mutate("conv_backward", tmp_path, DX_ACC, DX_ACC.replace("+=", "="))
    assert verdict.status == "failed"
    assert "= instead of +=" in verdict.message


def test_flipped_kernel_is_named(tmp_path):
    verdict = mutate("conv_backward", tmp_path, DX_ACC, "dx_pad[n, rows, cols, :] += w[::-1, ::-1] @ dout[n, i, j]")
    assert verdict.status == "failed"
    assert "kernel is flipped" in verdict.message


def test_dividing_by_the_batch_size_is_named(tmp_path):
    verdict = mutate("conv_backward", tmp_path, "    return dx, dw, db\n", "    return dx, dw / n_images, db\n")
    assert verdict.status == "failed"
    assert "divided by the batch size" in verdict.message
