"""Exercise 31 (pca): the reference solution against independent references (an
eigendecomposition of the covariance, the Eckart–Young optimum, the variance of
the codes), another correct formulation through the engine, and typical mistakes
caught with the message that names them."""

import numpy as np
import pytest

from tests.helpers import mutate, run_source, solution

sol = solution("pca")
SVD = "np.linalg.svd(X - mean, full_matrices=False)"
RETURN = "return mean, vt[:k]"


def _data(seed, n, d):
    g = np.random.default_rng(seed)
    rotation, _ = np.linalg.qr(g.normal(size=(d, d)))
    return g.normal(size=(n, d)) * 2.0 * 0.7 ** np.arange(d) @ rotation.T + g.normal(size=d) * 3


@pytest.mark.parametrize("n, d, k", [(40, 6, 3), (8, 12, 4), (25, 5, 5), (3, 2, 1)])
def test_components_are_the_top_eigenvectors_of_the_covariance(n, d, k):
    X = _data(n * d + k, n, d)
    mean, components = sol.pca_fit(X, k)
    np.testing.assert_allclose(mean, X.mean(axis=0), rtol=1e-12)
    covariance = np.cov(X, rowvar=False, bias=True)  # np.cov centres by itself
    eigvals, eigvecs = np.linalg.eigh(covariance)
    top = eigvecs[:, ::-1][:, :k].T
    # Same rows up to a sign each.
    signs = np.sign(np.sum(components * top, axis=1))
    np.testing.assert_allclose(components * signs[:, None], top, atol=1e-8)
    np.testing.assert_allclose(components @ components.T, np.eye(k), atol=1e-12)
    # The codes are uncorrelated, with the eigenvalues as their variances, largest first.
    codes = sol.pca_encode(X, mean, components)
    np.testing.assert_allclose(codes.T @ codes / n, np.diag(eigvals[::-1][:k]), atol=1e-9)


@pytest.mark.parametrize("n, d, k", [(40, 6, 3), (8, 12, 4), (25, 5, 5)])
def test_reconstruction_error_is_optimal(n, d, k):
    """Eckart–Young: no rank-k linear code does better than PCA; random subspaces do worse."""
    X = _data(1 + n * d + k, n, d)
    mean, components = sol.pca_fit(X, k)
    back = sol.pca_decode(sol.pca_encode(X, mean, components), mean, components)
    error = np.sum((X - back) ** 2) / n
    eigvals = np.linalg.eigvalsh(np.cov(X, rowvar=False, bias=True))[::-1]
    assert error == pytest.approx(eigvals[k:].sum(), abs=1e-9)
    g = np.random.default_rng(0)
    for _ in range(20):
        q, _ = np.linalg.qr(g.normal(size=(d, k)))
        other = X.mean(axis=0) + (X - X.mean(axis=0)) @ q @ q.T
        assert np.sum((X - other) ** 2) / n >= error - 1e-9


def test_inputs_unchanged():
    X = _data(5, 10, 4)
    before = X.copy()
    mean, components = sol.pca_fit(X, 2)
    copies = [mean.copy(), components.copy()]
    sol.pca_decode(sol.pca_encode(X, mean, components), mean, components)
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(mean, copies[0])
    np.testing.assert_array_equal(components, copies[1])


def test_eigendecomposition_written_another_way_passes(tmp_path):
    """A correct answer through the covariance's eigenvectors and einsum, not the SVD."""
    verdict = run_source(
        "pca",
        """
        import numpy as np

        def pca_fit(X, k):
            mu = np.mean(X, axis=0)
            centred = X - mu
            values, vectors = np.linalg.eigh(centred.T @ centred / (len(X) - 1))
            order = np.argsort(values)[::-1][:k]
            return mu, vectors[:, order].T

        def pca_encode(X, mean, components):
            return np.einsum("nd,kd->nk", X - mean, components)

        def pca_decode(codes, mean, components):
            return mean + np.einsum("nk,kd->nd", codes, components)
        """,
        tmp_path,
    )
    assert verdict.status == "passed", verdict.message


def test_no_centring_is_named(tmp_path):
    verdict = mutate("pca", tmp_path, SVD, "np.linalg.svd(X, full_matrices=False)")
    assert verdict.status == "failed"
    assert "PCA without centring" in verdict.message


def test_columns_instead_of_rows_are_named(tmp_path):
    verdict = mutate("pca", tmp_path, RETURN, "return mean, vt[:k].T")
    assert verdict.status == "failed"
    assert "components are columns" in verdict.message


def test_increasing_order_is_named(tmp_path):
    verdict = mutate("pca", tmp_path, RETURN, "return mean, vt[:k][::-1]")
    assert verdict.status == "failed"
    assert "increasing order of variance" in verdict.message


def test_smallest_eigenvectors_are_named(tmp_path):
    verdict = mutate(
        "pca", tmp_path, RETURN, "return mean, np.linalg.eigh((X - mean).T @ (X - mean))[1][:, :k].T"
    )
    assert verdict.status == "failed"
    assert "SMALLEST variance" in verdict.message


def test_unnormalised_directions_are_named(tmp_path):
    verdict = mutate("pca", tmp_path, "_, _, vt = " + SVD, "_, s, vt = " + SVD + "\n    vt = s[:, None] * vt")
    assert verdict.status == "failed"
    assert "scaled by its singular value" in verdict.message


def test_eigenvalue_scaled_eigenvectors_are_named(tmp_path):
    verdict = mutate(
        "pca",
        tmp_path,
        RETURN,
        "values, vectors = np.linalg.eigh(np.cov(X, rowvar=False, bias=True))\n"
        "    return mean, (values[::-1][:k, None] * vectors[:, ::-1][:, :k].T)",
    )
    assert verdict.status == "failed"
    assert "scaled by its eigenvalue" in verdict.message


def test_encode_without_the_mean_is_named(tmp_path):
    verdict = mutate("pca", tmp_path, "return (X - mean) @ components.T", "return X @ components.T")
    assert verdict.status == "failed"
    assert "mean was not subtracted" in verdict.message


def test_either_sign_of_a_component_passes(tmp_path):
    """A direction and its negative are the same axis: flipping every other row must still pass."""
    verdict = mutate("pca", tmp_path, RETURN, "return mean, vt[:k] * np.where(np.arange(k) % 2, -1.0, 1.0)[:, None]")
    assert verdict.status == "passed", verdict.message
