"""`dlx dev check`: the proof that the course is sound, as data.

The catalog is valid, every shipped stub fails its checks (and reads as "not
started", not as a crash), and every reference solution passes them -- all
through the same engine a learner's save goes through.  `ui.tables` renders it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from checker.course.catalog import CHECKS_DIR, Exercise, validate
from checker.course.course import Course
from checker.engine.records import Status
from checker.engine.verdict import Verdict


@dataclass
class ProofRow:
    exercise: Exercise
    stub: Verdict
    solution: Verdict

    @property
    def problem(self) -> str:
        """What is wrong with this exercise's proof, or "" when it holds."""
        if self.stub.passed:
            return "the stub PASSES its checks: they prove nothing"
        if self.stub.status != Status.NOT_STARTED:
            return f"the stub should read as not started, got {self.stub.status}: {self.stub.summary()}"
        if not self.solution.passed:
            first = self.solution.first_failure
            return f"the solution fails: {first.title if first else self.solution.summary()}"
        return ""


@dataclass
class Proof:
    catalog_problems: list[str] = field(default_factory=list)
    rows: list[ProofRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def holds(self) -> bool:
        return not self.catalog_problems and bool(self.rows) and not any(row.problem for row in self.rows)


def catalog_problems(course: Course) -> list[str]:
    workspace = course.workspace
    return validate(course.catalog, workspace.exercises_dir, workspace.solutions_dir, CHECKS_DIR)


def prove(course: Course, chosen: list[Exercise], jobs: int) -> Proof:
    """Run every chosen stub and solution through the engine (the catalog is validated by the caller)."""
    workspace = course.workspace
    started = time.perf_counter()
    stubs = dict(course.check_many(chosen, jobs, target_for=lambda e: workspace.exercises_dir / e.file))
    solutions = dict(course.check_many(chosen, jobs, target_for=lambda e: workspace.solutions_dir / e.file))
    rows = [ProofRow(e, stubs[e], solutions[e]) for e in chosen]
    return Proof(rows=rows, seconds=time.perf_counter() - started)
