"""Exercise 37 — word embeddings: nearest neighbours and analogies (reference solution)."""

import numpy as np


def _rows(vocab, *words):
    try:
        return [vocab.index(word) for word in words]
    except ValueError:
        missing = next(word for word in words if word not in vocab)
        raise KeyError(missing) from None


def _ranked(unit, q, vocab, exclude, k):
    sims = unit @ q
    order = np.argsort(-sims, kind="stable")
    kept = [int(i) for i in order if i not in exclude][:k]
    return [(vocab[i], float(sims[i])) for i in kept]


def most_similar(E: np.ndarray, vocab: list, word: str, k: int) -> list:
    """The k words nearest to `word` by cosine similarity, as [(word, similarity), ...], best first."""
    (row,) = _rows(vocab, word)
    unit = E / np.linalg.norm(E, axis=1, keepdims=True)
    return _ranked(unit, unit[row], vocab, {row}, k)


def analogy(E: np.ndarray, vocab: list, a: str, b: str, c: str, k: int) -> list:
    """a : b :: c : ?  — the k best answers as [(word, similarity), ...], best first, without a, b, c."""
    ia, ib, ic = _rows(vocab, a, b, c)
    unit = E / np.linalg.norm(E, axis=1, keepdims=True)
    q = unit[ib] - unit[ia] + unit[ic]
    return _ranked(unit, q / np.linalg.norm(q), vocab, {ia, ib, ic}, k)
