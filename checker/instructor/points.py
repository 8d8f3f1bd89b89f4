"""Points: what a verdict is worth, from the catalog's grading keys.

An exercise is worth `points` (default 1).  Without partial credit it earns them
all when every check passes and nothing otherwise.  With `partial_credit = true` a
run that *finished* (passed, failed, or not started) earns the weighted share of
the checks it passed (`check_points`, default weight 1 each).  A run that never
finished -- a timeout, a refused allocation, a crash, tampering, a missing or
unloadable file -- earns nothing: what it reported cannot be trusted as complete.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.course.catalog import Exercise
from checker.engine.records import Status
from checker.engine.verdict import Verdict

FINISHED = (Status.PASSED, Status.FAILED, Status.NOT_STARTED)


@dataclass(frozen=True)
class CheckScore:
    """One check's share of its exercise's points (partial credit only)."""

    name: str
    title: str
    passed: bool
    score: float
    max_score: float
    visibility: str
    message: str = ""


@dataclass(frozen=True)
class ExerciseScore:
    exercise: Exercise
    verdict: Verdict
    score: float
    max_score: float
    checks: tuple[CheckScore, ...] = ()  # filled when partial credit splits the points by check

    @property
    def passed(self) -> bool:
        return self.verdict.passed


def _lookup(pairs: tuple, check: str, default):
    """A per-check setting by the check's name, or by its function's name for every case of a parametrized check."""
    table = dict(pairs)
    return table.get(check, table.get(check.split("[", 1)[0], default))


def _weight(exercise: Exercise, check: str) -> float:
    return _lookup(exercise.check_points, check, 1.0)


def check_visibility(exercise: Exercise, check: str) -> str:
    return _lookup(exercise.check_visibility, check, exercise.visibility)


def score(exercise: Exercise, verdict: Verdict) -> ExerciseScore:
    """The points `verdict` earns for `exercise`."""
    worth = exercise.points
    if not exercise.partial_credit:
        return ExerciseScore(exercise, verdict, worth if verdict.passed else 0.0, worth)
    checks = verdict.checks if verdict.status in FINISHED else []
    total = sum(_weight(exercise, c.name) for c in checks)
    if not checks or total <= 0:
        return ExerciseScore(exercise, verdict, worth if verdict.passed else 0.0, worth)
    shares = tuple(
        CheckScore(
            name=c.name,
            title=c.title,
            passed=c.passed,
            score=round(worth * _weight(exercise, c.name) / total, 6) if c.passed else 0.0,
            max_score=round(worth * _weight(exercise, c.name) / total, 6),
            visibility=check_visibility(exercise, c.name),
            message=c.message,
        )
        for c in checks
    )
    earned = worth if verdict.passed else round(sum(s.score for s in shares), 6)
    return ExerciseScore(exercise, verdict, earned, worth, shares)
