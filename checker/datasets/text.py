"""The course's English text, all from WordNet 3.0: a corpus, word embeddings, and part-of-speech data.

Every file ships in `data/` and was made by a seeded script beside it
(`make_wordnet_corpus.py`, `make_embeddings.py`) from the dictionary files of
Debian's `wordnet-base` package; nothing is downloaded.  Only numpy and the
standard library are imported, so numpy exercises and their checks stay fast.
"""

from __future__ import annotations

import gzip
import lzma
from functools import lru_cache
from pathlib import Path

import numpy as np

from checker.datasets.shipped import DataNotFound, data_dir

CORPUS_FILE = "wordnet_corpus.txt.xz"
EMBEDDINGS_FILE = "wordnet_embeddings.npz"
POS_WORDS_FILE = "wordnet_pos_words.tsv"
TAGGED_FILE = "wordnet_tagged.tsv.gz"
POS_CLASSES = ("noun", "verb", "adjective", "adverb")
POS_TAGS = ("NOUN", "VERB", "ADJ", "ADV", "FUNC", "X")
UNTAGGED = "?"
SPLITS = ("train", "validation", "test")


def _shipped(name: str) -> Path:
    path = data_dir() / name
    if not path.is_file():
        raise DataNotFound(f"The shipped file {path} is missing; reinstall dlx or restore data/.")
    return path


def load_corpus() -> list[list[str]]:
    """The WordNet corpus: a list of sentences, each a list of lowercase tokens.

    168 838 sentences, 1.43 million tokens: every gloss's definition parts and
    example sentences, tokenized into runs of letters (an inner apostrophe kept).
    """
    text = lzma.decompress(_shipped(CORPUS_FILE).read_bytes()).decode("utf-8")
    return [line.split() for line in text.splitlines()]


@lru_cache(maxsize=1)
def _embeddings() -> tuple[np.ndarray, tuple[str, ...]]:
    with np.load(_shipped(EMBEDDINGS_FILE), allow_pickle=False) as npz:
        E = npz["E"].astype(np.float64)
        vocab = tuple(str(word) for word in npz["vocab"])
    E.setflags(write=False)
    return E, vocab


def load_embeddings() -> tuple[np.ndarray, list[str]]:
    """Skip-gram embeddings of the corpus's 5 000 most frequent words: `(E, vocab)`.

    E is float64 (5000, 48) (stored as float16); vocab a list of the words,
    vocab[i] the word of row E[i], most frequent first.  A fresh copy each call.
    """
    E, vocab = _embeddings()
    return E.copy(), list(vocab)


def _read_tsv(path: Path, opener=open) -> list[list[str]]:
    with opener(path, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    return [line.split("\t") for line in lines[1:]]


def load_pos_words(split: str | None = None) -> list[tuple[str, str]] | dict[str, list[tuple[str, str]]]:
    """Words and their part of speech, `(word, pos)` with pos one of POS_CLASSES.

    Lemmas of exactly one part of speech in WordNet, letters only, 3 152 of each
    class, split 80/10/10 within each class.  `split` ("train", "validation",
    "test") gives that split's list; without it, a dict of all three.
    """
    rows = _read_tsv(_shipped(POS_WORDS_FILE))
    splits: dict[str, list[tuple[str, str]]] = {name: [] for name in SPLITS}
    for word, pos, part in rows:
        splits[part].append((word, pos))
    if split is None:
        return splits
    if split not in splits:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    return splits[split]


def load_tagged_sentences(split: str | None = None):
    """WordNet example sentences with one tag per token: `(tokens, tags)` pairs of equal-length lists.

    Tags are POS_TAGS, plus UNTAGGED ("?") for a word WordNet knows under several
    parts of speech that the data could not decide (give it weight 0, like
    padding).  How each tag is decided: `data/make_wordnet_corpus.py` and
    data/README.md.  `split` as in `load_pos_words`.
    """
    rows = _read_tsv(_shipped(TAGGED_FILE), gzip.open)
    splits: dict[str, list[tuple[list[str], list[str]]]] = {name: [] for name in SPLITS}
    for tokens, tags, part in rows:
        splits[part].append((tokens.split(), tags.split()))
    if split is None:
        return splits
    if split not in splits:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    return splits[split]
