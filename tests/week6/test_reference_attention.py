"""Exercise 58 (attention): the solution's forward pass and gradients against TensorFlow's automatic
differentiation of the same formula; typical mistakes injected and named; a loop-based variant passes."""

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import mutate, run_engine, run_source, solution

sol = solution("attention")


@pytest.mark.parametrize("seed", range(3))
def test_equals_tensorflow_autodiff(seed):
    g = np.random.default_rng(seed)
    B, P, C, H, A = 2, 64, 5, 4, 3
    args = [g.normal(size=(B, P, C)), g.normal(size=(B, H)), g.normal(size=(C, A)), g.normal(size=(H, A)), g.normal(size=A)]
    G = g.normal(size=(B, C))
    variables = [tf.Variable(x) for x in args]
    with tf.GradientTape() as tape:
        f, h, W_f, W_h, v = variables
        score = tf.tensordot(tf.tanh(tf.tensordot(f, W_f, 1) + (h @ W_h)[:, None, :]), v, 1)
        weights = tf.nn.softmax(score, axis=1)
        context = tf.einsum("bp,bpc->bc", weights, f)
        loss = tf.reduce_sum(context * G)
    expected = tape.gradient(loss, variables)
    got_context, got_weights = sol.additive_attention(*args)
    np.testing.assert_allclose(got_context, context.numpy(), rtol=1e-10)
    np.testing.assert_allclose(got_weights, weights.numpy(), rtol=1e-10)
    for got, want in zip(sol.additive_attention_backward(G, *args), expected):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-9, atol=1e-12)


def test_the_solution_passes_through_the_engine():
    verdict = run_engine("attention", sol.__file__)
    assert verdict.status == "passed", verdict.message


MISTAKES = {
    "batch-axis": ("score - score.max(axis=1, keepdims=True))\n    return a, e / e.sum(axis=1, keepdims=True)",
                   "score - score.max(axis=0, keepdims=True))\n    return a, e / e.sum(axis=0, keepdims=True)",
                   "over the batch axis"),
    "no-direct-path": ("dfeatures = weights[..., None] * dcontext[:, None, :] + da @ W_f.T", "dfeatures = da @ W_f.T",
                       "direct path is missing"),
    "no-softmax-jacobian": ("dscore = weights * (dweights - (weights * dweights).sum(axis=1, keepdims=True))",
                            "dscore = dweights", "Jacobian is missing"),
}


@pytest.mark.parametrize("key", MISTAKES)
def test_typical_mistakes_are_named(tmp_path, key):
    old, new, text = MISTAKES[key]
    verdict = mutate("attention", tmp_path, old, new)
    assert verdict.status == "failed"
    assert any(text in c.message for c in verdict.checks if not c.passed), [c.message for c in verdict.checks]


LOOPS = '''
import numpy as np


def _weights(features, h, W_f, W_h, v):
    B, P, _ = features.shape
    a = np.stack([np.tanh(features[:, p] @ W_f + h @ W_h) for p in range(P)], axis=1)
    s = np.einsum("bpa,a->bp", a, v)
    s = s - s.max(axis=1)[:, None]
    return a, np.exp(s) / np.exp(s).sum(axis=1)[:, None]


def additive_attention(features, h, W_f, W_h, v):
    _, w = _weights(features, h, W_f, W_h, v)
    return (w[:, :, None] * features).sum(axis=1), w


def additive_attention_backward(dcontext, features, h, W_f, W_h, v):
    a, w = _weights(features, h, W_f, W_h, v)
    dw = (features * dcontext[:, None, :]).sum(axis=2)
    ds = w * dw - w * (w * dw).sum(axis=1, keepdims=True)
    da = ds[:, :, None] * v[None, None, :] * (1 - a * a)
    flat_f, flat_da = features.reshape(-1, features.shape[2]), da.reshape(-1, da.shape[2])
    return (w[:, :, None] * dcontext[:, None, :] + np.einsum("bpa,ca->bpc", da, W_f), da.sum(1) @ W_h.T,
            flat_f.T @ flat_da, h.T @ da.sum(1), (ds[:, :, None] * a).sum(axis=(0, 1)))
'''


def test_a_loop_variant_passes(tmp_path):
    verdict = run_source("attention", LOOPS, tmp_path)
    assert verdict.status == "passed", verdict.message
