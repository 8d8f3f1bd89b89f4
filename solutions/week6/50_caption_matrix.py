"""Exercise 50 — a batch of captions as one padded integer matrix (reference solution)."""

import numpy as np


def captions_to_matrix(batch: list[list[int]], pad_id: int, max_len: int | None = None) -> np.ndarray:
    """The (N, L) int64 matrix of the captions, left-aligned, padded with pad_id, cut to max_len."""
    width = max((len(caption) for caption in batch), default=0) if max_len is None else max_len
    out = np.full((len(batch), width), pad_id, dtype=np.int64)
    for i, caption in enumerate(batch):
        ids = list(caption)[:width]
        out[i, : len(ids)] = ids
    return out
