"""Exercise 36 — word2vec: the skip-gram loss with negative sampling (reference solution)."""

import numpy as np


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def skipgram_neg_sampling(center: np.ndarray, context: np.ndarray, negatives: np.ndarray):
    """Skip-gram negative-sampling loss of one example; return (loss, d_center, d_context, d_negatives)."""
    s_o = context @ center
    s = negatives @ center
    loss = np.logaddexp(0.0, -s_o) + np.sum(np.logaddexp(0.0, s))
    g_o = _sigmoid(s_o) - 1.0
    g = _sigmoid(s)
    d_center = g_o * context + g @ negatives
    d_context = g_o * center
    d_negatives = g[:, None] * center[None, :]
    return float(loss), d_center, d_context, d_negatives
