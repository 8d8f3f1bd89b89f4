"""Exercise 14 — numerical gradients and the relative error.

A backward function is easy to get subtly wrong, and a wrong gradient still
trains — badly.  The standard test compares it with a NUMERICAL gradient, which
only needs the forward function.  You will use these two functions to test
every backward pass of the coming weeks.

Central differences.  For a scalar function f of an array x, nudge one entry
at a time by ±h and look at how f changes:

    ∂f/∂x[i] ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h)

where eᵢ is 1 at entry i and 0 elsewhere.  Its error shrinks like h², while the
one-sided (forward) difference (f(x + h·eᵢ) − f(x)) / h only shrinks like h:
for f(x) = x³ at x = 1 with h = 0.1, the central difference gives 3.01 and the
forward one 3.31 (the true derivative is 3).

numerical_gradient(f, x, h=1e-5), the conventions the checks rely on:
- x is a float64 array of ANY shape (a vector, a weight matrix, a batch of
  images...); visit every entry, e.g. `for idx in np.ndindex(x.shape):` (idx is
  a tuple of indices, so x[idx] is one entry).  Use the step h that is passed in.
- Perturb x ITSELF, in place, and call f(x).  f may ignore its argument and read
  x through a closure — the usual case when x is a network's weight array:
      f = lambda _: net.loss(X_batch, y_batch)     # reads net.W, and x is net.W
  Perturbing a copy of x would leave such an f unchanged (a gradient of zeros).
- Put each entry back EXACTLY before moving to the next one: save old = x[idx],
  set x[idx] = old + h, then old − h, then assign x[idx] = old again.  Adding and
  subtracting h leaves rounding errors (0.1 + 1e-5 − 2e-5 + 1e-5 gives
  0.09999999999999999), so when numerical_gradient returns, x must hold exactly
  the values it came in with.
- f returns a float (a Python float, a numpy float or a 0-d array: float(f(x))
  converts them all).
- Return a NEW float64 array of x's shape: entry idx is the central difference
  of entry idx.

relative_error(a, b) compares two arrays of the same shape (any shape), entry by
entry, and returns the worst entry as a Python float:

    relative_error(a, b) = max over i of  |a[i] − b[i]| / max(1e-8, |a[i]| + |b[i]|)

The denominator is taken per entry, and the floor 1e-8 keeps two zeros from
giving 0/0: where a[i] = b[i] = 0 the entry's error is 0.  (With np: np.abs,
np.maximum(1e-8, ...) elementwise, then np.max.)  Rules of thumb for a gradient
check: below 1e-7 the gradient is right, above 1e-2 it is almost surely wrong.
Neither function modifies a or b (numerical_gradient modifies x only while it
works, as above).
"""

import numpy as np


def numerical_gradient(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of the scalar function f at x, same shape as x."""
    # TODO: a float array of zeros with x's shape, for the result
    # TODO: for every index of x: save the entry's value
    # TODO:     f at the entry nudged up by h, then at the entry nudged down by h (in place, in x)
    # TODO:     put the saved value back, and store the central difference at that index
    # TODO: return the result
    raise NotImplementedError("numerical_gradient")


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """The largest elementwise relative difference |a − b| / max(1e-8, |a| + |b|)."""
    # TODO: the elementwise numerator |a − b| and denominator max(1e-8, |a| + |b|)
    # TODO: return the maximum of their ratio as a Python float
    raise NotImplementedError("relative_error")
