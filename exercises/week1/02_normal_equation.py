"""Exercise 02 — linear regression in closed form (the normal equations).

For a linear model ŷ = X @ w, the weights that minimise the squared error
‖X w − y‖² make its gradient 2·Xᵀ(X w − y) vanish, i.e. they solve the
D×D linear system called the normal equations:

    (Xᵀ X) w = Xᵀ y

Ridge regression adds a penalty l2·‖w‖² to the squared error, which adds
l2 to every DIAGONAL entry of XᵀX (and nothing off the diagonal):

    (Xᵀ X + l2·I) w = Xᵀ y          I: the D×D identity, np.eye(D)

Shapes and conventions:
    X: (N, D) examples in rows.  X already contains any bias column the
       caller wants; this function adds none.
    y: (N,) targets.
    returns w: (D,) float64 weights.
    The penalty applies to ALL D weights -- the bias (if X has one) is
    penalised like any other weight.  Ridge is kept this simple on purpose.
    With l2 = 0 and X of full column rank, w is the least-squares solution
    (what np.linalg.lstsq returns).  With l2 > 0 the system is always
    solvable, even when N < D.

Solve, do not invert: compute w with np.linalg.solve(A, b).  Do not form the
inverse with np.linalg.inv (or np.linalg.pinv) and multiply by it: solving
is cheaper and more accurate, and the checks test that you solve.
Use numpy, no loops, and do not modify X or y.
"""

import numpy as np


def fit_linear_regression(X: np.ndarray, y: np.ndarray, l2: float = 0.0) -> np.ndarray:
    """Weights w, shape (D,), solving (XᵀX + l2·I) w = Xᵀy."""
    # TODO: A = Xᵀ X plus l2 on the diagonal, shape (D, D)
    # TODO: b = Xᵀ y, shape (D,)
    # TODO: return the solution of A w = b, found with np.linalg.solve
    raise NotImplementedError("fit_linear_regression")
