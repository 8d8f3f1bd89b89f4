"""Exercise 27 — inverted dropout.

At training time, dropout zeroes each entry of an activation independently with
probability p_drop, so that the network cannot rely on any single unit.  In
"inverted" dropout the entries that are kept are scaled up by 1 / (1 − p_drop):

    keep = a random boolean array of x's shape, each entry True with probability 1 − p_drop
    out  = x · keep / (1 − p_drop)

The scaling keeps the expected value unchanged, E[out] = x, so at test time
(training=False) dropout does nothing at all: out = x, nothing dropped and
nothing scaled.  (Without the scaling, the output's mean would shrink by a
factor (1 − p_drop) during training, and the next layer would see different
magnitudes at training and at test time.)

Conventions:
- p_drop is the probability to DROP an entry (0 ≤ p_drop < 1); p_drop = 0 keeps
  everything, so out = x.
- x may have any shape (N, D), (N, H, W, C), ...; out has x's shape.
- rng, a numpy.random.Generator, is the ONLY source of randomness: draw one
  number per entry, for example keep = rng.random(x.shape) >= p_drop.  Any draw
  from rng with that probability is fine (the checks test the statistics, not
  particular numbers), but never np.random.* (the global generator): the same rng
  seed must give the same mask.
- Do not modify x.

dropout_forward returns (out, cache): the cache is whatever your backward needs
(the checks only pass it back).

dropout_backward(dout, cache) returns dx, of dout's shape.  The forward pass is
out = x · keep / (1 − p_drop) with keep fixed, so the gradient goes through the
SAME mask and the same scale:

    dx = dout · keep / (1 − p_drop)        (training)
    dx = dout                              (test time)
"""

import numpy as np


def dropout_forward(x: np.ndarray, p_drop: float, training: bool, rng: np.random.Generator) -> tuple[np.ndarray, tuple]:
    """Zero each entry with probability p_drop and scale the rest by 1/(1 − p_drop); identity at test time."""
    # TODO: test time (training is False): out is x itself (a copy is fine), nothing dropped or scaled
    # TODO: training: keep = rng.random(x.shape) >= p_drop
    # TODO: out = x * keep / (1 - p_drop)
    # TODO: return out, cache (what backward needs: the mask and the scale)
    raise NotImplementedError("dropout_forward")


def dropout_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """The gradient through the same mask and scale as the forward pass (dout itself at test time)."""
    # TODO: unpack the cache
    # TODO: at test time, dx = dout; in training, dx = dout * keep / (1 - p_drop)
    raise NotImplementedError("dropout_backward")
