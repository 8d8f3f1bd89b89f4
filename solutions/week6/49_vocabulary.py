"""Exercise 49 — a captioning vocabulary: words to ids and back (reference solution)."""

import string
from collections import Counter

PAD, UNK, START, END = "<pad>", "<unk>", "<start>", "<end>"
SPECIAL_TOKENS = (PAD, UNK, START, END)  # ids 0, 1, 2, 3

_DELETE_PUNCTUATION = str.maketrans("", "", string.punctuation)


def tokenize(caption: str) -> list[str]:
    """The caption's words: lower case, punctuation deleted, split on whitespace."""
    return caption.lower().translate(_DELETE_PUNCTUATION).split()


def build_vocabulary(captions: list[str], min_count: int) -> dict[str, int]:
    """A dict word → id: the 4 special tokens (ids 0-3), then the words seen >= min_count times."""
    counts = Counter(token for caption in captions for token in tokenize(caption))
    kept = sorted((word for word, count in counts.items() if count >= min_count), key=lambda w: (-counts[w], w))
    return {token: i for i, token in enumerate(SPECIAL_TOKENS + tuple(kept))}


def encode_caption(caption: str, vocab: dict[str, int]) -> list[int]:
    """[START id] + the caption's token ids (UNK id for unknown words) + [END id], as Python ints."""
    unknown = vocab[UNK]
    ids = [vocab.get(token, unknown) for token in tokenize(caption)]
    return [vocab[START]] + ids + [vocab[END]]
