"""`dlx dev check`: the proof that the course is sound.

The catalog is valid, every shipped stub fails its checks (and reads as "not
started", not as a crash), and every reference solution passes them -- all
through the same engine a learner's save goes through.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table
from rich.text import Text

from checker import render, runner
from checker import verdict as V
from checker.catalog import validate
from checker.course import Course


def run(course: Course, selection: str, jobs: int, console: Console) -> bool:
    """Validate and run; print what was found; return True only if all holds."""
    workspace = course.workspace
    problems = validate(course.catalog, workspace.exercises_dir, workspace.solutions_dir, runner.CHECKS_DIR)
    if problems:
        console.print(Text("The catalog has problems:", style="bold red"))
        for problem in problems:
            console.print(Text(f"  • {problem}"))
        return False
    console.print(Text(f"Catalog: {len(course.catalog.exercises)} exercises, valid.", style="green"))

    chosen = course.catalog.select(selection)
    if not chosen:
        console.print(Text(f"{selection!r} matches no exercise.", style="red"))
        return False
    started = time.perf_counter()
    with console.status(f"running {2 * len(chosen)} check runs on {jobs} core(s)…"):
        stubs = dict(course.check_many(chosen, jobs, target_for=lambda e: workspace.exercises_dir / e.file))
        solutions = dict(course.check_many(chosen, jobs, target_for=lambda e: workspace.solutions_dir / e.file))
    elapsed = time.perf_counter() - started

    table = Table(title="dlx dev check", title_justify="left")
    for column in ("exercise", "stub", "solution", "solution time", "problem"):
        table.add_column(column, justify="right" if column == "solution time" else "left")
    ok = True
    for exercise in chosen:
        stub, solution = stubs[exercise], solutions[exercise]
        problem = ""
        if stub.passed:
            problem = "the stub PASSES its checks: they prove nothing"
        elif stub.status != V.NOT_STARTED:
            problem = f"the stub should read as not started, got {stub.status}: {stub.summary()}"
        elif not solution.passed:
            first = solution.first_failure
            problem = f"the solution fails: {first.title if first else solution.summary()}"
        ok &= not problem
        table.add_row(
            exercise.name,
            render.status_label(stub.status),
            render.status_label(solution.status),
            f"{solution.seconds:.2f} s",
            Text(problem, style="red"),
        )
    console.print(table)
    if ok:
        console.print(Text(f"All {len(chosen)} stubs fail and all solutions pass ({elapsed:.1f} s).", style="green"))
    else:
        console.print(Text("dev check found problems (see the last column).", style="bold red"))
    return ok
