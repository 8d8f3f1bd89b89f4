"""JUnit XML, the report CI systems read: a testsuite per exercise, a testcase per check.

The learner-facing message of a failing check is its failure text.  A run that
never finished (timeout, memory, crash, tampering, a missing file) is one testcase
with an <error>, and the checks it may have reported are left out: they are not
evidence.  With several students a suite is named `student.exercise`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from checker.engine.records import ProblemKind, Status
from checker.instructor.grading import ClassGrades
from checker.instructor.points import FINISHED
from checker.instructor.text import clean, number


def _suite(parent: ET.Element, suite_name: str, student: str, scored) -> dict[str, int]:
    exercise, verdict = scored.exercise, scored.verdict
    classname = f"{student}.week{exercise.week}.{exercise.name}"
    suite = ET.SubElement(parent, "testsuite", name=clean(suite_name, 200))
    properties = ET.SubElement(suite, "properties")
    for key, value in (("student", student), ("exercise", exercise.name), ("status", verdict.status.value),
                       ("score", number(scored.score)), ("max_score", number(scored.max_score))):
        ET.SubElement(properties, "property", name=key, value=clean(value, 200))
    counts = {"tests": 0, "failures": 0, "errors": 0}
    if verdict.status in FINISHED and verdict.checks:
        for check in verdict.checks:
            case = ET.SubElement(suite, "testcase", classname=classname, name=clean(check.name, 200), time=f"{check.seconds:.3f}")
            counts["tests"] += 1
            if not check.passed:
                counts["failures"] += 1
                kind = "not_started" if check.kind == ProblemKind.NOT_IMPLEMENTED else (check.kind.value if check.kind else "check")
                failure = ET.SubElement(case, "failure", message=clean(check.title, 300), type=kind)
                failure.text = clean(check.message or check.title)
    else:
        case = ET.SubElement(suite, "testcase", classname=classname, name=exercise.name, time=f"{verdict.seconds:.3f}")
        counts["tests"] += 1
        if verdict.status is not Status.PASSED:
            counts["errors"] += 1
            error = ET.SubElement(case, "error", message=clean(verdict.summary(), 300), type=verdict.status.value)
            error.text = clean(verdict.message or verdict.summary())
    if verdict.output:
        ET.SubElement(suite, "system-out").text = clean(verdict.output)
    suite.set("tests", str(counts["tests"]))
    suite.set("failures", str(counts["failures"]))
    suite.set("errors", str(counts["errors"]))
    suite.set("skipped", "0")
    suite.set("time", f"{verdict.seconds:.3f}")
    return counts


def document(grades: ClassGrades) -> ET.ElementTree:
    root = ET.Element("testsuites", name="dlx grade")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    several = len(grades.students) > 1
    for student in grades.students:
        for scored in student.exercises:
            name = f"{student.student}.{scored.exercise.name}" if several else scored.exercise.name
            for key, value in _suite(root, name, student.student, scored).items():
                totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{grades.seconds:.3f}")
    ET.indent(root)
    return ET.ElementTree(root)


def write(grades: ClassGrades, out: Path) -> list[Path]:
    target = out / "junit.xml"
    target.parent.mkdir(parents=True, exist_ok=True)
    document(grades).write(target, encoding="utf-8", xml_declaration=True)
    return [target]
