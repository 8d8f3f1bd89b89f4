"""Exercise 06 — mini-batches, one epoch at a time.

Stochastic gradient descent does not look at all N examples before each step:
it cuts the data set into mini-batches of `batch_size` rows and takes one step
per batch.  One pass over every row is an *epoch*.

    X: (N, ...)   examples in rows (the first axis indexes examples)
    y: (N,) or (N, K)   the targets, row i of y belongs to row i of X

`iterate_minibatches(X, y, batch_size, rng=None)` is a *generator*: write it
with `yield`, so that calling it returns a generator object and each batch is
made only when the training loop asks for it:

    for X_batch, y_batch in iterate_minibatches(X, y, 32, rng):
        ...                                   # one optimizer step

The rules for one call (= one epoch):

- Every row of X is used exactly once.  The batches hold `batch_size` rows,
  except the last one, which holds the N mod batch_size rows that are left
  when N is not a multiple of batch_size: it is never dropped and never padded.
  (batch_size ≥ N gives a single batch of all N rows.)
- Each item is a pair `(X_batch, y_batch)` of numpy arrays with
  X_batch = X[idx] and y_batch = y[idx] for the same row indices idx, so that
  examples and targets stay paired.  Shapes: (b, ...) and (b,) or (b, K).
- Without `rng` the rows come in their original order: rows 0..B−1, then
  B..2B−1, and so on.
- With an `rng` (a numpy.random.Generator), the order is a random permutation
  of the N rows drawn from that rng, for example `order = rng.permutation(N)`,
  and the batches are cut from that order.  Draw from the rng you are given
  (never np.random.* nor a new generator), so the same seed gives the same
  order, and the next call with the same rng gives a new order for the next
  epoch.  The checks test these properties, not one particular sequence.
- X and y are not modified: shuffle an array of indices, not the data.
"""

import numpy as np


def iterate_minibatches(X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator | None = None):
    """Yield (X_batch, y_batch) pairs that cover every row of X and y once."""
    # TODO: N = number of rows; the order of the rows: np.arange(N), or a permutation from rng when rng is given
    # TODO: loop over start = 0, batch_size, 2*batch_size, ... while start < N
    # TODO: take idx = order[start:start + batch_size] and yield X[idx], y[idx]
    raise NotImplementedError("iterate_minibatches")
