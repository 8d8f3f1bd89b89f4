"""The JSON report: every verdict of every student, with its score, for any further tooling."""

from __future__ import annotations

import json
from pathlib import Path

from checker import __version__
from checker.instructor.grading import ClassGrades
from checker.instructor.text import clean, number


def report(grades: ClassGrades) -> dict:
    return {
        "dlx": __version__,
        "seconds": round(grades.seconds, 3),
        "exercises": [
            {"name": e.name, "week": e.week, "title": e.title, "points": number(e.points),
             "partial_credit": e.partial_credit, "visibility": e.visibility, "passing": grades.passing(e)}
            for e in grades.exercises
        ],
        "students": [
            {
                "student": s.student,
                "source": str(s.source),
                "error": s.error,
                "score": number(s.score),
                "max_score": number(s.max_score),
                "exercises": [
                    {
                        "name": e.exercise.name,
                        "status": e.verdict.status.value,
                        "score": number(e.score),
                        "max_score": number(e.max_score),
                        "seconds": round(e.verdict.seconds, 3),
                        "summary": clean(e.verdict.summary(), 300),
                        "message": clean(e.verdict.message),
                        "line": e.verdict.line,
                        "output": clean(e.verdict.output),
                        "output_bytes": e.verdict.output_bytes,
                        "checks": [
                            {"name": c.name, "title": clean(c.title, 300), "passed": c.passed,
                             "kind": c.kind.value if c.kind else None, "message": clean(c.message),
                             "line": c.line, "seconds": round(c.seconds, 3)}
                            for c in e.verdict.checks
                        ],
                    }
                    for e in s.exercises
                ],
            }
            for s in grades.students
        ],
    }


def write(grades: ClassGrades, out: Path) -> list[Path]:
    target = out / "report.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report(grades), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [target]
