"""Exercise 34 (retrieval): the reference solution against independent
references (numpy's norm with a lexicographic sort, a Python loop), the
precision@5 the check's threshold was measured from, another correct
formulation through the engine, and typical mistakes caught with the message
that names them."""

import numpy as np
import pytest

from checker.datasets import load_fashion_mnist
from tests.helpers import load_check, mutate, run_source, solution

sol = solution("retrieval")
ARGSORT = 'np.argsort(distances, axis=1, kind="stable")[:, :k]'


def _lexsorted(codes, query, k):
    """Nearest first, ties by index: np.lexsort on (index, Euclidean norm) for each query."""
    queries = np.atleast_2d(query)
    out = []
    for q in queries:
        d = np.linalg.norm(codes - q, axis=1)
        out.append(np.lexsort((np.arange(len(codes)), d))[:k])
    out = np.array(out)
    return out[0] if query.ndim == 1 else out


@pytest.mark.parametrize("seed", range(6))
def test_equals_norm_and_lexsort(seed):
    g = np.random.default_rng(seed)
    n, dim, q = g.integers(1, 40), g.integers(1, 6), g.integers(1, 5)
    codes = g.normal(size=(n, dim))
    k = int(g.integers(1, n + 1))
    for query in (g.normal(size=dim), g.normal(size=(q, dim))):
        np.testing.assert_array_equal(sol.nearest_neighbours(codes, query, k), _lexsorted(codes, query, k))


def test_ties_on_a_grid_go_to_the_smaller_index():
    codes = np.array([[x, y] for x in range(-2, 3) for y in range(-2, 3)], dtype=float)  # many equal distances
    for query in (np.zeros(2), np.array([0.5, 0.0]), np.array([[1.0, 1.0], [-2.0, 2.0]])):
        np.testing.assert_array_equal(sol.nearest_neighbours(codes, query, 25), _lexsorted(codes, query, 25))


def test_check_brute_force_agrees_with_lexsort():
    """The check's own oracle (a loop of math.dist) against numpy's, on the check's inputs."""
    check = load_check("retrieval")
    for seed, (n, dim, q) in enumerate([(30, 4, 5), (8, 2, 3), (40, 10, 7)]):
        codes, query = check._problem(seed, n, dim, q)
        np.testing.assert_array_equal(check._brute_force(codes, query, n), _lexsorted(codes, query, n))


def test_check_inputs_have_no_near_ties():
    """Every seeded input of the value checks has its sorted distances at least 1e-9 apart (rounding is ~1e-15), so any correct
    way of computing the distances (squared, expanded, float rounding) gives the brute force's order."""
    check = load_check("retrieval")
    cases = [(n * 100 + d * 10 + k, n, d, None) for n, d, k in [(20, 3, 4), (7, 1, 2), (50, 8, 5), (12, 4, 1), (9, 6, 9)]]
    cases += [(7 + n * 100 + d * 10 + k, n, d, q) for n, d, q, k in [(30, 4, 5, 3), (8, 2, 3, 8), (40, 10, 7, 1), (15, 3, 1, 6)]]
    for seed, n, dim, q in cases:
        codes, query = check._problem(seed, n, dim, q)
        d = np.sort(np.linalg.norm(np.atleast_2d(query)[:, None, :] - codes[None], axis=-1), axis=1)
        assert np.min(np.diff(d, axis=1)) > 1e-9


def test_precision_at_5_measured_for_the_threshold():
    """0.684 with the reference: the check's threshold 0.65 leaves room only for rounding-level differences.
    The PCA here comes from the covariance's eigenvectors, not the check's SVD (same images: 14×14, 2×2 means)."""
    _, (images, labels) = load_fashion_mnist()
    x = images[..., 0].astype(np.float64).reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)).reshape(len(images), -1)
    stored, queries = x[:1000], x[1000:1200]
    mean = stored.mean(axis=0)
    _, vectors = np.linalg.eigh(np.cov(stored, rowvar=False))
    top = vectors[:, ::-1][:, :32]
    found = sol.nearest_neighbours((stored - mean) @ top, (queries - mean) @ top, 5)
    precision = np.mean(labels[:1000][found] == labels[1000:1200, None])
    assert precision == pytest.approx(0.684, abs=1e-9)
    assert load_check("retrieval").PRECISION_THRESHOLD < precision
    # Every query's six nearest distances are well apart, so no correct search orders them differently.
    codes, query = (stored - mean) @ top, (queries - mean) @ top
    d = np.sort(np.sum((codes[None] - query[:, None]) ** 2, axis=-1), axis=1)[:, :6]
    assert np.min(np.diff(d, axis=1) / d[:, -1:]) > 1e-5  # measured 4.1e-5; rounding is ~1e-15


def test_expanded_distances_written_another_way_pass(tmp_path):
    """‖a‖² − 2a·b + ‖b‖² with np.sqrt and a lexsort, a loop over queries: also correct."""
    verdict = run_source(
        "retrieval",
        """
        import numpy as np

        def nearest_neighbours(codes, query, k):
            q = np.atleast_2d(query)
            sq = (q**2).sum(1)[:, None] - 2 * q @ codes.T + (codes**2).sum(1)[None, :]
            dist = np.sqrt(np.maximum(sq, 0))
            rows = [np.lexsort((np.arange(codes.shape[0]), d))[:k] for d in dist]
            result = np.stack(rows)
            return result[0] if np.ndim(query) == 1 else result
        """,
        tmp_path,
    )
    assert verdict.status == "passed", verdict.message


def test_farthest_first_is_named(tmp_path):
    verdict = mutate("retrieval", tmp_path, ARGSORT, 'np.argsort(-distances, axis=1, kind="stable")[:, :k]')
    assert verdict.status == "failed"
    assert "farthest first" in verdict.message


def test_distances_instead_of_indices_are_named(tmp_path):
    verdict = mutate("retrieval", tmp_path, ARGSORT, "np.sort(distances, axis=1)[:, :k]")
    assert verdict.status == "failed"
    assert "sorted distances, not the indices" in verdict.message


def test_square_root_or_not_does_not_matter(tmp_path):
    verdict = mutate("retrieval", tmp_path, "np.argsort(distances,", "np.argsort(np.sqrt(distances),")
    assert verdict.status == "passed", verdict.message


def test_off_by_one_slice_is_named(tmp_path):
    verdict = mutate("retrieval", tmp_path, ARGSORT, 'np.argsort(distances, axis=1, kind="stable")[:, :k + 1]')
    assert verdict.status == "failed"
    assert "one index too many (off-by-one slice)" in verdict.message


def test_skipping_the_nearest_is_named(tmp_path):
    verdict = mutate("retrieval", tmp_path, ARGSORT, 'np.argsort(distances, axis=1, kind="stable")[:, 1:k + 1]')
    assert verdict.status == "failed"
    assert "nearest code is missing" in verdict.message


def test_wrong_sorting_axis_is_named(tmp_path):
    text = "order = " + ARGSORT + "\n    return order[0] if single else order"
    new = 'order = np.argsort(distances, axis=1, kind="stable")[:, :k]\n    return order[0] if single else np.argsort(distances, axis=0)[:k]'
    verdict = mutate("retrieval", tmp_path, text, new)
    assert verdict.status == "failed"
    assert "wrong axis" in verdict.message


def test_manhattan_distance_is_named(tmp_path):
    verdict = mutate("retrieval", tmp_path, "np.sum((codes[None, :, :] - queries[:, None, :]) ** 2, axis=-1)",
                     "np.sum(np.abs(codes[None, :, :] - queries[:, None, :]), axis=-1)")
    assert verdict.status == "failed"
    assert "L1 (Manhattan)" in verdict.message
