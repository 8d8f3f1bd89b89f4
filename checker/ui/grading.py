"""`dlx grade`'s screen: a progress bar with counts while it runs, summary tables at the end."""

from __future__ import annotations

from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from checker.engine.verdict import Verdict
from checker.ui.console import sanitize
from checker.ui.verdicts import status_label


def _points(value: float) -> str:
    return f"{value:g}"


class GradingProgress:
    """A bar over every (student, exercise) run, with how many passed and how many did not."""

    def __init__(self, console: Console):
        self.passed = 0
        self.other = 0
        self._progress = Progress(
            TextColumn("[bold]grading"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[last]}", style="dim"),
            console=console,
            transient=False,
        )
        self._task = None

    def __enter__(self) -> "GradingProgress":
        self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.__exit__(*exc)

    def _counts(self) -> str:
        return f"✓ {self.passed}  ✗ {self.other}"

    def start(self, done: int, total: int) -> None:
        """Called once the submissions are read: `done` runs needed no check (missing files)."""
        self.other = done
        self._task = self._progress.add_task("grading", total=total, completed=done, counts=self._counts(), last="")

    def advance(self, done: int, total: int, student: str, exercise: str, verdict: Verdict) -> None:
        if verdict.passed:
            self.passed += 1
        else:
            self.other += 1
        if self._task is not None:
            self._progress.update(self._task, completed=done, counts=self._counts(),
                                  last=sanitize(f"{student} · {exercise}: {verdict.status.value}")[:60])


def summary(grades) -> Group:
    """Per exercise how many students pass; per student the score."""
    students = grades.students
    per_exercise = Table(title="Exercises", title_justify="left")
    for column in ("exercise", "week", "points", "students passing"):
        per_exercise.add_column(column, justify="left" if column == "exercise" else "right")
    for exercise in grades.exercises:
        per_exercise.add_row(exercise.name, str(exercise.week), _points(exercise.points),
                             f"{grades.passing(exercise)}/{len(students)}")
    per_student = Table(title="Students", title_justify="left")
    for column in ("student", "score", "exercises passing", "problems"):
        per_student.add_column(column, justify="right" if column in ("score", "exercises passing") else "left")
    for student in students:
        troubles: dict[str, int] = {}
        for scored in student.exercises:
            if not scored.passed:
                troubles[scored.verdict.status.value] = troubles.get(scored.verdict.status.value, 0) + 1
        note = Text(sanitize(student.error), style="red") if student.error else Text(", ".join(
            f"{count} {status_label(status).plain.split(' ', 1)[1]}" for status, count in troubles.items()))
        per_student.add_row(
            Text(sanitize(student.student)),
            f"{_points(student.score)}/{_points(student.max_score)}",
            f"{sum(e.passed for e in student.exercises)}/{len(student.exercises)}",
            note,
        )
    return Group(per_exercise, per_student)


def written(paths) -> Text:
    text = Text("Wrote ", style="green")
    text.append(", ".join(str(p) for p in paths))
    return text
