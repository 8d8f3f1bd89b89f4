"""Grading a batch: every submission re-computed from its files through the real engine.

Nothing is read from a progress file.  Each (student, exercise) pair is one run of
`Course.check` on the student's private copy of that file, in its own judge and
sandbox, `jobs` at a time.  Whatever one run does -- loop, exhaust memory, forge a
report, crash -- ends in that run's verdict: it never stops the batch and never
touches another pair's result.  Should dlx itself fail on one pair, that pair is
recorded as not graded (zero, with the reason) and the batch goes on.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from checker.course.catalog import Exercise
from checker.course.course import Course
from checker.engine import supervisor
from checker.engine.records import Status
from checker.engine.verdict import Verdict
from checker.instructor import points as points_mod
from checker.instructor.points import ExerciseScore
from checker.instructor.submissions import Submission, discover, prepare

Progress = Callable[[int, int, str, str, Verdict], None]  # done, total, student, exercise, verdict


@dataclass
class StudentGrade:
    student: str
    source: Path
    exercises: list[ExerciseScore] = field(default_factory=list)
    error: str | None = None  # the submission could not be read at all

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 6)

    @property
    def max_score(self) -> float:
        return round(sum(e.max_score for e in self.exercises), 6)

    @property
    def seconds(self) -> float:
        return sum(e.verdict.seconds for e in self.exercises)


@dataclass
class ClassGrades:
    exercises: list[Exercise]
    students: list[StudentGrade]
    seconds: float = 0.0

    def passing(self, exercise: Exercise) -> int:
        """How many students pass `exercise`."""
        return sum(1 for s in self.students for e in s.exercises if e.exercise.name == exercise.name and e.passed)


def _missing(exercise: Exercise, why: str) -> Verdict:
    return Verdict(exercise.name, Status.MISSING, message=f"Not graded: {why}. This earns no points.")


def grade(
    course: Course,
    paths: list[Path],
    exercises: list[Exercise],
    scratch: Path,
    *,
    jobs: int = 1,
    as_one: bool = False,
    on_start: Callable[[int, int], None] | None = None,
    on_progress: Progress | None = None,
) -> ClassGrades:
    """Grade every submission under `paths` on `exercises`; private copies go under `scratch`."""
    started = time.monotonic()
    submissions: list[Submission] = [
        prepare(student, path, exercises, scratch) for student, path in discover(paths, exercises, as_one=as_one)
    ]
    verdicts: dict[tuple[int, str], Verdict] = {}
    work: list[tuple[int, Exercise, Path]] = []
    for index, submission in enumerate(submissions):
        for exercise in exercises:
            if submission.error:
                verdicts[(index, exercise.name)] = _missing(exercise, submission.error)
            elif exercise.name in submission.files:
                work.append((index, exercise, submission.files[exercise.name]))
            else:
                verdicts[(index, exercise.name)] = _missing(exercise, submission.problems.get(exercise.name, "no file"))
    total = len(submissions) * len(exercises)
    done = len(verdicts)
    lock = threading.Lock()
    if on_start:
        on_start(done, total)

    def one(item: tuple[int, Exercise, Path]) -> None:
        nonlocal done
        index, exercise, target = item
        try:
            verdict = course.check(exercise, target=target)
        except Exception as exc:  # dlx's own failure on this pair: recorded, never fatal to the batch
            verdict = Verdict(
                exercise.name, Status.CRASHED,
                message=f"dlx could not grade this file ({type(exc).__name__}: {exc}); it earns no points. Please report it.",
            )
        with lock:
            verdicts[(index, exercise.name)] = verdict
            done += 1
            if on_progress:
                on_progress(done, total, submissions[index].student, exercise.name, verdict)

    # As `dlx verify` does: the training checks run one at a time with nothing beside them (same threads, same
    # machine share, so one file gets one verdict), the others `jobs` at a time.
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        list(pool.map(one, [item for item in work if not item[1].training]))
        for item in (item for item in work if item[1].training):
            one(item)
    except BaseException:  # Ctrl-C: stop every check now
        pool.shutdown(wait=False, cancel_futures=True)
        supervisor.kill_all()
        raise
    finally:
        pool.shutdown(wait=True)

    students = []
    for index, submission in enumerate(submissions):
        scored = [points_mod.score(e, verdicts[(index, e.name)]) for e in exercises]
        students.append(StudentGrade(submission.student, submission.source, scored, submission.error))
    return ClassGrades(list(exercises), students, time.monotonic() - started)
