"""Tables and bars: the exercise list, progress bars, the verify table, the dev-check proof."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from checker.course.catalog import Catalog, Exercise
from checker.course.progress import Progress
from checker.engine.records import Status
from checker.engine.verdict import Verdict
from checker.ui.console import cut as _cut, sanitize
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


_SHORT_STATUS = {
    "not checked yet": "unchecked",
    "error on import": "import error",
    "used too much memory": "memory",
    "changed the checker's tools": "tampered",
    "file missing": "missing",
}


def _status_cell(status: Status, short: bool) -> Text:
    label = status_label(status)
    if short:
        mark, _, words = label.plain.partition(" ")
        label = Text(f"{mark} {_SHORT_STATUS.get(words, words)}", style=label.style)
    return label


def exercise_table(catalog: Catalog, progress: Progress, current: str | None, width: int = 100) -> Table:
    """Every exercise by week with its status (and its file, when there is room)."""
    names = max(len(e.name) for e in catalog.exercises) + 2  # the name and the current one's ◀
    files = max(len(e.file) for e in catalog.exercises)
    borders = 3 * 4 + 1  # four columns: "│ " + " " each, and the last "│"
    short = False
    for short in (False, True):  # short status words when the long ones leave the title too little room
        labels = {e.name: _status_cell(progress.status_of(e.name), short) for e in catalog.exercises}
        statuses = max(max(len(label.plain) for label in labels.values()), len("status"))
        title_width = width - (names + statuses + files + borders)
        if title_width >= 24:
            break
    show_files = title_width >= 12  # the file is what a learner opens: the title gives way first
    if not show_files:
        title_width = width - (names + statuses + borders - 3)
    table = Table(title="Exercises", title_justify="left", expand=False)
    table.add_column("exercise", no_wrap=True, min_width=names)
    table.add_column("status", no_wrap=True, min_width=statuses)
    table.add_column("title", no_wrap=True, overflow="ellipsis", max_width=max(8, title_width))
    if show_files:
        table.add_column("file (in exercises/)", style="dim", no_wrap=True, min_width=files)
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
        cells = [name, labels[exercise.name], Text(exercise.title)]
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


# --------------------------------------------------------------------------- screens that fit


def _window(count: int, selected: int, rows: int) -> range:
    """`rows` consecutive indices out of `count` with `selected` among them (centred when possible)."""
    rows = max(1, rows)
    if count <= rows:
        return range(count)
    start = min(max(0, selected - rows // 2), count - rows)
    return range(start, start + rows)


def exercise_lines(
    exercises: list[Exercise],
    progress: Progress,
    current: str | None,
    selected: int,
    rows: int,
    width: int,
    filter_text: str = "",
) -> Text:
    """The interactive list: one line per exercise, the selected one highlighted, `rows` lines at most."""
    text = Text()
    name_width = max((len(e.name) for e in exercises), default=4)
    status_width = 17
    shown = _window(len(exercises), selected, rows - 1)
    heading = f"Exercises {selected + 1 if exercises else 0}/{len(exercises)}"
    if filter_text:
        heading += f"  filter: {filter_text}"
    if shown and shown.start > 0:
        heading += f"  ↑ {shown.start} more"
    text.append(_cut(heading, width), style="bold")
    for index in shown:
        exercise = exercises[index]
        mine = index == selected
        pointer = "▶ " if mine else "  "
        marker = "◀" if exercise.name == current else " "
        label = status_label(progress.status_of(exercise.name))
        title_width = width - (2 + 3 + name_width + 1 + 1 + status_width + 1)
        line = Text("\n")
        line.append(pointer, style="bold cyan")
        line.append(f"w{exercise.week} ", style="dim")
        line.append(exercise.name.ljust(name_width), style="bold" if mine else "")
        line.append(marker + " ", style="cyan")
        line.append_text(Text(_cut(label.plain, status_width).ljust(status_width), style=label.style))
        if title_width >= 8:
            line.append(" " + _cut(exercise.title, title_width), style="reverse" if mine else "")
        text.append_text(line)
    hidden_below = len(exercises) - (shown.stop if shown else 0)
    if hidden_below > 0:
        text.append(f"\n  ↓ {hidden_below} more", style="dim")
    if not exercises:
        text.append("\n  no exercise matches", style="yellow")
    return text


def results_fit(rows: list[tuple[Exercise, Verdict]], height: int, width: int, title: str = "All exercises") -> Text:
    """A check-all's outcome in at most `height` lines: the summary, then the exercises that do not pass."""
    passed = [e for e, r in rows if r.passed]
    others = [(e, r) for e, r in rows if not r.passed]
    total_time = sum(r.seconds for _, r in rows)
    text = Text(_cut(f"{title}: {len(passed)}/{len(rows)} pass ({total_time:.1f} s of checks)", width), style="bold")
    name_width = max((len(e.name) for e, _ in others), default=4)
    room = max(1, height - 1)
    for count, (exercise, result) in enumerate(others):
        if count == room - 1 and len(others) > room:
            more = f"… and {len(others) - count} more that do not pass (`dlx verify all` lists them all)"
            text.append("\n  " + _cut(more, width - 2), style="dim")
            break
        label = status_label(result.status)
        first = "" if result.status == Status.NOT_STARTED else sanitize(result.summary()).replace("\n", " ")
        line = Text("\n  ")
        line.append(exercise.name.ljust(name_width) + " ")
        line.append_text(Text(label.plain.ljust(14), style=label.style))
        rest = width - (2 + name_width + 1 + 14 + 1)
        if first and rest >= 10:
            line.append(" " + _cut(first, rest), style="dim")
        text.append_text(line)
    if not others and rows:
        text.append("\n  every exercise passes", style="green")
    return text


def plain_exercise_list(catalog: Catalog, progress: Progress, current: str | None) -> str:
    """`dlx list` in a pipe: plain aligned text, every column, no colour, no box drawing."""
    rows = [("week", "exercise", "status", "title", "file (in exercises/)")]
    for exercise in catalog.exercises:
        name = exercise.name + (" *" if exercise.name == current else "")
        rows.append((str(exercise.week), name, status_label(progress.status_of(exercise.name)).plain, exercise.title, exercise.file))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    done = sum(e.name in progress.done for e in catalog.exercises)
    lines.append(f"{done}/{len(catalog.exercises)} done; * marks the current exercise")
    return "\n".join(lines)


def check_progress(console, total: int):
    """A rich progress bar for a run of `total` checks: done/total and how many pass so far.

    Use as a context manager; call `.advance(passed: bool)` as each finishes, and `.training(exercise, record)`
    while a training check reports its progress (a second row under the first: its epochs, figures, time left).
    """
    from rich.progress import BarColumn, Progress as Bar, TextColumn, TimeElapsedColumn

    from checker.ui.training import progress_count, progress_details

    class _Counter:
        def __init__(self):
            self.bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(bar_width=24),
                TextColumn("{task.fields[counts]}"),
                TextColumn("{task.fields[last]}", style="dim"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self.task = self.bar.add_task("checking", total=total, counts=f"0/{total} done, 0 pass", last="")
            self.passed = self.done = 0
            self.training_task, self.training_name = None, None

        def __enter__(self):
            self.bar.__enter__()
            return self

        def __exit__(self, *exc):
            return self.bar.__exit__(*exc)

        def advance(self, name: str, passed: bool) -> None:
            self.passed += bool(passed)
            self.done += 1
            self.bar.update(self.task, advance=1, counts=f"{self.done}/{total} done, {self.passed} pass", last=name)
            if self.training_task is not None and self.training_name == name:
                self.bar.remove_task(self.training_task)
                self.training_task = self.training_name = None

        def training(self, exercise, record) -> None:
            """A training check (run alone) reports its progress: shown on a row of its own."""
            if self.training_task is not None and self.training_name != exercise.name:
                self.bar.remove_task(self.training_task)
                self.training_task = None
            if self.training_task is None:
                self.training_name = exercise.name
                self.training_task = self.bar.add_task(f"  {exercise.name}", total=record.total, counts="", last="")
            room = max(10, console.width - 24 - len(exercise.name) - 30)
            details = " · ".join(progress_details(record))
            self.bar.update(self.training_task, completed=record.step, total=record.total,
                            counts=progress_count(record), last=details if len(details) <= room else details[:room])

    return _Counter()
