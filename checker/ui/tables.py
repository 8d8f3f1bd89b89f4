"""Tables and bars: the exercise list, progress bars, the verify table, the dev-check proof."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from checker.course.catalog import Catalog, Exercise
from checker.course.progress import Progress
from checker.engine.records import Status
from checker.engine.verdict import Verdict
from checker.ui.console import sanitize
from checker.ui.verdicts import status_label


def _bar(done: int, total: int, width: int = 24) -> str:
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def progress_block(catalog: Catalog, progress: Progress, current_week: int | None) -> Table:
    """One bar for the current week and one for the whole course."""
    table = Table.grid(padding=(0, 1))
    rows = []
    if current_week is not None:
        week = catalog.in_week(current_week)
        done = sum(e.name in progress.done for e in week)
        rows.append((f"Week {current_week}", done, len(week)))
    total_done = sum(e.name in progress.done for e in catalog.exercises)
    rows.append(("Course", total_done, len(catalog.exercises)))
    for label, done, total in rows:
        table.add_row(Text(label, style="bold"), Text(_bar(done, total), style="green"), Text(f"{done}/{total}"))
    return table


def exercise_table(catalog: Catalog, progress: Progress, current: str | None, width: int = 100) -> Table:
    """Every exercise by week with its status (and its file, when there is room)."""
    show_files = width >= 100
    table = Table(title="Exercises", title_justify="left", expand=False)
    table.add_column("exercise", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("title", min_width=20, ratio=1)
    if show_files:
        table.add_column("file (in exercises/)", style="dim", no_wrap=True)
    last_week = None
    for exercise in catalog.exercises:
        if exercise.week != last_week:
            if last_week is not None:
                table.add_section()
            last_week = exercise.week
            heading = [Text(f"Week {exercise.week}", style="bold"), Text(""), Text(catalog.weeks.get(exercise.week, ""), style="bold")]
            table.add_row(*heading, *([Text("")] if show_files else []))
        name = Text(exercise.name, style="bold" if exercise.name == current else "")
        if exercise.name == current:
            name.append(" ◀", style="cyan")
        cells = [name, status_label(progress.status_of(exercise.name)), Text(exercise.title)]
        table.add_row(*cells, *([Text(exercise.file)] if show_files else []))
    return table


def verify_table(rows: list[tuple[Exercise, Verdict]], title: str = "Results") -> Table:
    """exercise · status · first failing check, and under it what to fix · what training reached · time."""
    table = Table(title=title, title_justify="left")
    table.add_column("exercise")
    table.add_column("status")
    table.add_column("first failing check", min_width=20, ratio=1)
    reached = any(result.figures for _, result in rows)  # only where a training check reported what it reached
    if reached:
        table.add_column("reached", no_wrap=True)
    table.add_column("time", justify="right")
    for exercise, result in rows:
        cell = Text()
        if result.status not in (Status.PASSED, Status.NOT_STARTED):
            cell.append(sanitize(result.summary()))
            why = what_to_fix(result)
            if why:
                cell.append("\n" + sanitize(why), style="dim")
        figures = [Text(sanitize(figures_text(result.figures)))] if reached else []
        table.add_row(Text(exercise.name), status_label(result.status), cell, *figures, f"{result.seconds:.2f} s")
    return table


def what_to_fix(result: Verdict) -> str:
    """The likely mistake the failing check names, else the first line of its message ("" if it is the title)."""
    failure = result.first_failure
    message = failure.message if failure is not None and result.status is Status.FAILED else ""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    named = next((line for line in lines if "likely mistake" in line.lower()), None)
    line = named or (lines[0] if lines else "")
    if failure is not None and line == failure.title:
        return ""
    return line if len(line) <= 160 else line[:157] + "…"


def figures_text(figures: dict[str, float]) -> str:
    """What the training checks reached, e.g. "accuracy 0.8612"."""
    return "\n".join(f"{name} {value:.4f}" for name, value in figures.items())


def proof_table(proof) -> Table:
    """`dlx dev check`: exercise · stub · solution · solution time · problem."""
    table = Table(title="dlx dev check", title_justify="left")
    for column in ("exercise", "stub", "solution", "solution time", "problem"):
        table.add_column(column, justify="right" if column == "solution time" else "left")
    for row in proof.rows:
        table.add_row(row.exercise.name, status_label(row.stub.status), status_label(row.solution.status),
                      f"{row.solution.seconds:.2f} s", Text(sanitize(row.problem), style="red"))
    return table
