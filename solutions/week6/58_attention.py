"""Exercise 58 (honors) — additive attention over the scene's feature map (reference solution)."""

import numpy as np


def _forward(features, h, W_f, W_h, v):
    a = np.tanh(features @ W_f + (h @ W_h)[:, None, :])
    score = a @ v
    e = np.exp(score - score.max(axis=1, keepdims=True))
    return a, e / e.sum(axis=1, keepdims=True)


def additive_attention(features, h, W_f, W_h, v):
    """(context (B, C), weights (B, P)) of additive attention over the P positions of features (B, P, C)."""
    _, weights = _forward(features, h, W_f, W_h, v)
    return np.einsum("bp,bpc->bc", weights, features), weights


def additive_attention_backward(dcontext, features, h, W_f, W_h, v):
    """(dfeatures, dh, dW_f, dW_h, dv): the gradients of a loss given dloss/dcontext (B, C)."""
    a, weights = _forward(features, h, W_f, W_h, v)
    dweights = np.einsum("bc,bpc->bp", dcontext, features)
    dscore = weights * (dweights - (weights * dweights).sum(axis=1, keepdims=True))
    dv = np.einsum("bp,bpa->a", dscore, a)
    da = dscore[..., None] * v * (1.0 - a**2)
    dW_f = np.einsum("bpc,bpa->ca", features, da)
    dfeatures = weights[..., None] * dcontext[:, None, :] + da @ W_f.T
    summed = da.sum(axis=1)
    return dfeatures, summed @ W_h.T, dW_f, h.T @ summed, dv
