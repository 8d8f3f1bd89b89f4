"""Numerical gradients: the oracle for every backward function of the course."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from checker.testing.asserts import assert_close


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of a scalar function at `x`; `x` is restored."""
    x = np.asarray(x)
    grad = np.zeros(x.shape, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    for _ in it:
        i = it.multi_index
        old = float(x[i])
        x[i] = old + h
        plus = float(f(x))
        x[i] = old - h
        minus = float(f(x))
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def gradcheck(
    f: Callable[[np.ndarray], float],
    analytic: Any,
    x: np.ndarray,
    *,
    what: str,
    inputs: Mapping[str, Any] | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Fail unless `analytic` matches the central-difference gradient of `f` at `x`."""
    numeric = numerical_gradient(f, np.array(x, dtype=float, copy=True))
    assert_close(
        analytic,
        numeric,
        what=what,
        inputs=inputs,
        rtol=rtol,
        atol=atol,
        mistakes=mistakes,
        hint="(The expected value is a numerical gradient: (f(x+h) - f(x-h)) / 2h for each entry.)",
    )


