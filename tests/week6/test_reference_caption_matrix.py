"""Exercise 50 (caption_matrix): the reference solution against Keras'
pad_sequences (padding and truncating "post"), and typical mistakes caught
with the message that names them."""

import numpy as np
import pytest
from keras.utils import pad_sequences

from tests.helpers import mutate, run_source, solution

sol = solution("caption_matrix")


@pytest.mark.parametrize("seed, n, max_len", [(0, 5, None), (1, 12, 7), (2, 1, 3), (3, 20, 25), (4, 9, None)])
def test_equals_keras_pad_sequences(seed, n, max_len):
    g = np.random.default_rng(seed)
    batch = [list(g.integers(0, 40, size=g.integers(1, 15))) for _ in range(n)]
    pad_id = int(g.integers(0, 5))
    expected = pad_sequences(batch, maxlen=max_len, dtype="int64", padding="post", truncating="post", value=pad_id)
    got = sol.captions_to_matrix(batch, pad_id, max_len)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)


def test_empty_caption_is_a_row_of_padding():
    np.testing.assert_array_equal(sol.captions_to_matrix([[2, 3], []], 7), [[2, 3], [7, 7]])


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("out[i, : len(ids)] = ids", "out[i, width - len(ids):] = ids", "padding is on the left"),
        ("ids = list(caption)[:width]", "ids = list(caption)[max(len(caption) - width, 0):]", "kept its LAST max_len ids"),
        ("dtype=np.int64", "dtype=float", "dtype float64"),
        ("np.full((len(batch), width), pad_id, dtype=np.int64)", "np.zeros((len(batch), width), dtype=np.int64)", "instead of pad_id"),
        ("if max_len is None else max_len", "if max_len is None else min(max_len, max(len(c) for c in batch))", "not min(longest, max_len)"),
    ],
)
def test_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("caption_matrix", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message


def test_another_correct_solution_passes(tmp_path):
    verdict = run_source(
        "caption_matrix",
        """
        import numpy as np


        def captions_to_matrix(batch, pad_id, max_len=None):
            width = max_len if max_len is not None else max([len(c) for c in batch] + [0])
            rows = [[int(t) for t in c][:width] for c in batch]
            rows = [row + [pad_id] * (width - len(row)) for row in rows]
            return np.array(rows, dtype=np.int64).reshape(len(batch), width)
        """,
        tmp_path,
    )
    assert verdict.status == "passed", verdict.message
