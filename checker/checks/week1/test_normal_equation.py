"""Hidden checks for exercise 02 (normal_equation).

The expected weights come from np.linalg.lstsq, computed here independently of
the learner's code: on X itself for plain least squares, and on the augmented
system [X; √l2·I] w ≈ [y; 0] for ridge (its least-squares solution is the ridge
solution).  That the learner solves rather than inverts is checked twice: a spy
on np.linalg.inv / pinv (a precise message when it sees the call), and their
behaviour on nearly singular systems, where a solution found by solving leaves
a residual ‖Aw − b‖ at rounding level and one found by multiplying with an
inverse leaves one millions of times larger (the spy alone misses an inv kept
out of its sight, in a default argument or a closure).
"""

import sys
from fractions import Fraction

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, assert_true, at_learner_line, call_unchanged, fail, fmt, rng, learner_side

WHAT = "fit_linear_regression"


def _problem(seed, n, d):
    g = rng(seed)
    return g.normal(size=(n, d)), g.normal(size=n)


def _ridge_oracle(X, y, l2):
    """Ridge weights as the least-squares solution of the augmented system."""
    d = X.shape[1]
    A = np.vstack([X, np.sqrt(l2) * np.eye(d)])
    b = np.concatenate([y, np.zeros(d)])
    return np.linalg.lstsq(A, b, rcond=None)[0]


def _fit(ex, X, y, l2=None):
    """Call the learner's function (inputs guarded) and validate the result's type and shape."""
    fn = ex.fit_linear_regression
    kwargs = {} if l2 is None else {"l2": l2}
    label = f"{WHAT} on X of shape {X.shape}" + ("" if l2 is None else f" with l2={l2}")
    try:
        w = call_unchanged(fn, X, y, what=WHAT, names=["X", "y"], **kwargs)
    except ValueError as exc:  # np.linalg.LinAlgError is a ValueError too
        n, d = X.shape
        text = str(exc)
        if "ingular" in text:
            why = (
                "The matrix you solved with is singular (not invertible). XᵀX + l2·I with l2 > 0 never is, "
                "and XᵀX is not for this X: is l2 ADDED on the diagonal, and is the matrix XᵀX (not X Xᵀ)?"
            )
        elif "square" in text:
            why = (
                "np.linalg.solve needs a square matrix: solve the D×D system (XᵀX + l2·I) w = Xᵀy, "
                "not X w = y (X is not square)."
            )
        else:
            why = (
                "Likely mistake: a missing or misplaced transpose. The normal equations are a D×D system: "
                "A = X.T @ X has shape (D, D) and b = X.T @ y has shape (D,). X @ X, X @ y or X @ X.T "
                "do not have those shapes."
            )
        fail(
            f"{WHAT} raised {type(exc).__name__}: {text}{at_learner_line(fn, exc)}\n"
            f"on X of shape {X.shape} (N={n} examples, D={d} features) and y of shape {y.shape}.\n{why}"
        )
    return assert_array(w, what=label, shape=(X.shape[1],))


def test_least_squares_on_a_tiny_example(ex):
    """least squares on a 3×2 example you can check by hand"""
    X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    y = np.array([1.0, 2.0, 4.0])
    # XᵀX = [[3, 3], [3, 5]], Xᵀy = [7, 10]  →  w = [5/6, 3/2]
    got = _fit(ex, X, y)
    assert_close(
        got,
        [5 / 6, 3 / 2],
        what=f"{WHAT}(X, y)",
        inputs={"X": X, "y": y},
        mistakes={"you returned Xᵀy itself: solve (XᵀX) w = Xᵀy for w.": [7.0, 10.0]},
    )


@pytest.mark.parametrize("n, d", [(4, 3), (6, 5), (30, 4), (50, 1), (9, 2)])
def test_equals_lstsq(ex, n, d):
    """with l2=0 the weights equal np.linalg.lstsq for several shapes (N, D)"""
    X, y = _problem(n * 10 + d, n, d)
    expected = np.linalg.lstsq(X, y, rcond=None)[0]
    got = _fit(ex, X, y, l2=0.0) if n == 9 else _fit(ex, X, y)
    assert_close(
        got,
        expected,
        what=f"{WHAT} on X of shape {X.shape}",
        inputs={"X": X, "y": y} if n * d <= 12 else None,
        rtol=1e-6,
        atol=1e-8,
    )
    assert_true(got.dtype == np.float64, f"{WHAT} returned dtype {got.dtype}, expected float64.")


def test_ridge_on_a_tiny_example(ex):
    """ridge (l2=1) on a 3×2 example you can check by hand"""
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([1.0, 2.0, 3.0])
    # XᵀX + I = [[3, 1], [1, 3]], Xᵀy = [4, 5]  →  w = [7/8, 11/8]
    got = _fit(ex, X, y, l2=1.0)
    assert_close(
        got,
        [7 / 8, 11 / 8],
        what=f"{WHAT}(X, y, l2=1.0)",
        inputs={"X": X, "y": y},
        mistakes={
            # XᵀX + 1 everywhere = [[3, 2], [2, 3]]
            "l2 was added to EVERY entry of XᵀX (`+ l2` or l2 * np.ones((D, D))); "
            "it belongs on the diagonal only: + l2 * np.eye(D).": [2 / 5, 7 / 5],
            # plain least squares: [[2, 1], [1, 2]] w = [4, 5]
            "l2 is ignored: this is the plain least-squares solution. Add l2 * np.eye(D) to XᵀX.": [1.0, 2.0],
            # [[3, 1], [1, 2]]
            "the last weight is not penalised. Here the penalty applies to ALL D weights, "
            "the bias included: add l2 to every diagonal entry.": [3 / 5, 11 / 5],
            # [[4, 1], [1, 4]]
            "the penalty is doubled (2·l2 on the diagonal): use (XᵀX + l2·I) w = Xᵀy.": [11 / 15, 16 / 15],
        },
    )


def test_transposes_in_the_right_places(ex):
    """Xᵀ where the formula has it (on a square X, where a missing .T still runs)"""
    g = rng(7)
    X, y, l2 = g.normal(size=(3, 3)), g.normal(size=3), 0.5
    eye = np.eye(3)
    got = _fit(ex, X, y, l2=l2)
    assert_close(
        got,
        _ridge_oracle(X, y, l2),
        what=f"{WHAT}(X, y, l2={l2}) on a square X",
        inputs={"X": X, "y": y},
        mistakes={
            "the transposes are missing: you solved (X X + l2·I) w = X y. "
            "The normal equations are (XᵀX + l2·I) w = Xᵀy.": np.linalg.solve(X @ X + l2 * eye, X @ y),
            "a transpose is missing on the right-hand side: b must be X.T @ y, not X @ y.": np.linalg.solve(
                X.T @ X + l2 * eye, X @ y
            ),
            "the product is X Xᵀ (X @ X.T); the normal equations use XᵀX (X.T @ X), "
            "a D×D matrix.": np.linalg.solve(X @ X.T + l2 * eye, X.T @ y),
        },
    )


@pytest.mark.parametrize("n, d, l2", [(6, 3, 0.1), (20, 4, 1.0), (3, 5, 0.5), (40, 2, 10.0)])
def test_ridge_equals_closed_form(ex, n, d, l2):
    """ridge weights equal (XᵀX + l2·I)⁻¹Xᵀy, tall and wide X"""
    X, y = _problem(500 + n * 10 + d, n, d)
    expected = _ridge_oracle(X, y, l2)
    got = _fit(ex, X, y, l2=l2)
    mistakes = {
        "the penalty is doubled (2·l2 on the diagonal): use (XᵀX + l2·I) w = Xᵀy.": _ridge_oracle(X, y, 2 * l2),
        "the penalty is scaled by N (l2·N on the diagonal): use (XᵀX + l2·I) w = Xᵀy.": _ridge_oracle(X, y, n * l2),
    }
    if n >= d:  # these wrong systems are singular for a wide X
        mistakes.update({
            "l2 was added to EVERY entry of XᵀX (`+ l2` or l2 * np.ones((D, D))); "
            "it belongs on the diagonal only: + l2 * np.eye(D).": np.linalg.solve(X.T @ X + l2 * np.ones((d, d)), X.T @ y),
            "the last weight is not penalised. Here the penalty applies to ALL D weights, "
            "the bias included.": np.linalg.solve(X.T @ X + l2 * np.diag([1.0] * (d - 1) + [0.0]), X.T @ y),
            "l2 is ignored: this is the plain least-squares solution. "
            "Add l2 * np.eye(D) to XᵀX.": np.linalg.lstsq(X, y, rcond=None)[0],
        })
    assert_close(
        got,
        expected,
        what=f"{WHAT} on X of shape {X.shape} with l2={l2}",
        inputs={"X": X, "y": y} if n * d <= 15 else None,
        mistakes=mistakes,
    )


def test_ridge_shrinks_the_weights(ex):
    """a larger l2 gives weights of smaller norm"""
    X, y = _problem(99, 20, 4)
    l2s = [0.0, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0]
    norms = [float(np.linalg.norm(_fit(ex, X, y, l2=l2))) for l2 in l2s]
    table = "\n".join(f"  l2 = {l2:>7}: ‖w‖ = {fmt(nrm)}" for l2, nrm in zip(l2s, norms))
    assert_true(
        all(b < a for a, b in zip(norms, norms[1:])),
        f"{WHAT}: the norm of w must shrink every time l2 grows (on X of shape {X.shape}), but it did not:\n"
        f"{table}\nThe penalty l2·‖w‖² pulls the weights towards 0: is l2 ADDED to the diagonal of XᵀX?",
    )


def _inverse_calls(fn, problems):
    """Call fn on each (X, y, l2) with spies on np.linalg.inv / pinv; return the names called, in order.

    It runs where the learner's code runs (learner_side): the spies must sit in
    that process's numpy.  It reports calls only, the grade is decided by the check.
    """
    originals = {"inv": np.linalg.inv, "pinv": np.linalg.pinv}
    calls = []

    def spy(name):
        real = originals[name]

        def recorder(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)

        return recorder

    spies = {name: spy(name) for name in originals}
    # Every place the learner can reach inv/pinv from: numpy.linalg, numpy's own
    # module (matrix_power(A, -1) calls inv there), and the learner's globals
    # (`from numpy.linalg import inv`).
    namespaces = [vars(np.linalg)]
    if "numpy.linalg._linalg" in sys.modules:
        namespaces.append(vars(sys.modules["numpy.linalg._linalg"]))
    learner_globals = getattr(fn, "__globals__", None)
    saved = []
    for space in namespaces:
        for name in originals:
            if space.get(name) is originals[name]:
                saved.append((space, name, space[name]))
    if isinstance(learner_globals, dict):
        for key, value in list(learner_globals.items()):
            for name, real in originals.items():
                if value is real:
                    saved.append((learner_globals, key, value))
    try:
        for space, key, value in saved:
            space[key] = spies["inv" if value is originals["inv"] else "pinv"]
        for X, y, l2 in problems:
            try:
                fn(X, y) if l2 is None else fn(X, y, l2=l2)
            except Exception:  # noqa: BLE001, S110 - errors are the other checks' business; calls are counted
                pass
    finally:
        for space, key, value in saved:
            space[key] = value
    return calls


# (seed, N, D, l2): nearly collinear features, cond(XᵀX + l2·I) about 1e10.  Measured on 900 such systems:
# np.linalg.solve, lstsq (on A or on the stacked X), a Cholesky factor with two solves and einsum-built
# A and b leave a residual of at most 4 units of rounding; inv(A) @ b, inv(A) @ X.T @ y, pinv(A) @ b and
# solve(A, I) @ b leave 3e7 to 5e9 units on these four systems.
_ILL_CONDITIONED = [(21, 12, 3, 0.0), (22, 20, 4, 2.0), (23, 9, 2, 0.0), (24, 15, 3, 2.0)]
_RESIDUAL_LIMIT = 100  # units of rounding (float64 eps); 25× the worst residual of any solving method measured


def _ill_conditioned_problem(seed, n, d):
    """Integer X whose columns are one large column (entries up to 1e5) plus -1/0/1, and integer y.

    Every entry of XᵀX and Xᵀy is an integer below 2**53, so it is exact in float64: the learner's A and b
    are exactly these, whatever order its sums take, and the residual below measures their solver alone.
    """
    g = rng(seed)
    X = g.integers(-10**5, 10**5, size=(n, 1)) + g.integers(-1, 2, size=(n, d))
    y = X @ g.integers(-5, 6, size=d) + g.integers(-1, 2, size=n)
    return X.astype(np.float64), y.astype(np.float64)


def _residual_in_eps(X, y, l2, w):
    """‖(XᵀX + l2·I) w − Xᵀy‖∞ / (‖XᵀX + l2·I‖∞ ‖w‖∞), in units of float64 rounding, computed exactly."""
    Xi, yi = X.astype(np.int64), y.astype(np.int64)
    A, b, d = (Xi.T @ Xi).tolist(), (Xi.T @ yi).tolist(), X.shape[1]
    exact_l2 = Fraction(l2)
    ws = [Fraction(float(v)) for v in w]
    r = [sum(Fraction(A[i][j]) * ws[j] for j in range(d)) + exact_l2 * ws[i] - b[i] for i in range(d)]
    norm_a = max(sum(abs(v) for v in row) for row in A) + abs(l2)
    norm_w = max(abs(float(v)) for v in w)
    if norm_w == 0:
        return float("inf")
    return float(max(abs(v) for v in r)) / (norm_a * norm_w) / np.finfo(np.float64).eps


def test_solves_does_not_invert(ex):
    """solves the system with np.linalg.solve, without forming an inverse"""
    X, y = _problem(3, 8, 3)
    _fit(ex, X, y, l2=0.5)  # first, so that a broken fit reads as its own error
    why = (
        "Solve the system instead: w = np.linalg.solve(A, b) with A = XᵀX + l2·I and b = Xᵀy.\n"
        "Why: solve factorises A once and substitutes back, about 3× less work than inverting and then "
        "multiplying, and it is more accurate: an explicit inverse amplifies rounding errors when XᵀX "
        "is ill-conditioned (nearly collinear features), and the normal equations already square the "
        "condition number of X."
    )
    calls = learner_side(_inverse_calls, ex.fit_linear_regression, [(X, y, 0.5), (X, y, None)])
    if calls:
        fail(f"{WHAT} called np.linalg.{calls[0]}: it formed an inverse matrix and multiplied by it.\n{why}")
    # The behaviour of an inverse, wherever it was called from: on nearly singular systems (exact A and b),
    # solving leaves a residual ‖Aw − b‖ at rounding level, multiplying by an inverse a far larger one.
    for seed, n, d, l2 in _ILL_CONDITIONED:
        Xc, yc = _ill_conditioned_problem(seed, n, d)
        w = _fit(ex, Xc, yc, l2=l2)
        # Solving and inverting both land within about 1e-5 of the answer (measured): a w further off is another
        # mistake, named as such rather than as an inverse.
        assert_close(
            w, np.linalg.solve(Xc.T @ Xc + l2 * np.eye(d), Xc.T @ yc), rtol=1e-4, atol=1e-3,
            what=f"{WHAT} on a nearly singular X of shape {Xc.shape} with l2={l2}",
        )
        residual = _residual_in_eps(Xc, yc, l2, w)
        if not residual <= _RESIDUAL_LIMIT:
            fail(
                f"{WHAT} on a nearly singular system (X of shape {Xc.shape}, nearly collinear columns, "
                f"l2={l2}, cond(XᵀX + l2·I) ≈ {fmt(float(np.linalg.cond(Xc.T @ Xc + l2 * np.eye(d))), 2)}) "
                f"returned w with a residual ‖(XᵀX + l2·I) w − Xᵀy‖ of {fmt(residual, 3)} units of rounding "
                f"relative to ‖A‖·‖w‖; np.linalg.solve leaves at most a few.\n"
                "That is what multiplying by an inverse matrix (np.linalg.inv or pinv, however it is reached) "
                f"does: it formed an inverse instead of solving.\n{why}"
            )
