"""Exercise 37 (embeddings): the reference solution against TensorFlow's l2_normalize and top_k,
sensible answers on the shipped embeddings, and typical mistakes caught with the message that
names them."""

import numpy as np
import pytest
import tensorflow as tf

from checker.datasets import load_embeddings
from tests.helpers import mutate, run_source, solution

sol = solution("embeddings")
QUERY = "q = unit[ib] - unit[ia] + unit[ic]"


def _tf_top(E, q, exclude, k):
    """Cosine similarities by tf.math.l2_normalize, the best k + len(exclude) by tf.math.top_k, minus the excluded."""
    unit = tf.math.l2_normalize(tf.constant(E), axis=1)
    sims = tf.linalg.matvec(unit, tf.math.l2_normalize(tf.constant(q)))
    values, indices = tf.math.top_k(sims, k=k + len(exclude))
    kept = [(int(i), float(v)) for i, v in zip(indices.numpy(), values.numpy()) if int(i) not in exclude]
    return kept[:k]


def _world(seed, v, d):
    g = np.random.default_rng(seed)
    return g.normal(size=(v, d)) * g.uniform(0.2, 5.0, size=(v, 1)), [f"w{i}" for i in range(v)]


@pytest.mark.parametrize("v, d, k", [(40, 6, 5), (300, 32, 10), (12, 2, 3)])
def test_most_similar_equals_tensorflow(v, d, k):
    E, vocab = _world(v + d, v, d)
    for row in (0, v // 2, v - 1):
        expected = _tf_top(E, E[row], {row}, k)
        got = sol.most_similar(E, vocab, vocab[row], k)
        assert [w for w, _ in got] == [vocab[i] for i, _ in expected]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], rtol=1e-10)


@pytest.mark.parametrize("v, d, k", [(40, 6, 5), (300, 32, 10), (12, 3, 3)])
def test_analogy_equals_tensorflow(v, d, k):
    E, vocab = _world(v * d, v, d)
    unit = E / np.linalg.norm(E, axis=1, keepdims=True)
    for a, b, c in ((0, 1, 2), (v - 1, v // 2, v // 3)):
        expected = _tf_top(E, unit[b] - unit[a] + unit[c], {a, b, c}, k)
        got = sol.analogy(E, vocab, vocab[a], vocab[b], vocab[c], k)
        assert [w for w, _ in got] == [vocab[i] for i, _ in expected]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], rtol=1e-10)


def test_shipped_embeddings_make_sense():
    E, vocab = load_embeddings()
    animals = {"cat", "cow", "horse", "wolf", "fox", "puppy", "dogs", "hound", "terrier", "rabbit", "pig", "sheep"}
    neighbours = [w for w, _ in sol.most_similar(E, vocab, "dog", 10)]
    assert animals & set(neighbours), neighbours
    assert sol.analogy(E, vocab, "man", "king", "woman", 1)[0][0] == "queen"
    assert sol.analogy(E, vocab, "man", "boy", "woman", 1)[0][0] == "girl"


def test_unknown_word_raises_keyerror():
    E, vocab = _world(1, 5, 2)
    with pytest.raises(KeyError):
        sol.most_similar(E, vocab, "nope", 2)
    with pytest.raises(KeyError):
        sol.analogy(E, vocab, "w0", "nope", "w1", 2)


def test_another_correct_implementation_passes(tmp_path):
    """Per-row cosines in Python, sorted(); a dict for the rows: a different road to the same answers."""
    verdict = run_source("embeddings", '''
        import math

        def _cos(x, y):
            return float(sum(a * b for a, b in zip(x, y)) / math.sqrt(sum(a * a for a in x) * sum(b * b for b in y)))

        def _best(E, vocab, q, skip, k):
            scored = sorted(((_cos(E[i], q), -i) for i in range(len(vocab)) if vocab[i] not in skip), reverse=True)
            return [(vocab[-j], s) for s, j in scored[:k]]

        def _row(vocab, word):
            rows = {w: i for i, w in enumerate(vocab)}
            return rows[word]  # KeyError for an unknown word

        def most_similar(E, vocab, word, k):
            return _best(E, vocab, E[_row(vocab, word)], {word}, k)

        def analogy(E, vocab, a, b, c, k):
            ua, ub, uc = (E[_row(vocab, w)] / math.sqrt(float(E[_row(vocab, w)] @ E[_row(vocab, w)])) for w in (a, b, c))
            return _best(E, vocab, ub - ua + uc, {a, b, c}, k)
    ''', tmp_path)
    assert verdict.status == "passed", verdict.message


def test_dot_product_instead_of_cosine_is_named(tmp_path):
    verdict = mutate("embeddings", tmp_path, "    unit = E / np.linalg.norm(E, axis=1, keepdims=True)\n    return _ranked",
                     "    unit = E\n    return _ranked")
    assert verdict.status == "failed"
    assert "not normalised" in verdict.message and "dot product" in verdict.message


def test_query_word_in_the_answer_is_named(tmp_path):
    verdict = mutate("embeddings", tmp_path, "return _ranked(unit, unit[row], vocab, {row}, k)",
                     "return _ranked(unit, unit[row], vocab, set(), k)")
    assert verdict.status == "failed"
    assert "query word is in the answer" in verdict.message


def test_analogy_keeping_the_query_words_is_named(tmp_path):
    verdict = mutate("embeddings", tmp_path, "vocab, {ia, ib, ic}, k)", "vocab, set(), k)")
    assert verdict.status == "failed"
    assert "leave out a, b and c" in verdict.message


def test_a_minus_b_plus_c_is_named(tmp_path):
    verdict = mutate("embeddings", tmp_path, QUERY, "q = unit[ia] - unit[ib] + unit[ic]")
    assert verdict.status == "failed"
    assert "signs swapped" in verdict.message


def test_b_minus_a_minus_c_is_named(tmp_path):
    verdict = mutate("embeddings", tmp_path, QUERY, "q = unit[ib] - unit[ia] - unit[ic]")
    assert verdict.status == "failed"
    assert "c is subtracted" in verdict.message


def test_raw_rows_in_the_analogy_are_named(tmp_path):
    verdict = mutate("embeddings", tmp_path, QUERY, "q = E[ib] - E[ia] + E[ic]")
    assert verdict.status == "failed"
    assert "raw rows of E" in verdict.message


def test_ascending_order_is_named(tmp_path):
    verdict = mutate("embeddings", tmp_path, "np.argsort(-sims, kind=\"stable\")", "np.argsort(sims, kind=\"stable\")")
    assert verdict.status == "failed"
    assert "order is reversed" in verdict.message
