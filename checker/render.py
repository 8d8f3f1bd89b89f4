"""Every rich renderable dlx shows: verdicts, progress, lists, hints, tables.

All learner-facing text goes through `Text` objects (never markup strings), so
brackets in numpy arrays and anything the learner printed are shown literally.
"""

from __future__ import annotations

import os
import re
import sys

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from checker import verdict as V
from checker.catalog import Catalog, Exercise
from checker.state import Progress
from checker.verdict import Verdict

STATUS_STYLE = {
    V.PASSED: ("✓", "green", "passed"),
    V.FAILED: ("✗", "red", "failing"),
    V.NOT_STARTED: ("·", "yellow", "not started"),
    V.SYNTAX_ERROR: ("✗", "red", "syntax error"),
    V.IMPORT_ERROR: ("✗", "red", "error on import"),
    V.TIMEOUT: ("⏱", "red", "timed out"),
    V.MEMORY: ("▲", "red", "used too much memory"),
    V.TAMPERED: ("✗", "red", "changed the checker's tools"),
    V.CRASHED: ("✗", "red", "crashed"),
    V.MISSING: ("?", "red", "file missing"),
    V.CANCELLED: ("·", "dim", "cancelled"),
    "pending": ("·", "dim", "not checked yet"),
}
SHOWN_OUTPUT_LINES = 30
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]")


def make_console() -> Console:
    """A console that drops colour in a pipe or when NO_COLOR is set."""
    no_color = bool(os.environ.get("NO_COLOR")) or not sys.stdout.isatty()
    return Console(no_color=no_color, highlight=False, emoji=False, soft_wrap=False)


def sanitize(text: str) -> str:
    """Strip terminal escape sequences and control characters a learner's code printed."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def status_label(status: str) -> Text:
    mark, style, words = STATUS_STYLE.get(status, ("?", "red", status))
    return Text(f"{mark} {words}", style=style)


def location(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


# --------------------------------------------------------------------------- verdicts


def verdict_panel(exercise: Exercise, result: Verdict, *, show_all: bool = False) -> Panel:
    """The verdict of one run: what failed and why (`where_line` says where to look)."""
    mark, style, words = STATUS_STYLE.get(result.status, ("?", "red", result.status))
    body = Text()
    if result.status == V.PASSED:
        body.append(f"All {result.n_total} checks pass. ", style="green")
        body.append("Well done!")
    elif result.status == V.NOT_STARTED:
        body.append("Not started yet. ", style="yellow bold")
        body.append("Open the file, read its docstring and replace the TODOs.\n")
        body.append(result.message, style="yellow")
    elif result.status in (V.FAILED,):
        failure = result.first_failure
        body.append(f"{result.n_passed} of {result.n_total} checks pass.\n", style="bold")
        if failure is not None:
            body.append("First failing check: ", style="bold")
            body.append(failure.title + "\n", style="bold red")
            body.append(failure.message)
    else:
        body.append(result.message)
    if show_all and result.status == V.FAILED:
        others = [c for c in result.checks if not c.passed][1:]
        if others:
            body.append("\n\nOther failing checks:", style="bold")
            for check in others:
                body.append(f"\n  ✗ {check.title}", style="red")
    if result.output_bytes:
        body.append("\n\nYour code printed:\n", style="bold")
        lines = sanitize(result.output).splitlines()
        body.append("\n".join(lines[:SHOWN_OUTPUT_LINES]), style="dim")
        if len(lines) > SHOWN_OUTPUT_LINES or result.output_truncated:
            body.append(f"\n… ({result.output_bytes:,} bytes in all; the rest is not shown)", style="dim")
    title = Text.assemble((f"{mark} ", style), (f"{exercise.name}", "bold"), f" — {exercise.title}")
    subtitle = f"{words} · {result.seconds:.2f} s" if result.seconds else words
    return Panel(body, title=title, title_align="left", subtitle=subtitle, subtitle_align="right", border_style=style)


def where_line(path: str, line: int | None, title: str = "") -> Text:
    """`→ path:line  title`: print with soft_wrap=True so terminals can make it a link."""
    return Text.assemble(("→ ", "bold"), (location(path, line), "cyan"), (f"  {title}" if title else ""))


def running_line(exercise: Exercise) -> Text:
    return Text(f"⋯ checking {exercise.name} …", style="cyan")


# --------------------------------------------------------------------------- progress


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
    """exercise · status · first failing check · time."""
    table = Table(title=title, title_justify="left")
    table.add_column("exercise")
    table.add_column("status")
    table.add_column("first failing check")
    table.add_column("time", justify="right")
    for exercise, result in rows:
        first = "" if result.status in (V.PASSED, V.NOT_STARTED) else result.summary()
        table.add_row(Text(exercise.name), status_label(result.status), Text(first), f"{result.seconds:.2f} s")
    return table


def hints_panel(exercise: Exercise, shown: int) -> Panel:
    """The first `shown` hints of an exercise."""
    body = Text()
    for number, hint in enumerate(exercise.hints[:shown], start=1):
        if number > 1:
            body.append("\n\n")
        body.append(f"Hint {number}/{len(exercise.hints)}: ", style="bold")
        body.append(hint)
    if shown >= len(exercise.hints):
        body.append("\n\nThat was the last hint.", style="dim")
    return Panel(body, title=Text(f"hints for {exercise.name}"), title_align="left", border_style="magenta")


def keys_line(passed: bool) -> Text:
    keys = [("n", "next"), ("h", "hint"), ("l", "list"), ("r", "re-run"), ("c", "check all"), ("x", "reset"), ("q", "quit")]
    text = Text()
    for key, words in keys:
        if key == "n" and not passed:
            continue
        text.append(f"[{key}]", style="bold cyan")
        text.append(f" {words}  ")
    return text


def message(text: str, style: str = "") -> Text:
    return Text(text, style=style)


def group(*items: RenderableType | None) -> Group:
    return Group(*(i for i in items if i is not None))
