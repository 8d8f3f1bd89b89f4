"""Exercise 37 — word embeddings: nearest neighbours and analogies.

An embedding matrix E holds one vector per word of a vocabulary:

    E       (V, D)   row i is the vector of the word vocab[i]
    vocab   a Python list of V distinct words (str); its index is E's row:
            vocab[i] is the word of E[i], and vocab.index(word) finds the row

Two words are similar when their vectors point the same way, whatever their
lengths: the COSINE similarity

    cos(x, y) = x·y / (‖x‖ ‖y‖)          in [−1, 1]

A plain dot product x·y is not the same thing: it grows with the vectors'
lengths, and in trained embeddings the length mostly tracks how frequent a word
is, so a dot product ranks frequent words first.  Normalise first: with
unit = E / ‖E‖ (each row divided by its own length), the cosine similarity of
every word to a unit vector q is one matrix-vector product, unit @ q, shape (V,).

most_similar(E, vocab, word, k): the k words whose vectors have the highest
cosine similarity to the vector of `word`, best first.  The query word itself
is never in the answer (it is always its own nearest neighbour, at 1.0).

analogy(E, vocab, a, b, c, k): "a is to b as c is to ?", e.g. man : king ::
woman : queen.  With the unit rows, the query vector is

    q = unit[b] − unit[a] + unit[c]          (b minus a, plus c)

and the answer is the k words with the highest cosine similarity to q, best
first, leaving out a, b and c themselves (they are usually nearest to q).

Both return a list of k pairs (word, similarity): the word a str from vocab,
the similarity its cosine similarity to the query vector (the word's vector
for most_similar, q for analogy) as a Python float, sorted from the most
similar down.  A word that is not in vocab raises KeyError.  E has no zero rows
and 1 ≤ k ≤ V − 3.  Do not modify E or vocab.
"""

import numpy as np


def most_similar(E: np.ndarray, vocab: list, word: str, k: int) -> list:
    """The k words nearest to `word` by cosine similarity, as [(word, similarity), ...], best first."""
    # TODO: the row of `word`: vocab.index(word); raise KeyError(word) if it is not in vocab
    # TODO: unit = E divided by the length of each row (np.linalg.norm(..., axis=1, keepdims=True))
    # TODO: sims = unit @ unit[row], the cosine similarity of every word to `word`, shape (V,)
    # TODO: the rows in order of decreasing similarity (np.argsort(-sims)), without `word` itself
    # TODO: return the first k as a list of (vocab[i], float(sims[i]))
    raise NotImplementedError("most_similar")


def analogy(E: np.ndarray, vocab: list, a: str, b: str, c: str, k: int) -> list:
    """a : b :: c : ?  — the k best answers as [(word, similarity), ...], best first, without a, b, c."""
    # TODO: the rows of a, b and c (KeyError for a word not in vocab)
    # TODO: unit = E with every row normalised to length 1
    # TODO: q = unit[b] - unit[a] + unit[c], then normalised to length 1
    # TODO: sims = unit @ q; rank the rows by decreasing similarity, leaving out a, b and c
    # TODO: return the first k as a list of (vocab[i], float(sims[i]))
    raise NotImplementedError("analogy")
