"""Exercise 03 — the logistic sigmoid, computed without overflow.

The sigmoid squashes any real number into (0, 1):

    σ(z) = 1 / (1 + e^(−z))

It satisfies σ(0) = 1/2 and σ(−z) = 1 − σ(z), and it tends to 1 as z → +∞
and to 0 as z → −∞.

The formula above is fine on paper but not in float64: for z = −1000,
e^(−z) = e^1000 overflows (numpy warns "overflow encountered in exp").  Write
a stable version that never exponentiates a large positive number, using
the equivalent form for negative z:

    σ(z) = 1 / (1 + e^(−z))        for z ≥ 0   (here e^(−z) ≤ 1)
    σ(z) = e^z / (1 + e^z)         for z < 0   (here e^z < 1)

Both lines only need e^(−|z|), which is never larger than 1.  Careful:
np.where(cond, a, b) computes BOTH a and b on every entry before choosing,
so it does not keep an overflowing branch from running.  (A tiny e^(−|z|)
that rounds to 0 -- an underflow -- is harmless and allowed.)

Conventions:
    z: a numpy array of any shape (float64), or a Python float.
    For an array, return a float64 array of the same shape.  For a Python
    float, return a number (a numpy float64 scalar, as np.exp gives, is fine).
    The result must lie in [0, 1], be finite, and raise no overflow warning,
    even for z = ±1000.
    Do not modify z.
"""

import numpy as np


def sigmoid(z):
    """The logistic function 1 / (1 + e^(−z)), elementwise and without overflow."""
    # TODO: e = np.exp(-np.abs(z)): never overflows, e lies in (0, 1]
    # TODO: for z ≥ 0 the sigmoid is 1 / (1 + e); for z < 0 it is e / (1 + e)
    # TODO: return the result: same shape as z, a number for a Python float
    raise NotImplementedError("sigmoid")
