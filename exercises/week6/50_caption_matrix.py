"""Exercise 50 — a batch of captions as one padded integer matrix.

Encoded captions have different lengths (exercise 49 gives lists of ids such
as [2, 4, 5, 3]).  A network takes a rectangular array, so a batch of N
captions becomes a matrix of shape (N, L): row i holds caption i's ids from
the LEFT, and the rest of the row is filled with `pad_id`:

    batch = [[2, 7, 3], [2, 5, 6, 8, 3], [2, 3]],  pad_id = 0

    captions_to_matrix(batch, 0)              captions_to_matrix(batch, 0, max_len=4)
    [[2, 7, 3, 0, 0],                         [[2, 7, 3, 0],
     [2, 5, 6, 8, 3],                          [2, 5, 6, 8],
     [2, 3, 0, 0, 0]]                          [2, 3, 0, 0]]

Conventions:
- L is the length of the longest caption when `max_len` is None, and exactly
  `max_len` when it is given (every row padded or cut to max_len, even when all
  captions are shorter), so batches of one data set share one width.
- A caption longer than max_len keeps its FIRST max_len ids; what is cut is
  gone, END included (a truncated row does not end with END).
- The padding value is `pad_id`, whatever it is (not always 0).
- The result is an integer array, dtype np.int64 (ids are indices into an
  embedding, never floats).
- `batch` is a list of N captions, each a list (or 1-D array) of ints; an
  empty caption gives a row of pad_id only.  Do not modify `batch`.
"""

import numpy as np


def captions_to_matrix(batch: list[list[int]], pad_id: int, max_len: int | None = None) -> np.ndarray:
    """The (N, L) int64 matrix of the captions, left-aligned, padded with pad_id, cut to max_len."""
    # TODO: L = the longest caption's length if max_len is None, else max_len
    # TODO: out = an (N, L) array of pad_id with dtype np.int64 (np.full)
    # TODO: for each caption i: copy its first min(len, L) ids into the start of row i
    raise NotImplementedError("captions_to_matrix")
