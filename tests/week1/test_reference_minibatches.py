"""Exercise 06 (minibatches): the reference solution against independent references,
and typical mistakes caught with the message that names them."""

import inspect

import numpy as np
import pytest

from tests.helpers import mutate, solution

sol = solution("minibatches")


@pytest.mark.parametrize("n, batch_size", [(10, 3), (12, 4), (7, 10), (1, 1), (50, 7)])
def test_in_order_batches_rebuild_the_data(n, batch_size):
    """Without rng the batches, stacked, are X and y; sizes are B, B, ..., N mod B."""
    g = np.random.default_rng(n)
    X, y = g.normal(size=(n, 3)), g.normal(size=(n, 2))
    batches = list(sol.iterate_minibatches(X, y, batch_size))
    sizes = [len(xb) for xb, _ in batches]
    assert sizes == [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    np.testing.assert_array_equal(np.concatenate([xb for xb, _ in batches]), X)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in batches]), y)


def test_is_a_generator_and_shuffles_with_rng():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    assert inspect.isgenerator(sol.iterate_minibatches(X, y, 3, rng=np.random.default_rng(0)))
    batches = list(sol.iterate_minibatches(X, y, 3, rng=np.random.default_rng(0)))
    order = np.concatenate([yb for _, yb in batches]).astype(int)
    assert sorted(order) == list(range(10)) and list(order) != list(range(10))
    # X and y stay paired: row i of X is [2i, 2i + 1].
    np.testing.assert_array_equal(np.concatenate([xb for xb, _ in batches])[:, 0], 2 * order)


@pytest.mark.parametrize(
    "old, new, phrase",
    [
        ("range(0, n, batch_size)", "range(0, n - batch_size + 1, batch_size)", "was dropped"),
        ("idx = order[start : start + batch_size]", "idx = np.resize(order[start : start + batch_size], batch_size)", "padded"),
        ("yield X[idx], y[idx]", "yield X[idx], y[np.sort(idx)]", "different permutations"),
        ("rng.permutation(n)", "np.arange(n)", "the rng is ignored"),
        ("rng.permutation(n)", "np.random.permutation(n)", "global random state"),
        ("rng.permutation(n)", "np.random.default_rng(0).permutation(n)", "does not depend on the rng"),
        ("rng.permutation(n)", "rng.integers(0, n, n)", "with replacement"),
        (
            "order = np.arange(n) if rng is None else rng.permutation(n)",
            "order = np.arange(n)\n    if rng is not None:\n        rng.shuffle(X)",
            "shuffles the data itself",
        ),
        (
            "    for start in range(0, n, batch_size):\n        idx = order[start : start + batch_size]\n        yield X[idx], y[idx]",
            "    return [(X[order[s : s + batch_size]], y[order[s : s + batch_size]]) for s in range(0, n, batch_size)]",
            "returned a list",
        ),
    ],
    ids=["drop-last", "pad-last", "two-permutations", "ignores-rng", "global-rng", "fixed-seed", "with-replacement", "shuffle-in-place", "list"],
)
def test_mutant_is_named(tmp_path, old, new, phrase):
    verdict = mutate("minibatches", tmp_path, old, new)
    assert verdict.status == "failed"
    assert phrase in verdict.message
