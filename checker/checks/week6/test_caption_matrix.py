"""Hidden checks for exercise 50 (caption_matrix).

Expected matrices are built here row by row from the stub's conventions (a
list of rows padded with Python list arithmetic, then np.array).  The typical
mistakes -- padding on the left, keeping the last ids instead of the first,
a float matrix, zeros instead of pad_id, max_len taken as a mere upper bound --
are built the same way so that each is named.
"""

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, assert_unchanged, fail, fmt, rng, snapshot

LEFT = "the padding is on the left: each caption starts at column 0 and pad_id fills the END of the row."
TAIL = "a long caption kept its LAST max_len ids: keep the first max_len ids (caption[:max_len])."
ZEROS = "the padding is 0 instead of pad_id: fill with the pad_id you are given (np.full(..., pad_id))."
UPPER_BOUND = (
    "with max_len given, the width is max_len even when every caption is shorter "
    "(every batch of a data set has the same width), not min(longest, max_len)."
)
LONGEST = "max_len was ignored: with max_len given, every row is padded or cut to exactly max_len ids."


def _matrix(batch, pad_id, max_len=None, *, side="right", keep="first", fill=None, bound=False):
    longest = max((len(c) for c in batch), default=0)
    width = longest if max_len is None else (min(longest, max_len) if bound else max_len)
    fill = pad_id if fill is None else fill
    rows = []
    for caption in batch:
        ids = [int(i) for i in caption]
        ids = ids[:width] if keep == "first" else ids[max(len(ids) - width, 0):]
        padding = [fill] * (width - len(ids))
        rows.append(ids + padding if side == "right" else padding + ids)
    return np.array(rows, dtype=np.int64).reshape(len(batch), width)


def _mistakes(batch, pad_id, max_len):
    mistakes = {
        LEFT: _matrix(batch, pad_id, max_len, side="left"),
        TAIL: _matrix(batch, pad_id, max_len, keep="last"),
        ZEROS: _matrix(batch, pad_id, max_len, fill=0),
    }
    if max_len is not None:
        mistakes[UPPER_BOUND] = _matrix(batch, pad_id, max_len, bound=True)
        mistakes[LONGEST] = _matrix(batch, pad_id, None)
    return mistakes


def _check(ex, batch, pad_id, max_len=None, *, show=True):
    args = f"batch, pad_id={pad_id}" + (f", max_len={max_len}" if max_len is not None else "")
    what = f"captions_to_matrix({args})"
    before = snapshot([batch])
    got = ex.captions_to_matrix(batch, pad_id) if max_len is None else ex.captions_to_matrix(batch, pad_id, max_len)
    assert_unchanged({"batch": before[0]}, {"batch": batch}, what="captions_to_matrix")
    expected = _matrix(batch, pad_id, max_len)
    got = assert_array(got, what=what)
    if got.dtype.kind not in "iu":
        fail(
            f"{what} returned an array of dtype {got.dtype}: the ids must stay integers (dtype np.int64), "
            "they index an embedding table.\nLikely mistake: np.full or np.zeros without dtype=np.int64 makes floats."
        )
    inputs = {"batch": batch, "pad_id": pad_id} if show else None
    assert_close(got, expected, what=what, inputs=inputs, mistakes=_mistakes(batch, pad_id, max_len))


def test_tiny_batch(ex):
    """captions_to_matrix pads three captions on the right to the longest one"""
    _check(ex, [[2, 7, 3], [2, 5, 6, 8, 3], [2, 3]], pad_id=0)


def test_pad_id_is_used(ex):
    """captions_to_matrix fills with pad_id = 9, not with 0"""
    _check(ex, [[2, 7, 3], [2, 3], [2, 5, 6, 3]], pad_id=9)


def test_truncation_keeps_the_first_ids(ex):
    """captions_to_matrix with max_len = 4 keeps each caption's first 4 ids"""
    _check(ex, [[2, 7, 3], [2, 5, 6, 8, 9, 3], [2, 3]], pad_id=0, max_len=4)


def test_max_len_wider_than_every_caption(ex):
    """captions_to_matrix with max_len = 6 gives 6 columns even when every caption is shorter"""
    _check(ex, [[2, 7, 3], [2, 3]], pad_id=1, max_len=6)


def test_empty_caption_and_single_row(ex):
    """captions_to_matrix on an empty caption, and on a batch of one"""
    _check(ex, [[2, 4, 3], []], pad_id=5)
    _check(ex, [[2, 4, 4, 3]], pad_id=0, max_len=3)


def test_integer_dtype(ex):
    """captions_to_matrix returns integers (dtype int64), not floats"""
    batch = [[2, 7, 3], [2, 3]]
    got = assert_array(ex.captions_to_matrix(batch, 0), what="captions_to_matrix(batch, 0)")
    if got.dtype.kind not in "iu":
        fail(
            f"captions_to_matrix(batch, 0) returned dtype {got.dtype} for batch = {fmt(batch)}: the ids must be "
            "integers (dtype np.int64).\nLikely mistake: np.full or np.zeros without dtype=np.int64 makes floats."
        )


@pytest.mark.parametrize("seed, n, max_len", [(0, 7, None), (1, 16, 12), (2, 1, None), (3, 33, 5), (4, 9, 30)])
def test_random_batches(ex, seed, n, max_len):
    """captions_to_matrix on seeded random batches of lists and of 1-D arrays"""
    g = rng(seed)
    batch = [[int(t) for t in g.integers(0, 50, size=g.integers(0, 20))] for _ in range(n)]
    if seed % 2:
        batch = [np.array(c, dtype=np.int64) for c in batch]
    pad_id = int(g.integers(0, 4))
    _check(ex, batch, pad_id, max_len, show=n <= 3)
