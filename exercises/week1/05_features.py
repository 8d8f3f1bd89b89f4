"""Exercise 05 — polynomial features for a linear model.

A linear model is linear in its weights, not in its inputs.  Feed it
products of the inputs and it can draw curved boundaries: the circle
x0² + x1² = r² is a straight line (a plane) in the features x0², x1².

expand_features maps each 2-D point (x0, x1) to six features, in exactly
this order:

    column:    0     1     2      3      4        5
    feature:   x0    x1    x0²    x1²    x0·x1    1

The last column, all ones, is the bias feature: its weight plays the role
of the intercept, so the model needs no separate bias term.  In this course
the bias column is LAST (exercise 11 leaves the last weight unpenalised).

Shapes and conventions:
    X: (N, 2), one point per row; N may be 1.
    returns: (N, 6) float64 array, one row per point -- float64 also when
    X holds integers.
    Square with ** 2 (in Python, ^ is a bitwise XOR, not a power).
    Use numpy, no loops over rows, and do not modify X.
"""

import numpy as np


def expand_features(X: np.ndarray) -> np.ndarray:
    """The (N, 6) features [x0, x1, x0², x1², x0·x1, 1] of the (N, 2) points X."""
    # TODO: the two input columns x0 = X[:, 0] and x1 = X[:, 1], each of shape (N,)
    # TODO: stack the six features as columns (np.column_stack), the ones column last
    # TODO: return the result as float64, shape (N, 6)
    raise NotImplementedError("expand_features")
