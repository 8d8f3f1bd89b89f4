"""Gradescope's results.json, one per submission.

Fields as Gradescope's autograder specification documents them: top level `score`,
`execution_time` (seconds), `output`, `output_format`, `test_output_format`,
`test_name_format`, `stdout_visibility`, `tests`; each test `name`, `score`,
`max_score`, `status` ("passed" / "failed"), `output`, `visibility` ("visible",
"hidden", "after_due_date", "after_published").  Every text is plain ("text"
format), so nothing a learner's code wrote is rendered as HTML or Markdown.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from checker.instructor.grading import ClassGrades, StudentGrade
from checker.instructor.points import ExerciseScore
from checker.instructor.text import clean, number


def _exercise_output(scored: ExerciseScore) -> str:
    verdict = scored.verdict
    lines = [f"{verdict.status.value}: {verdict.summary()}"]
    for check in verdict.checks:
        lines.append(f"  {'✓' if check.passed else '✗'} {check.title}")
    if not verdict.passed and verdict.message:
        lines += ["", verdict.message]
    return clean("\n".join(lines))


def _tests(scored: ExerciseScore) -> list[dict]:
    exercise = scored.exercise
    label = f"week{exercise.week} · {exercise.name}: {exercise.title}"
    if not scored.checks:
        return [{
            "name": clean(label, 300),
            "score": number(scored.score),
            "max_score": number(scored.max_score),
            "status": "passed" if scored.passed else "failed",
            "output": _exercise_output(scored),
            "visibility": exercise.visibility,
        }]
    return [
        {
            "name": clean(f"week{exercise.week} · {exercise.name}: {check.title}", 300),
            "score": number(check.score),
            "max_score": number(check.max_score),
            "status": "passed" if check.passed else "failed",
            "output": clean("passed" if check.passed else check.message or "failed"),
            "visibility": check.visibility,
        }
        for check in scored.checks
    ]


def results(student: StudentGrade) -> dict:
    """One submission's results.json as a dict."""
    passed = sum(e.passed for e in student.exercises)
    summary = f"dlx graded {len(student.exercises)} exercise(s): {passed} pass. Score {number(student.score)}/{number(student.max_score)}."
    if student.error:
        summary = f"The submission could not be read: {student.error}\n{summary}"
    return {
        "score": number(student.score),
        "execution_time": math.ceil(student.seconds),
        "output": clean(summary),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "stdout_visibility": "hidden",
        "tests": [test for scored in student.exercises for test in _tests(scored)],
    }


def write(grades: ClassGrades, out: Path) -> list[Path]:
    """out/results.json for one submission; out/<student>/results.json for several."""
    written = []
    for student in grades.students:
        target = out / "results.json" if len(grades.students) == 1 else out / student.student / "results.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(results(student), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    return written
