"""Hidden checks for exercise 37 (embeddings).

Expected answers come from a brute force written here, independently of the
learner's code: the cosine similarity of the query to each row, one row at a
time, then every word ranked.  An answer is right when its words are distinct,
none is a query word, each similarity is that word's own cosine similarity, and
the similarities are the k largest (so equal similarities may come in either
order).  A wrong answer is held against the same brute force with a known
mistake built in: a dot product instead of the cosine (rows not normalised), the
query words not left out, the order reversed, b − a + c with a sign wrong.
"""

import numpy as np
import pytest

from checker.datasets import load_embeddings
from checker.testing import assert_true, call_unchanged, fail, fmt, rng, snapshot

# A tiny world you can read: axis 0 "male", axis 1 "female", axis 2 "royal", axis 3 "fruit".
TINY_VOCAB = ["man", "woman", "king", "queen", "prince", "princess", "apple", "pear", "boy", "girl"]
TINY_E = np.array([
    [1.0, 0.0, 0.1, 0.0],    # man
    [0.0, 1.0, 0.1, 0.0],    # woman
    [1.0, 0.0, 1.0, 0.0],    # king
    [0.0, 1.0, 1.0, 0.1],    # queen
    [0.8, 0.0, 0.9, 0.2],    # prince
    [0.0, 0.8, 0.9, 0.3],    # princess
    [0.0, 0.1, 0.0, 1.0],    # apple
    [0.1, 0.0, 0.0, 0.9],    # pear
    [0.9, 0.0, -0.3, 0.1],   # boy
    [0.0, 0.9, -0.4, 0.1],   # girl
])

DOT = ("the rows of E were not normalised: you ranked by the dot product, not the cosine similarity. "
       "A dot product favours long vectors; divide each row by its length first "
       "(unit = E / np.linalg.norm(E, axis=1, keepdims=True)).")
WITH_QUERY = "the query word is in the answer (its similarity to itself is 1.0): leave it out before taking k."
ASCENDING = "the order is reversed: you took the k LEAST similar words; sort by decreasing similarity."
A_MINUS_B = "the analogy vector has its signs swapped: it is b − a + c (here {b} − {a} + {c}), not a − b + c."
MINUS_C = "c is subtracted: the analogy vector is b − a + c, not b − a − c."
B_PLUS_A = "a is added: the analogy vector is b − a + c, not a + b + c or b + a − c."
RAW_ANALOGY = ("b − a + c was built from the raw rows of E: normalise the rows first, then "
               "q = unit[b] − unit[a] + unit[c].")


def _cos(x, y):
    return float(x @ y / (np.sqrt(x @ x) * np.sqrt(y @ y)))


def _brute(E, vocab, q, exclude, k, score=_cos, reverse=False):
    """Brute force: score every row against q, one at a time, and keep the k best (or worst) not excluded."""
    scored = [(score(E[i], q), i) for i in range(len(vocab)) if vocab[i] not in exclude]
    scored.sort(key=lambda item: (item[0], -item[1]), reverse=not reverse)
    return [(vocab[i], s) for s, i in scored[:k]]


def _unit(v):
    return v / np.sqrt(v @ v)


def _analogy_query(E, vocab, a, b, c, signs=(-1, 1, 1), raw=False):
    rows = [E[vocab.index(w)] if raw else _unit(E[vocab.index(w)]) for w in (a, b, c)]
    return sum(s * r for s, r in zip(signs, rows))


def _words(answer):
    return [w for w, _ in answer]


def _shape_of_answer(got, k, what):
    if got is None:
        fail(f"{what} returned None.\nDid you forget the `return` statement?")
    if isinstance(got, np.ndarray):
        fail(f"{what} returned a numpy array; expected a list of k = {k} pairs (word, similarity).")
    if not isinstance(got, (list, tuple)):
        fail(f"{what} returned {type(got).__name__}; expected a list of k = {k} pairs (word, similarity).")
    got = list(got)
    if len(got) != k:
        fail(f"{what} returned {len(got)} pairs; expected k = {k}.")
    for item in got:
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            fail(f"{what} returned {fmt(got, max_chars=200)}; each entry must be a pair (word, similarity), "
                 f"not {fmt(item, max_chars=60)}.")
        word, sim = item
        if isinstance(word, (int, np.integer)):
            fail(f"{what} returned the row number {word} as a word: give vocab[i], the word itself.")
        if not isinstance(word, str):
            fail(f"{what} returned {fmt(word, max_chars=60)} as a word; expected a str from vocab.")
        if isinstance(sim, (bool, np.bool_)) or not isinstance(sim, (int, float, np.floating, np.integer)):
            fail(f"{what} returned {fmt(sim, max_chars=60)} as the similarity of {word!r}; expected a float.")
    return [(word, float(sim)) for word, sim in got]


def _judge(got, expected, E, vocab, q, exclude, k, what, mistakes, shown):
    """Fail unless `got` is a right answer (see the module docstring); name a known mistake when it is one."""
    got = _shape_of_answer(got, k, what)
    words, sims = _words(got), [s for _, s in got]
    unknown = [w for w in words if w not in vocab]
    problem = None
    if unknown:
        problem = f"{unknown[0]!r} is not a word of vocab."
    elif len(set(words)) != len(words):
        problem = "a word appears twice."
    elif any(w in exclude for w in words):
        problem = f"{next(w for w in words if w in exclude)!r} is a query word and must be left out."
    else:
        true = [_cos(E[vocab.index(w)], q) for w in words]
        if not np.allclose(true, [s for _, s in expected], rtol=1e-6, atol=1e-8):
            problem = "these are not the k words most similar to the query vector, best first."
        elif not np.allclose(sims, true, rtol=1e-6, atol=1e-8):
            i = int(np.argmax(np.abs(np.array(sims) - true)))
            problem = (f"the similarity given for {words[i]!r} is {sims[i]:.6g}, but its cosine similarity to the "
                       f"query vector is {true[i]:.6g}.")
    if problem is None:
        return
    diagnosis = ""
    for description, wrong in mistakes.items():
        if words == _words(wrong) and np.allclose(sims, [s for _, s in wrong], rtol=1e-6, atol=1e-8):
            diagnosis = f"\nLikely mistake: {description}"
            break
    fail(f"{what} is not right: {problem}\n{shown}"
         f"expected: {fmt([(w, round(s, 4)) for w, s in expected], max_chars=300)}\n"
         f"got:      {fmt([(w, round(s, 4)) for w, s in got], max_chars=300)}{diagnosis}")


def _similar_mistakes(E, vocab, word, k):
    q = E[vocab.index(word)]
    return {
        WITH_QUERY: _brute(E, vocab, q, set(), k),
        DOT: _brute(E, vocab, q, {word}, k, score=lambda x, y: float(x @ y)),
        ASCENDING: _brute(E, vocab, q, {word}, k, reverse=True),
    }


def _check_similar(ex, E, vocab, word, k, shown=""):
    what = f"most_similar(E, vocab, {word!r}, k={k})"
    got = call_unchanged(ex.most_similar, E, vocab, word, k, what="most_similar", names=["E", "vocab", "word", "k"])
    q = E[vocab.index(word)]
    expected = _brute(E, vocab, q, {word}, k)
    _judge(got, expected, E, vocab, q, {word}, k, what, _similar_mistakes(E, vocab, word, k), shown)


def _analogy_mistakes(E, vocab, a, b, c, k):
    exclude = {a, b, c}
    right = _analogy_query(E, vocab, a, b, c)
    return {
        "the query words are in the answer: leave out a, b and c (they are usually nearest to b − a + c).":
            _brute(E, vocab, right, set(), k),
        A_MINUS_B.format(a=a, b=b, c=c): _brute(E, vocab, _analogy_query(E, vocab, a, b, c, (1, -1, 1)), exclude, k),
        MINUS_C: _brute(E, vocab, _analogy_query(E, vocab, a, b, c, (-1, 1, -1)), exclude, k),
        B_PLUS_A: _brute(E, vocab, _analogy_query(E, vocab, a, b, c, (1, 1, 1)), exclude, k),
        DOT: _brute(E, vocab, right, exclude, k, score=lambda x, y: float(x @ y)),
        RAW_ANALOGY: _brute(E, vocab, _analogy_query(E, vocab, a, b, c, raw=True), exclude, k),
    }


def _check_analogy(ex, E, vocab, a, b, c, k, shown=""):
    what = f"analogy(E, vocab, {a!r}, {b!r}, {c!r}, k={k})"
    got = call_unchanged(ex.analogy, E, vocab, a, b, c, k, what="analogy", names=["E", "vocab", "a", "b", "c", "k"])
    q = _analogy_query(E, vocab, a, b, c)
    expected = _brute(E, vocab, q, {a, b, c}, k)
    _judge(got, expected, E, vocab, q, {a, b, c}, k, what, _analogy_mistakes(E, vocab, a, b, c, k), shown)


def _show_tiny():
    rows = "\n".join(f"    {w:9s} [" + ", ".join(f"{x:4.1f}" for x in r) + "]" for w, r in zip(TINY_VOCAB, TINY_E))
    return f"on the embeddings (axes: male, female, royal, fruit)\n{rows}\n"


def _random_world(seed, v, d):
    g = rng(seed)
    # Lengths from 0.2 to 5, so a dot product and a cosine disagree.
    E = g.normal(size=(v, d)) * g.uniform(0.2, 5.0, size=(v, 1))
    return E, [f"w{i:03d}" for i in range(v)]


def test_most_similar_tiny(ex):
    """most_similar on ten hand-made 4-d word vectors: king's nearest are prince and man"""
    for word, k in (("king", 2), ("apple", 1), ("girl", 4)):
        _check_similar(ex, TINY_E.copy(), list(TINY_VOCAB), word, k, _show_tiny())


def test_analogy_tiny(ex):
    """man : king :: woman : queen on the hand-made vectors"""
    for a, b, c, k in (("man", "king", "woman", 1), ("king", "man", "queen", 2), ("man", "boy", "woman", 3)):
        _check_analogy(ex, TINY_E.copy(), list(TINY_VOCAB), a, b, c, k, _show_tiny())


@pytest.mark.parametrize("v, d, k", [(30, 5, 3), (200, 16, 10), (57, 3, 1)])
def test_most_similar_equals_brute_force(ex, v, d, k):
    """most_similar against a brute-force cosine search, vectors of very different lengths"""
    E, vocab = _random_world(v * 10 + d, v, d)
    for word in (vocab[0], vocab[v // 2], vocab[-1]):
        _check_similar(ex, E, vocab, word, k)


@pytest.mark.parametrize("v, d, k", [(30, 5, 3), (200, 16, 10), (57, 3, 2)])
def test_analogy_equals_brute_force(ex, v, d, k):
    """analogy against a brute-force cosine search of b − a + c on the unit vectors"""
    E, vocab = _random_world(v * 10 + d + 1, v, d)
    for a, b, c in ((vocab[0], vocab[1], vocab[2]), (vocab[-1], vocab[v // 3], vocab[v // 2])):
        _check_analogy(ex, E, vocab, a, b, c, k)


def test_unknown_word_raises_keyerror(ex):
    """a word that is not in vocab raises KeyError"""
    for call, text in ((lambda: ex.most_similar(TINY_E.copy(), list(TINY_VOCAB), "banana", 2),
                        "most_similar(E, vocab, 'banana', 2)"),
                       (lambda: ex.analogy(TINY_E.copy(), list(TINY_VOCAB), "man", "banana", "woman", 2),
                        "analogy(E, vocab, 'man', 'banana', 'woman', 2)")):
        try:
            call()
        except KeyError:
            continue
        except NotImplementedError:
            raise
        except ValueError:
            fail(f"{text} raised ValueError: 'banana' is not in vocab, and the stub asks for a KeyError.\n"
                 "vocab.index raises ValueError: catch it and raise KeyError(word) instead.")
        except Exception as exc:  # noqa: BLE001 - any other error is the wrong contract
            fail(f"{text} raised {type(exc).__name__}: {exc}; expected KeyError ('banana' is not in vocab).")
        else:
            fail(f"{text} returned normally; expected a KeyError, since 'banana' is not in vocab.")


def test_inputs_unchanged(ex):
    """E and vocab are left unmodified"""
    E, vocab = _random_world(5, 20, 4)
    before = snapshot([E, vocab])
    ex.most_similar(E, vocab, vocab[3], 4)
    ex.analogy(E, vocab, vocab[0], vocab[1], vocab[2], 4)
    assert_true(np.array_equal(before[0], E), "most_similar or analogy changed E in place: normalise a copy "
                "(unit = E / norms makes a new array; E /= norms changes the caller's).")
    assert_true(before[1] == vocab, "most_similar or analogy changed vocab (a list) in place: leave it as it is.")


def test_shipped_embeddings(ex):
    """on the course's WordNet embeddings: dog's neighbours, and man : king :: woman : ?"""
    E, vocab = load_embeddings()
    shown = f"on the shipped embeddings: E of shape {E.shape}, vocab = {fmt(vocab[:6], max_chars=80)[:-1]}, ...]\n"
    _check_similar(ex, E, vocab, "dog", 10, shown)
    _check_analogy(ex, E, vocab, "man", "king", "woman", 5, shown)
