"""The CSV gradebook: one row per student, one column per exercise, and the total."""

from __future__ import annotations

import csv
from pathlib import Path

from checker.instructor.grading import ClassGrades
from checker.instructor.text import clean, number


def _cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (a leading = + - @ is quoted)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t") else text


def rows(grades: ClassGrades) -> list[list[object]]:
    header = ["student", *(e.name for e in grades.exercises), "total", "max_total", "note"]
    table: list[list[object]] = [header]
    for student in grades.students:
        by_name = {e.exercise.name: e for e in student.exercises}
        table.append([
            _cell(student.student),
            *(number(by_name[e.name].score) for e in grades.exercises),
            number(student.score),
            number(student.max_score),
            _cell(clean(student.error or "", 300).replace("\n", " ")),
        ])
    return table


def write(grades: ClassGrades, out: Path) -> list[Path]:
    target = out / "grades.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows(grades))
    return [target]
