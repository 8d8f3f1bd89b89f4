"""Exercise 02 (normal_equation): the reference solution against independent
references, and typical mistakes caught with the message that names them."""

import numpy as np
import pytest

from tests.helpers import mutate, run_source, solution

sol = solution("normal_equation")


@pytest.mark.parametrize("seed", range(5))
def test_equals_lstsq(seed):
    g = np.random.default_rng(seed)
    d = int(g.integers(1, 6))
    n = d + int(g.integers(1, 30))
    X, y = g.normal(size=(n, d)), g.normal(size=n)
    np.testing.assert_allclose(sol.fit_linear_regression(X, y), np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("seed", range(5))
def test_ridge_zeroes_the_gradient_of_its_objective(seed):
    """The ridge weights are a stationary point of ‖Xw − y‖² + l2‖w‖² (wide X too)."""
    g = np.random.default_rng(50 + seed)
    n, d, l2 = int(g.integers(2, 20)), int(g.integers(1, 8)), float(g.uniform(0.01, 10))
    X, y = g.normal(size=(n, d)), g.normal(size=n)
    w = sol.fit_linear_regression(X, y, l2=l2)
    np.testing.assert_allclose(2 * X.T @ (X @ w - y) + 2 * l2 * w, 0, atol=1e-9)


def test_ridge_norm_decreases():
    g = np.random.default_rng(9)
    X, y = g.normal(size=(15, 3)), g.normal(size=15)
    norms = [np.linalg.norm(sol.fit_linear_regression(X, y, l2=l2)) for l2 in (0, 0.1, 1, 10, 100)]
    assert all(b < a for a, b in zip(norms, norms[1:]))


def test_inputs_unchanged():
    g = np.random.default_rng(3)
    X, y = g.normal(size=(6, 2)), g.normal(size=6)
    X0, y0 = X.copy(), y.copy()
    sol.fit_linear_regression(X, y, l2=1.0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_inverse_is_named(tmp_path):
    verdict = mutate("normal_equation", tmp_path, "np.linalg.solve(A, b)", "np.linalg.inv(A) @ b")
    assert verdict.status == "failed"
    assert "np.linalg.inv" in verdict.message and "np.linalg.solve" in verdict.message


def test_penalty_on_every_entry_is_named(tmp_path):
    verdict = mutate("normal_equation", tmp_path, "l2 * np.eye(X.shape[1])", "l2 * np.ones((X.shape[1], X.shape[1]))")
    assert verdict.status == "failed"
    assert "EVERY entry" in verdict.message


def test_ignored_penalty_is_named(tmp_path):
    verdict = mutate("normal_equation", tmp_path, " + l2 * np.eye(X.shape[1])", "")
    assert verdict.status == "failed"
    assert "l2 is ignored" in verdict.message


def test_unpenalized_last_weight_is_named(tmp_path):
    verdict = mutate(
        "normal_equation", tmp_path, "l2 * np.eye(X.shape[1])", "l2 * np.diag([1.0] * (X.shape[1] - 1) + [0.0])"
    )
    assert verdict.status == "failed"
    assert "last weight is not penalised" in verdict.message


def test_missing_transpose_is_named(tmp_path):
    verdict = mutate("normal_equation", tmp_path, "b = X.T @ y", "b = X @ y")
    assert verdict.status == "failed"
    assert "transpose" in verdict.message and "b = X @ y" in verdict.message


def test_missing_transposes_on_a_square_x_are_named(tmp_path):
    """Where every shape lines up (X square), the wrong values are still named."""
    verdict = mutate("normal_equation", tmp_path, "b = X.T @ y", "b = (X if X.shape[0] == X.shape[1] else X.T) @ y")
    assert verdict.status == "failed"
    assert "right-hand side" in verdict.message


# Correct solvers other than the reference's np.linalg.solve: the 'solve, do not invert' check measures the
# residual on nearly singular systems, and every backward-stable solver leaves it at rounding level.
SOLVES_ANOTHER_WAY = {
    "lstsq on A": '''
        import numpy as np

        def fit_linear_regression(X, y, l2=0.0):
            A = X.T @ X + l2 * np.eye(X.shape[1])
            return np.linalg.lstsq(A, X.T @ y, rcond=None)[0]
    ''',
    "lstsq on the stacked X": '''
        import numpy as np

        def fit_linear_regression(X, y, l2=0.0):
            d = X.shape[1]
            stacked = np.vstack([X, np.sqrt(l2) * np.eye(d)])
            return np.linalg.lstsq(stacked, np.concatenate([y, np.zeros(d)]), rcond=None)[0]
    ''',
    "Cholesky and two solves, einsum": '''
        import numpy as np

        def fit_linear_regression(X, y, l2=0.0):
            A = np.einsum("ni,nj->ij", X, X) + np.diag(np.full(X.shape[1], float(l2)))
            L = np.linalg.cholesky(A)
            return np.linalg.solve(L.T, np.linalg.solve(L, np.einsum("ni,n->i", X, y)))
    ''',
}


@pytest.mark.parametrize("how", SOLVES_ANOTHER_WAY)
def test_other_correct_solvers_pass(tmp_path, how):
    verdict = run_source("normal_equation", SOLVES_ANOTHER_WAY[how], tmp_path)
    assert verdict.status == "passed", verdict.message


def test_an_inverse_out_of_the_spys_sight_is_named(tmp_path):
    """inv reached through a closure's default argument, and an inverse made with solve(A, I): no spy sees
    np.linalg.inv called from the learner's module, the residual on nearly singular systems does."""
    closure = '''
        import numpy as np

        def _make(inv=np.linalg.inv):
            def fit_linear_regression(X, y, l2=0.0):
                return inv(X.T @ X + l2 * np.eye(X.shape[1])) @ X.T @ y
            return fit_linear_regression

        fit_linear_regression = _make()
    '''
    for verdict in (
        run_source("normal_equation", closure, tmp_path),
        mutate("normal_equation", tmp_path, "np.linalg.solve(A, b)", "np.linalg.solve(A, np.eye(len(A))) @ b"),
    ):
        assert verdict.status == "failed"
        assert "formed an inverse" in verdict.message and "np.linalg.solve" in verdict.message, verdict.message

