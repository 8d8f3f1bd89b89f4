"""Hidden checks for exercise 34 (retrieval).

Expected indices come from a brute force written differently from the
learner's vectorised code: for each query, a Python list of (distance, index)
pairs, each distance from math.dist, sorted — so ties go to the smaller index.
The seeded inputs are drawn so that no two distances to a query are close (the
nearest gaps are far above rounding), so any correct way of computing the
distances gives the same order.  A last check runs the search on real data:
PCA codes (numpy's SVD, computed here) of the shipped Fashion-MNIST test images
(shrunk to 14×14), where the five nearest codes mostly share the query's class.  Mistakes named:
farthest first, distances returned instead of indices, off-by-one slices, the
nearest one skipped, the wrong sorting axis, an unstable order for ties, a 1-D
query answered with a 2-D array, the L1 distance.
"""

import math

import numpy as np
import pytest

from checker.testing import assert_array, call_unchanged, fail, fmt, rng

FARTHEST = "the order is reversed, farthest first: sort the distances in increasing order, nearest first."
DISTANCES = "these are the sorted distances, not the indices: return the indices np.argsort(...)[..., :k]."
SKIPPED = (
    "the nearest code is missing ([1:k + 1] instead of [:k]): the query is NOT excluded here, "
    "keep the first k entries of the sorted order."
)
L1 = "this is the L1 (Manhattan) distance Σ|a − b|; use the Euclidean one, Σ(a − b)² (or its square root)."


def _brute_force(codes, query, k, metric=math.dist):
    """The k nearest rows of codes to each query row, nearest first, ties by index (a plain loop)."""
    rows = [tuple(map(float, row)) for row in codes]
    queries = [query] if query.ndim == 1 else list(query)
    result = []
    for q in queries:
        pairs = sorted((metric(row, tuple(map(float, q))), i) for i, row in enumerate(rows))
        result.append([i for _, i in pairs[:k]])
    out = np.array(result, dtype=np.int64)
    return out[0] if query.ndim == 1 else out


def _sorted_distances(codes, query, k):
    d = np.sqrt(np.sum((np.atleast_2d(query)[:, None, :] - codes[None, :, :]) ** 2, axis=-1))
    d = np.sort(d, axis=1)[:, :k]
    return d[0] if query.ndim == 1 else d


def _problem(seed, n, dim, q=None):
    g = rng(seed)
    codes = g.normal(size=(n, dim))
    query = g.normal(size=dim) if q is None else g.normal(size=(q, dim))
    return codes, query


def _search(ex, codes, query, k, what):
    """Call the learner's function (inputs guarded); check it returned integer indices of the right shape."""
    got = call_unchanged(ex.nearest_neighbours, codes, query, k, what="nearest_neighbours", names=["codes", "query", "k"])
    got = assert_array(got, what=what)
    q_shape = () if query.ndim == 1 else (len(query),)
    expected_shape = q_shape + (k,)
    if got.shape != expected_shape:
        likely = ""
        if got.shape == q_shape + (k + 1,):
            likely = "one index too many (off-by-one slice): [:k] keeps exactly k."
        elif got.shape == q_shape + (k - 1,):
            likely = "one index too few (off-by-one slice): [:k] keeps exactly k."
        elif query.ndim == 1 and got.shape == (1, k):
            likely = "a 1-D query must give a 1-D result of k indices: return result[0] when query.ndim == 1."
        elif query.ndim == 2 and len(query) == 1 and got.shape == (k,):
            likely = "a (1, K) query is a batch of one: keep its axis, (1, k). Only a 1-D query gives a 1-D result."
        elif query.ndim == 2 and got.shape == (k, len(codes)):
            likely = "the distances were sorted along the wrong axis (axis=0): sort each query's row, axis=1."
        elif got.shape == q_shape + (len(codes),):
            likely = "all N indices came back: keep only the first k of the sorted order."
        fail(
            f"{what} returned an array of shape {got.shape}, expected {expected_shape} "
            f"(codes has shape {codes.shape}, query has shape {query.shape}, k = {k})."
            + (f"\nLikely mistake: {likely}" if likely else "")
        )
    if got.dtype.kind not in "iu":
        if np.allclose(got, _sorted_distances(codes, query, k)) or np.allclose(got, _sorted_distances(codes, query, k) ** 2):
            fail(f"{what} returned the floats {fmt(got)}.\nLikely mistake: {DISTANCES}")
        fail(
            f"{what} returned an array of dtype {got.dtype}, expected integer indices "
            "(np.argsort returns them; an index array of floats cannot index codes)."
        )
    return got


def _show(arrays):
    """One aligned `name = value` line per array, as the toolkit's messages show them."""
    return "\n".join(f"  {name} = " + fmt(v).replace("\n", "\n" + " " * (len(name) + 5)) for name, v in arrays.items())


def assert_indices(got, expected, *, what, inputs=None, mistakes=None, hint=""):
    """Fail unless the index arrays are equal, showing them as integers and naming a known mistake."""
    expected = np.asarray(expected, dtype=np.int64)
    if np.array_equal(got, expected):
        return
    lines = [f"{what} is not right."]
    if inputs:
        lines.append(f"on the input\n{_show(inputs)}")
    lines.append(f"expected: {fmt(expected)}")
    lines.append(f"got:      {fmt(np.asarray(got, dtype=np.int64))}")
    first = np.argwhere(np.asarray(got) != expected)[0]
    place = int(first[0]) if len(first) == 1 else tuple(int(i) for i in first)
    lines.append(f"first difference at position {place}: expected index {expected[tuple(first)]}, got {got[tuple(first)]}")
    for text, wrong in (mistakes or {}).items():
        if np.array_equal(got, np.asarray(wrong)):
            lines.append(f"Likely mistake: {text}")
            break
    if hint:
        lines.append(hint)
    fail("\n".join(lines))


def _mistakes(codes, query, k):
    n = len(codes)
    full = _brute_force(codes, query, n)
    mistakes = {
        FARTHEST: full[..., ::-1][..., :k],
        L1: _brute_force(codes, query, k, metric=lambda a, b: sum(abs(x - y) for x, y in zip(a, b))),
    }
    if k < n:
        mistakes[SKIPPED] = full[..., 1 : k + 1]
    return mistakes


def _compare(got, codes, query, k, what, show=False):
    assert_indices(
        got,
        _brute_force(codes, query, k),
        what=what,
        inputs={"codes": codes, "query": query} if show else None,
        mistakes=_mistakes(codes, query, k),
        hint="Indices, nearest first: result[0] is the row of codes closest to the query.",
    )


def test_tiny_example(ex):
    """five 2-D codes, one query, k = 3: check it by hand"""
    codes = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0], [-2.0, 0.0], [0.0, 6.0]])
    query = np.array([0.5, 0.0])
    # distances: 0.5, 5.0, 1.118, 2.5, 6.02  →  rows 0, 2, 3 nearest first
    got = _search(ex, codes, query, 3, "nearest_neighbours(codes, query, k=3)")
    _compare(got, codes, query, 3, "nearest_neighbours(codes, query, k=3)", show=True)


@pytest.mark.parametrize("n, dim, k", [(20, 3, 4), (7, 1, 2), (50, 8, 5), (12, 4, 1), (9, 6, 9)])
def test_one_query_equals_brute_force(ex, n, dim, k):
    """one query code: the k nearest rows, nearest first, for several N, K and k (k = 1 and k = N too)"""
    codes, query = _problem(n * 100 + dim * 10 + k, n, dim)
    what = f"nearest_neighbours(codes, query, k={k}) with codes of shape {codes.shape}"
    got = _search(ex, codes, query, k, what)
    _compare(got, codes, query, k, what, show=n <= 7)


@pytest.mark.parametrize("n, dim, q, k", [(30, 4, 5, 3), (8, 2, 3, 8), (40, 10, 7, 1), (15, 3, 1, 6)])
def test_many_queries_equal_brute_force(ex, n, dim, q, k):
    """a (Q, K) batch of queries gives one row of k indices per query"""
    codes, query = _problem(7 + n * 100 + dim * 10 + k, n, dim, q)
    what = f"nearest_neighbours(codes, query, k={k}) with codes of shape {codes.shape} and query of shape {query.shape}"
    got = _search(ex, codes, query, k, what)
    _compare(got, codes, query, k, what)


def test_ties_go_to_the_smaller_index(ex):
    """codes at the same distance come in increasing index order"""
    codes = np.array([[2.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, -1.0], [3.0, 3.0]])
    query = np.zeros(2)
    # rows 1, 2, 3 and 4 are all at distance 1; row 0 at 2; row 5 farthest.
    got = _search(ex, codes, query, 5, "nearest_neighbours(codes, query, k=5)")
    assert_indices(
        got,
        [1, 2, 3, 4, 0],
        what="nearest_neighbours(codes, query, k=5)",
        inputs={"codes": codes, "query": query},
        mistakes={FARTHEST: [5, 0, 1, 2, 3]},
        hint=(
            "Rows 1, 2, 3 and 4 tie at distance 1: ties come in increasing index order. Use a stable sort, "
            "np.argsort(d, kind=\"stable\") (np.argpartition and the default sort may reorder ties)."
        ),
    )


def test_the_query_itself_comes_first(ex):
    """a query that is a row of codes finds itself first (it is not excluded)"""
    codes, _ = _problem(5, 10, 3)
    query = codes[6].copy()
    got = _search(ex, codes, query, 3, "nearest_neighbours(codes, codes[6], k=3)")
    expected = _brute_force(codes, query, 3)
    assert_indices(
        got,
        expected,
        what="nearest_neighbours(codes, codes[6], k=3)",
        mistakes={
            "row 6 itself (distance 0) was excluded: here the query is NOT excluded, it comes first.": _brute_force(
                codes, query, 4
            )[1:],
            FARTHEST: _brute_force(codes, query, 10)[::-1][:3],
        },
    )


PRECISION_THRESHOLD = 0.65  # the reference gets 0.684 (684 of the 1000 neighbours share the query's class)


def fashion_codes():
    """32-dim PCA codes of 1000 stored and 200 query Fashion-MNIST test images, and their labels.

    The images are shrunk to 14×14 by averaging 2×2 blocks, so the SVD (1000×196)
    takes milliseconds even on a busy machine.
    """
    from checker.datasets import load_fashion_mnist

    _, (images, labels) = load_fashion_mnist()
    x = images[..., 0].astype(np.float64).reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)).reshape(len(images), -1)
    stored, queries = x[:1000], x[1000:1200]  # 1000 stored images, 200 other ones as queries
    mean = stored.mean(axis=0)
    _, _, vt = np.linalg.svd(stored - mean, full_matrices=False)
    return (stored - mean) @ vt[:32].T, (queries - mean) @ vt[:32].T, labels[:1000], labels[1000:1200]


def test_precision_at_5_on_fashion_mnist_pca_codes(ex):
    """on 32-dim PCA codes of Fashion-MNIST images, the 5 nearest mostly share the query's class"""
    codes, query, stored_labels, query_labels = fashion_codes()
    what = "nearest_neighbours(codes, query, k=5) with codes (1000, 32) and query (200, 32) of PCA codes"
    got = _search(ex, codes, query, 5, what)
    if got.min() < 0 or got.max() >= len(codes):
        fail(f"{what} returned indices from {got.min()} to {got.max()}; indices into codes lie in 0 … 999.")
    precision = float(np.mean(stored_labels[got] == query_labels[:, None]))
    if precision < PRECISION_THRESHOLD:
        farthest = float(np.mean(stored_labels[_farthest(codes, query, 5)] == query_labels[:, None]))
        likely = f"\nLikely mistake: {FARTHEST}" if abs(precision - farthest) < 1e-9 else ""
        fail(
            f"{what}: only {precision:.3f} of the neighbours share their query's class; a correct search finds "
            f"0.684 (at least {PRECISION_THRESHOLD} is needed; chance is about 0.1).{likely}"
        )


def _farthest(codes, query, k):
    d = np.sum((query[:, None, :] - codes[None, :, :]) ** 2, axis=-1)
    return np.argsort(-d, axis=1, kind="stable")[:, :k]
