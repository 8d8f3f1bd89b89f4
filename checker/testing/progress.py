"""How far a long check has come (a training run), streamed to the learner's screen while it runs.

A check that trains tells the learner where it stands: `report_progress(3, 20,
"epoch", loss=0.41)` from check code that drives the loop itself, or a
`ProgressReporter` handed to the learner's side (a Keras callback made with
`learner_side`, a training loop's callback argument), or `with_progress(fn,
total, label)`, `fn` counting one step each time the learner's loop calls it.

Whatever arrives here may come from the learner's process: it is bounded
(numbers only, finite, the step within 0..total, a few short figure names),
rate-limited (at most one record every MIN_INTERVAL seconds, and MAX_RECORDS a
check) and dropped silently when it is not plain numbers -- progress is shown,
never graded, and a broken report never fails a check.  The judge's plugin
turns what passes into a `Progress` record (`begin` says where to); without a
plugin (a check run in-process) nothing is written, and a check that reports
nothing costs nothing.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from typing import Any, Callable

import numpy as np

MIN_INTERVAL = 0.25  # seconds between two records: at most four a second, however often the learner's code reports
MAX_RECORDS = 2000  # records one check may write (a 3-minute training at four a second writes 720)
MAX_TOTAL = 1_000_000_000
MAX_SHOWN_FIGURES = 4  # figures kept in one record
_FIGURE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9 _-]{0,39}")
_NUMBER_TYPES = (int, float, np.integer, np.floating)

Sink = Callable[[float, int, str, dict, float, "float | None"], None]

_STATE: dict[str, Any] = {"sink": None, "check": 0, "started": 0.0, "last": -math.inf, "count": 0,
                          "first": None, "last_step": None}
_checks = itertools.count(1)


def begin(sink: Sink | None) -> None:
    """A new check starts: its progress goes to `sink(step, total, label, figures, elapsed, remaining)` (the plugin's)."""
    _STATE.update(sink=sink, check=next(_checks), started=time.perf_counter(), last=-math.inf, count=0, first=None,
                  last_step=None)


def _number(value: Any) -> float | None:
    """`value` as a finite float if it is a plain number (never a bool, a proxy or an array), else None."""
    if type(value) is bool or not isinstance(value, _NUMBER_TYPES) or type(value).__module__ not in ("builtins", "numpy"):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def report_progress(step: Any, total: Any, label: str = "", **figures: Any) -> None:
    """`step` of `total` units of `label` ("epoch", "step") done, with a few figures (loss=0.41, accuracy=0.81).

    For check code in the judge; also what a `ProgressReporter` calls.  Values that
    are not plain finite numbers are dropped, never raised on; records are written
    at most four a second (the last step always shows).
    """
    sink = _STATE["sink"]
    if sink is None or _STATE["count"] >= MAX_RECORDS:
        return
    done, whole = _number(step), _number(total)
    if done is None or whole is None or whole != int(whole) or not 0 < whole <= MAX_TOTAL:
        return
    whole = int(whole)
    done = min(max(done, 0.0), float(whole))
    now = time.perf_counter()
    final = done == whole and _STATE["last_step"] != done
    if now - _STATE["last"] < MIN_INTERVAL and not final:
        return
    label = label if type(label) is str and _LABEL.fullmatch(label) else ""
    kept: dict[str, float] = {}
    for name, value in itertools.islice(figures.items(), 16):
        number = _number(value)
        if type(name) is str and _FIGURE_NAME.fullmatch(name) and number is not None and len(kept) < MAX_SHOWN_FIGURES:
            kept[name] = number
    elapsed = now - _STATE["started"]
    first = _STATE["first"]
    if first is None or done < first[1]:  # the first report, or a new run within the check: count from here
        first = _STATE["first"] = (elapsed, done)
    remaining = None
    if done > first[1] and elapsed > first[0]:
        remaining = (elapsed - first[0]) / (done - first[1]) * (whole - done)
    _STATE.update(last=now, count=_STATE["count"] + 1, last_step=done)
    try:
        sink(done, whole, label, kept, elapsed, remaining)
    except Exception:  # noqa: BLE001 - shown, never graded: a report that cannot be written fails no check
        pass


class ProgressReporter:
    """A callable to hand to the learner's side: `reporter(step, total=None, **figures)` reports progress.

    It lives in the judge (the learner's code holds a proxy of it), reports
    only for the check that made it, under the label the check chose, and
    bounds and rate-limits what it is told like `report_progress`.  It returns
    None and never raises.
    """

    def __init__(self, label: str = "", total: int | None = None):
        self._label, self._total, self._check = label, total, _STATE["check"]

    def __call__(self, step: Any = None, total: Any = None, **figures: Any) -> None:
        if self._check != _STATE["check"] or _STATE["sink"] is None:
            return None  # a reporter kept past its check (or nobody listening): nothing to say
        try:
            report_progress(step, self._total if self._total else total, self._label, **figures)
        except Exception:  # noqa: BLE001 - progress is shown, never graded: a bad report is dropped
            pass
        return None


def with_progress(fn: Callable[..., Any], total: int, label: str = "step") -> Callable[..., Any]:
    """`fn`, counting one step of `total` each time it is called (an optimizer step a learner's loop calls)."""
    calls = itertools.count(1)

    def counted(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        report_progress(next(calls), total, label)
        return result

    counted.__name__ = getattr(fn, "__name__", "step")
    counted.__qualname__ = getattr(fn, "__qualname__", "step")
    counted.__doc__ = getattr(fn, "__doc__", None)
    return counted
