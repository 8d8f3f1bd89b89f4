"""Figures a check measured (a training check's test accuracy), reported beside its verdict.

A check calls `report_figure("accuracy", 0.861)`; the judge's plugin takes the
figures of the check that is running and puts them in its record
(`CheckRecord.figures`), so that `dlx verify` can show the accuracy a model
reached and a test can hold two runs' figures against each other.  Only plain
finite numbers are kept; the protocol caps how many.
"""

from __future__ import annotations

import math

_CURRENT: dict[str, float] = {}


def report_figure(name: str, value: float) -> None:
    """Record what the running check measured, e.g. report_figure("accuracy", 0.861)."""
    number = float(value)
    if type(name) is not str or not math.isfinite(number):
        raise ValueError(f"a figure is a name and a finite number, not {name!r}={value!r}")
    _CURRENT[name] = number


def take_figures() -> dict[str, float]:
    """The figures reported since the last call, and forget them (the plugin calls it once a check)."""
    figures = dict(_CURRENT)
    _CURRENT.clear()
    return figures


def fmt_gap(value: float, threshold: float, sign: str = "<") -> str:
    """`value sign threshold` with enough digits that the two never read the same: "0.8397 < 0.84"."""
    digits = 3
    while digits < 8 and round(value, digits) == round(threshold, digits):
        digits += 1
    return f"{value:.{digits}f} {sign} {threshold:g}"
