"""Hidden checks for exercise 06 (minibatches).

The rows of X and y are distinct random numbers, so each row of a batch can be
traced back to its index: the checks rebuild the order the learner used and
test its properties (every row once, batch sizes, X and y paired, shuffled only
with an rng, order drawn from the rng) rather than one particular permutation.
"""

import itertools
import math

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, fail, fmt, rng, snapshot, type_name, is_generator

FN = "iterate_minibatches"


def _data(seed, n, x_shape=(3,), k=None):
    """Random X (n, *x_shape) and y (n,) or (n, k), every row distinct."""
    g = rng(seed)
    X = g.normal(size=(n, *x_shape))
    y = g.normal(size=n if k is None else (n, k))
    return X, y


def _call(ex, X, y, batch_size, g=None):
    if g is None:
        return ex.iterate_minibatches(X, y, batch_size)
    return ex.iterate_minibatches(X, y, batch_size, rng=g)


def _epoch(ex, X, y, batch_size, g=None):
    """One call, consumed to its end: the list of (X_batch, y_batch); X and y guarded."""
    what = f"{FN}(X, y, batch_size={batch_size}{', rng' if g is not None else ''})"
    before = snapshot([X, y])
    result = _call(ex, X, y, batch_size, g)
    if result is None:
        fail(f"{what} returned None.\nWrite it as a generator: `yield X_batch, y_batch` inside the loop over batches.")
    try:
        iterator = iter(result)
    except TypeError:
        fail(f"{what} returned {type_name(result)}, which cannot be looped over. Use `yield X_batch, y_batch`.")
    expected_count = math.ceil(X.shape[0] / batch_size)
    items = list(itertools.islice(iterator, expected_count + 3))
    if len(items) > expected_count:
        fail(
            f"{what} with N={X.shape[0]} rows yielded more than {expected_count} batches.\n"
            "One call is one epoch: stop once every row has been used (is the loop endless, "
            "or does it start over?)."
        )
    batches = []
    for i, item in enumerate(items):
        if not isinstance(item, tuple) or len(item) != 2:
            fail(f"{what}: item {i} is {fmt(item, max_chars=120)}; each item must be a pair (X_batch, y_batch).")
        xb = assert_array(item[0], what=f"{what}: X_batch of batch {i}")
        yb = assert_array(item[1], what=f"{what}: y_batch of batch {i}")
        batches.append((xb, yb))
    for name, old, new in (("X", before[0], X), ("y", before[1], y)):
        if not np.array_equal(old, new):
            shuffled = _row_set(old) == _row_set(new)
            fail(
                f"{what} changed its input `{name}` in place"
                + (" (its rows were shuffled)" if shuffled else "")
                + ".\nLikely mistake: rng.shuffle(X) or np.random.shuffle shuffles the data itself. "
                "Shuffle an array of row indices instead (order = rng.permutation(N)) and index with it."
            )
    return batches


def _row_set(a):
    """The rows of `a` as a sorted list of bytes (equal for two orders of the same rows)."""
    return sorted(r.tobytes() for r in np.ascontiguousarray(a).reshape(len(a), -1))


def _rows(batch, data, name, what, i):
    """The row index in `data` of every row of `batch` (rows of `data` are distinct)."""
    lookup = {np.ascontiguousarray(row).tobytes(): r for r, row in enumerate(data)}
    if batch.shape[1:] != data.shape[1:]:
        fail(
            f"{what}: {name}_batch of batch {i} has shape {batch.shape}, expected {(len(batch), *data.shape[1:])}.\n"
            f"Take whole rows of {name} with the same indices: {name}[idx]."
        )
    out = []
    for row in batch:
        r = lookup.get(np.ascontiguousarray(row, dtype=data.dtype).tobytes())
        if r is None:
            fail(f"{what}: batch {i} holds a row that is not a row of {name}: {fmt(row)}.\nYield rows of {name} unchanged: {name}[idx].")
        out.append(r)
    return out


def _order(ex, X, y, batch_size, g=None, what=None):
    """The row indices in the order they were yielded; batch sizes and pairs checked."""
    what = what or f"{FN}(X, y, batch_size={batch_size}{', rng' if g is not None else ''})"
    batches = _epoch(ex, X, y, batch_size, g)
    for i, (xb, yb) in enumerate(batches):
        if len(xb) != len(yb):
            fail(f"{what}: batch {i} has {len(xb)} rows of X but {len(yb)} rows of y; they must match.")
    _check_sizes([len(xb) for xb, _ in batches], X.shape[0], batch_size, what)
    order = []
    for i, (xb, yb) in enumerate(batches):
        rx, ry = _rows(xb, X, "X", what, i), _rows(yb, y, "y", what, i)
        if rx != ry:
            fail(
                f"{what}: in batch {i} the rows of X and y are no longer paired "
                f"(X rows {rx}, y rows {ry}).\n"
                "Likely mistake: X and y were shuffled with different permutations (or only one of them). "
                "Draw one index array and use it for both: X[idx], y[idx]."
            )
        order.extend(rx)
    return order


def _check_sizes(sizes, n, batch_size, what):
    full, rest = divmod(n, batch_size)
    expected = [batch_size] * full + ([rest] if rest else [])
    if sizes == expected:
        return
    if rest and sizes == [batch_size] * full:
        mistake = f"the last, shorter batch of {rest} row(s) was dropped. Keep it: every row is used once per epoch."
    elif rest and sizes == [batch_size] * (full + 1):
        mistake = "the last batch was padded (or filled with rows from the start) to full size. It should be shorter."
    elif sorted(sizes) == sorted(expected):
        mistake = "the short batch must come last. Did you shuffle the batch start positions instead of the rows?"
    elif sum(sizes) == n - batch_size or len(sizes) == len(expected) - 1:
        mistake = "a batch is missing: is the loop's range off by one (range(0, N - batch_size, ...))?"
    else:
        mistake = "check how you cut the rows into batches of batch_size."
    fail(
        f"{what} yielded batches of sizes {sizes} for N={n} rows, expected {expected}.\n"
        f"Likely mistake: {mistake}"
    )


def _check_every_row_once(order, n, what):
    counts = np.bincount(order, minlength=n)
    if np.all(counts == 1):
        return
    missing = np.flatnonzero(counts == 0).tolist()
    repeated = np.flatnonzero(counts > 1).tolist()
    fail(
        f"{what} did not use every row exactly once: rows {missing} never appeared, rows {repeated} appeared "
        "more than once.\nLikely mistake: indices drawn with replacement (rng.integers, rng.choice without "
        "replace=False). Draw one permutation of all N rows per epoch and cut it into batches."
    )


# --------------------------------------------------------------------------- without rng


def test_tiny_example_in_order(ex):
    """Without rng: 5 rows in batches of 2 come as rows 0-1, 2-3, then the short batch 4"""
    X = np.array([[0.0, 0.5], [1.0, 1.5], [2.0, 2.5], [3.0, 3.5], [4.0, 4.5]])
    y = np.array([10.0, 11.0, 12.0, 13.0, 14.0])
    what = f"{FN}(X, y, batch_size=2)"
    batches = _epoch(ex, X, y, 2)
    _check_sizes([len(xb) for xb, _ in batches], 5, 2, what)
    for i, (xb, yb) in enumerate(batches):
        idx = slice(2 * i, 2 * i + 2)
        inputs = {"X": X, "y": y} if i == 0 else None
        assert_close(xb, X[idx], what=f"{what}: X_batch of batch {i}", inputs=inputs, rtol=0, atol=0,
                     hint="Without rng, keep the original order of the rows.")
        assert_close(yb, y[idx], what=f"{what}: y_batch of batch {i}", rtol=0, atol=0)


def test_is_a_generator(ex):
    """iterate_minibatches is a generator (it uses yield)"""
    X, y = _data(1, 6)
    result = ex.iterate_minibatches(X, y, 4)
    if isinstance(result, (list, tuple)):
        fail(
            f"{FN} returned a {type_name(result)} of all the batches; it should be a generator.\n"
            "Likely mistake: building the batches in a list and returning it. Use `yield X_batch, y_batch` "
            "inside the loop instead: a generator makes each batch only when it is needed."
        )
    if not is_generator(result):
        fail(f"{FN} returned {type_name(result)}; it should be a generator. Write it with `yield X_batch, y_batch`.")


@pytest.mark.parametrize(
    "n, batch_size, x_shape, k",
    [(10, 3, (4,), None), (12, 4, (2,), 3), (7, 10, (3,), None), (5, 1, (2,), None), (6, 6, (2, 3), 2), (9, 2, (1,), 1)],
    ids=["N10-B3", "N12-B4-y2d", "N7-B10", "N5-B1", "N6-B6-X3d", "N9-B2-y(N,1)"],
)
def test_every_row_once_in_order(ex, n, batch_size, x_shape, k):
    """Without rng: every row once, in the original order, the last batch shorter"""
    X, y = _data(n * 100 + batch_size, n, x_shape, k)
    what = f"{FN}(X, y, batch_size={batch_size}) with X of shape {X.shape}, y of shape {y.shape}"
    order = _order(ex, X, y, batch_size, what=what)
    _check_every_row_once(order, n, what)
    if order != list(range(n)):
        fail(f"{what} yielded the rows in the order {order}.\nWithout rng, keep the original order 0, 1, ..., {n - 1}: shuffle only when an rng is given.")


# --------------------------------------------------------------------------- with rng


@pytest.mark.parametrize("n, batch_size, k", [(23, 5, None), (16, 4, 2)], ids=["N23-B5", "N16-B4-y2d"])
def test_rng_shuffles_every_row_once(ex, n, batch_size, k):
    """With rng: a shuffled order, every row once, X and y still paired"""
    X, y = _data(7 + n, n, (3,), k)
    what = f"{FN}(X, y, batch_size={batch_size}, rng)"
    order = _order(ex, X, y, batch_size, rng(42), what=what)
    _check_every_row_once(order, n, what)
    if order == list(range(n)):
        fail(f"{what} yielded the rows in their original order.\nLikely mistake: the rng is ignored. When an rng is given, shuffle the row order: order = rng.permutation(N).")
    cuts = [order[s : s + batch_size] for s in range(0, n, batch_size)]
    if all(c == list(range(c[0], c[0] + len(c))) for c in cuts):
        fail(
            f"{what}: each batch holds consecutive rows ({cuts[0]}, {cuts[1]}, ...); only the order of the batches changed.\n"
            "Likely mistake: the batch start positions were shuffled, not the rows. Shuffle all N row indices, then cut batches from them."
        )


def test_same_seed_same_order(ex):
    """With rng: the order comes from the rng (same seed, same order; another seed, another order)"""
    X, y = _data(3, 20)
    what = f"{FN}(X, y, batch_size=6, rng)"
    first = _order(ex, X, y, 6, rng(123))
    again = _order(ex, X, y, 6, rng(123))
    if first != again:
        fail(
            f"{what}: two generators seeded with 123 gave different orders:\n  {first}\n  {again}\n"
            "Likely mistake: the shuffle uses numpy's global random state (np.random.permutation, np.random.shuffle) "
            "instead of the rng argument. Use rng.permutation(N)."
        )
    other = _order(ex, X, y, 6, rng(124))
    if other == first:
        fail(
            f"{what}: generators seeded with 123 and with 124 gave the same order {first}.\n"
            "Likely mistake: the order does not depend on the rng you are given (a generator with a fixed seed "
            "made inside the function?). Draw the permutation from the rng argument."
        )


def test_next_epoch_new_order(ex):
    """With rng: calling it again with the same rng gives the next epoch a new order"""
    X, y = _data(4, 20)
    g = rng(5)
    first = _order(ex, X, y, 5, g)
    second = _order(ex, X, y, 5, g)
    if first == second:
        fail(
            f"{FN}(X, y, batch_size=5, rng) called twice with the same rng gave the same order twice: {first}.\n"
            "Each epoch should be shuffled anew. Likely mistake: re-seeding, or building a new generator "
            "(np.random.default_rng(seed)) inside the function. Draw from the rng you are given; it moves on by itself."
        )


def test_inputs_unchanged(ex):
    """X and y are left unchanged, with and without rng"""
    X, y = _data(11, 9, (2,), 2)
    _epoch(ex, X, y, 4)
    _epoch(ex, X, y, 4, rng(0))
