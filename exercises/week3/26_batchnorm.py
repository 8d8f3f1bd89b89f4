"""Exercise 26 — batch normalization, forward and backward.

Batch normalization standardizes every feature over the batch, then lets the
network rescale and shift it with two learned vectors γ (gamma) and β (beta):

    μ   = mean of x over the batch                   one value per feature
    σ²  = mean of (x − μ)² over the batch            the BIASED variance: divide by
                                                     the number of values, not by N − 1
    x̂   = (x − μ) / √(σ² + ε)                        ε inside the square root
    out = γ · x̂ + β

Shapes.  x is (N, D), or any (N, ..., D): the features are on the LAST axis and
the statistics are taken over EVERY OTHER axis.  So the same code is "spatial
batch norm" for an NHWC activation (N, H, W, C): one mean and one variance per
channel, over N, H and W together.  gamma, beta, μ and σ² have shape (D,); out
has x's shape.  (Tip: axes = tuple(range(x.ndim - 1)).)

bn_param is a dict:
    'mode'          'train' or 'test' (always given)
    'eps'           ε, default 1e-5
    'momentum'      default 0.9
    'running_mean'  shape (D,); when missing, start from np.zeros(D)
    'running_var'   shape (D,); when missing, start from np.ones(D)

Train mode normalizes with the batch's own μ and σ², and updates the running
averages, an exponential moving average of the batch statistics:

    running_mean = momentum · running_mean + (1 − momentum) · μ
    running_var  = momentum · running_var  + (1 − momentum) · σ²      (the biased σ²)

Store both back into the dict (bn_param['running_mean'] = ...), so that the next
call continues from them.

Test mode normalizes with the running averages INSTEAD of the batch statistics,
x̂ = (x − running_mean) / √(running_var + ε), and leaves them unchanged: at test
time a prediction must not depend on the other examples in its batch (it must
work for a batch of one).

batchnorm_forward returns (out, cache); the cache is whatever your backward
needs (the checks only pass it back).  Do not modify x, gamma or beta.

batchnorm_backward(dout, cache) returns (dx, dgamma, dbeta) for a train-mode
forward, with dout of x's shape.  Summing over all axes but the last (M values
per feature, M = x.size // D):

    dbeta  = Σ dout
    dgamma = Σ dout · x̂
    dx     = (1 / √(σ² + ε)) · (g − mean(g) − x̂ · mean(g · x̂)),    g = dout · γ

(the two mean terms are what flows back through μ and σ², which depend on x).
dx has x's shape; dgamma and dbeta have shape (D,).
"""

import numpy as np


def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict) -> tuple[np.ndarray, tuple]:
    """Normalize each feature (last axis) over all other axes; returns (out, cache)."""
    # TODO: read mode, eps (default 1e-5) and momentum (default 0.9) from bn_param
    # TODO: running_mean / running_var from bn_param, or zeros / ones of shape (D,)
    # TODO: train: μ and the biased σ² over all axes but the last; update the running
    #       averages and store them back in bn_param
    # TODO: test: use running_mean and running_var as μ and σ² (no update)
    # TODO: x̂ = (x − μ) / √(σ² + ε);  out = gamma · x̂ + beta
    # TODO: return out, cache (what backward needs: x̂, gamma, √(σ² + ε))
    raise NotImplementedError("batchnorm_forward")


def batchnorm_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx, dgamma, dbeta) of a train-mode batchnorm_forward."""
    # TODO: unpack the cache; axes = all axes but the last
    # TODO: dbeta = Σ dout, dgamma = Σ dout · x̂ over those axes
    # TODO: g = dout · gamma; dx = (g − mean(g) − x̂ · mean(g · x̂)) / √(σ² + ε)
    # TODO: return dx, dgamma, dbeta
    raise NotImplementedError("batchnorm_backward")
