"""What the watch loop reacts to: one dataclass per kind of event, all through one queue.

Saves come from the file observer, keys from the key reader, verdicts,
training progress and check-all results from the threads that wait on check
processes; only the
loop's thread handles them, so it alone owns the screen and the progress.
Also `EventLog`: machine-readable events for tests and benchmarks.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from checker.course.catalog import Exercise
from checker.engine.records import Progress as CheckProgress
from checker.engine.verdict import Verdict


@dataclass(frozen=True)
class Saved:
    """A file under exercises/ changed (at `when`, monotonic seconds)."""

    path: str
    when: float


@dataclass(frozen=True)
class KeyPressed:
    """A key, or None when the terminal closed."""

    key: str | None


@dataclass(frozen=True)
class VerdictReady:
    """Run number `run` of `exercise` finished."""

    run: int
    exercise: Exercise
    verdict: Verdict


@dataclass(frozen=True)
class AllChecked:
    """`c` (check all) finished."""

    results: list


@dataclass(frozen=True)
class OneChecked:
    """One exercise of a check-all finished (`done` of `total` so far, `passed` of them pass)."""

    exercise: Exercise
    verdict: Verdict


@dataclass(frozen=True)
class PicturesReady:
    """The pictures of run `run` of `exercise` are drawn (`pictures`), or could not be (`error`)."""

    run: int
    exercise: Exercise
    pictures: object | None  # checker.engine.pictures.Pictures
    error: str | None


@dataclass(frozen=True)
class Progressed:
    """Run number `run` reported how far its training check has come (a `Progress` record of the judge).

    For a check-all (`run` is -1), `progress` is (the exercise's name, the record).
    """

    run: int
    progress: CheckProgress | tuple


@dataclass(frozen=True)
class Resized:
    """The terminal changed size (SIGWINCH)."""


@dataclass(frozen=True)
class Tick:
    """A second passed while a check runs (to update the waiting line)."""

    run: int


Event = Saved | KeyPressed | VerdictReady | AllChecked | OneChecked | PicturesReady | Progressed | Resized | Tick


class EventLog:
    """Machine-readable events (DLX_EVENT_LOG=path) for tests and benchmarks."""

    def __init__(self, path: str | None):
        self._handle = open(path, "a", encoding="utf-8", buffering=1) if path else None  # noqa: SIM115

    def write(self, event: str, **fields) -> None:
        if self._handle:
            self._handle.write(json.dumps({"t": time.time(), "event": event, **fields}) + "\n")

    def close(self) -> None:
        if self._handle:
            self._handle.close()
