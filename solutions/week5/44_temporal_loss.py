"""Exercise 44 — a masked softmax cross-entropy over time (reference solution)."""

import numpy as np


def temporal_softmax_loss(logits: np.ndarray, y: np.ndarray, mask: np.ndarray):
    """(loss, dlogits): the masked cross-entropy summed over the real steps, divided by N."""
    n, steps, vocab = logits.shape
    flat = logits.reshape(n * steps, vocab)
    y_flat = y.reshape(n * steps)
    real = mask.reshape(n * steps).astype(bool)
    rows = np.arange(n * steps)
    z = flat - flat.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -np.sum(log_p[rows, y_flat][real]) / n
    dlogits = np.exp(log_p)
    dlogits[rows, y_flat] -= 1.0
    dlogits[~real] = 0.0
    dlogits /= n
    return float(loss), dlogits.reshape(n, steps, vocab)
