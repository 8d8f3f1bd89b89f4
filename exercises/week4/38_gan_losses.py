"""Exercise 38 — the losses of a GAN, from logits, numerically stable.

A GAN trains two networks against each other.  The discriminator D looks at
an image and outputs one LOGIT x (any real number); σ(x) = 1 / (1 + e^(−x)) is
its probability that the image is real.  The generator G makes fake images and
wants D to call them real.

Both losses are binary cross-entropies.  With real_logits (D's logits on a
batch of real images) and fake_logits (on a batch of generated ones):

    discriminator_loss = mean over real of −log σ(x)  +  mean over fake of −log(1 − σ(x))
                         (real images get label 1,        fakes get label 0)

    generator_loss     = mean over fake of −log σ(x)      (the "non-saturating" loss)

Two means, one per batch, added: the batches may have different sizes.  The
logits may come as (N,) or (N, 1): average over all their entries.  Return
Python floats.

Why the non-saturating generator loss: the original GAN paper's generator
minimises mean log(1 − σ(fake)), the "saturating" loss.  Early in training D
rejects the fakes easily (x ≪ 0), where log(1 − σ(x)) is flat: G gets almost no
gradient.  −log σ(x) has the same goal but is steep exactly there.

Stability: do not compute σ first and take its log.  At x = −1000, σ(x)
underflows to 0 and log(0) = −inf; at x = 100, 1 − σ(x) rounds to 0.  Use

    −log σ(x)     = softplus(−x)          −log(1 − σ(x)) = softplus(x)
    softplus(x)   = log(1 + e^x) = max(x, 0) + log1p(e^(−|x|))    (or np.logaddexp(0, x))

which never overflows (e^(−|x|) ≤ 1) and stays exact in both tails: softplus(−100)
is e^(−100) ≈ 3.7e-44, not 0 (log1p keeps it; np.log(1 + tiny) would round it
away), and softplus(1000) is 1000.  The checks run your code at logits of ±100
and ±1000 with numpy's overflow warnings turned into errors.  Do not modify
the logits.
"""

import numpy as np


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x), computed without overflow and exactly in both tails.

    A helper for the two losses below (the checks call only the losses).
    """
    # TODO: return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    raise NotImplementedError("softplus")


def discriminator_loss(real_logits: np.ndarray, fake_logits: np.ndarray) -> float:
    """Binary cross-entropy of D: real images labelled 1, fakes labelled 0 (a float)."""
    # TODO: the real term, mean of −log σ(real_logits) = mean of softplus(−real_logits)
    # TODO: the fake term, mean of −log(1 − σ(fake_logits)) = mean of softplus(fake_logits)
    # TODO: return their sum as a Python float
    raise NotImplementedError("discriminator_loss")


def generator_loss(fake_logits: np.ndarray) -> float:
    """The non-saturating generator loss, mean of −log σ(fake_logits) (a float)."""
    # TODO: return the mean of softplus(−fake_logits) as a Python float
    raise NotImplementedError("generator_loss")
