"""Exercise 38 — the losses of a GAN, from logits, numerically stable (reference solution)."""

import numpy as np


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x), computed without overflow and exactly in both tails."""
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def discriminator_loss(real_logits: np.ndarray, fake_logits: np.ndarray) -> float:
    """Binary cross-entropy of D: real images labelled 1, fakes labelled 0 (a float)."""
    real_term = np.mean(softplus(-np.asarray(real_logits)))
    fake_term = np.mean(softplus(np.asarray(fake_logits)))
    return float(real_term + fake_term)


def generator_loss(fake_logits: np.ndarray) -> float:
    """The non-saturating generator loss, mean of −log σ(fake_logits) (a float)."""
    return float(np.mean(softplus(-np.asarray(fake_logits))))
