"""Throughput and memory of `dlx grade` on a class, with one and with two check processes at once.

    python benchmarks/grading.py [--submissions 20] [--weeks 1 --weeks 2 --weeks 3] [--jobs 1 --jobs 2]
    python benchmarks/grading.py --submissions 5 --weeks 1          # a quick run: one of each kind

Builds a class in a temporary folder, the way tests/test_grade.py builds its
class, in turn: reference solutions (in a workspace layout), untouched stubs
(flat files), half done (weekN/ folders, every other exercise solved), typical
mistakes (each exercise's reference solution with one mistake the project's own
tests inject and expect to fail, taken from tests/weekN/test_reference_*.py;
the reference solution where none is known) and a zip of the reference
solutions.  Then it runs the whole `dlx grade` command on the class once per
--jobs value, in the same run.  Prints for each: wall time, submissions per
minute, the peak memory of the dlx process tree (dlx and every check process it
started, summed, sampled every 0.1 s from /proc), the mean score of each kind of
submission (a sanity check of the class) and the load average; then the
speed-up between the first and the last.  Asserts nothing.
"""

from __future__ import annotations

import argparse
import ast
import csv
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from checker.course import catalog  # noqa: E402
from machine import load, tree_rss_mb  # noqa: E402  (benchmarks/machine.py, beside this script)

KINDS = ("solved", "stubs", "half", "mistakes", "zipped")


def _mutations(path: Path) -> list[tuple[str, str, str]]:
    """(exercise, old, new) of each `mutate(...)` in a test function that expects the verdict "failed"."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    constants: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                pass
    found = []
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        text = ast.get_source_segment(source, function) or ""
        if '"failed"' not in text:
            continue
        names = dict(constants)
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                try:
                    value = ast.literal_eval(node.value)
                except (ValueError, TypeError, SyntaxError, RecursionError):
                    continue
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    names[target.id] = value
                elif isinstance(target, ast.Tuple) and isinstance(value, tuple) and len(value) == len(target.elts):
                    names.update({e.id: v for e, v in zip(target.elts, value) if isinstance(e, ast.Name)})
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "mutate" and len(node.args) == 4:
                values = []
                for argument in node.args:
                    try:
                        values.append(names.get(argument.id) if isinstance(argument, ast.Name) else ast.literal_eval(argument))
                    except (ValueError, TypeError, SyntaxError, RecursionError):
                        values.append(None)
                if all(isinstance(values[i], str) for i in (0, 2, 3)):
                    found.append((values[0], values[2], values[3]))
    return found


def mistakes(exercises: list[catalog.Exercise]) -> dict[str, str]:
    """exercise name -> its reference solution with one typical mistake, for those the project's tests know one of."""
    known: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((REPO / "tests").glob("week*/test_*.py")):
        for name, old, new in _mutations(path):
            known.setdefault(name, []).append((old, new))
    out = {}
    for exercise in exercises:
        source = (REPO / "solutions" / exercise.file).read_text(encoding="utf-8")
        for old, new in known.get(exercise.name, []):
            if old in source:
                out[exercise.name] = source.replace(old, new, 1)
                break
    return out


def build_class(room: Path, exercises: list[catalog.Exercise], students: int) -> dict[str, str]:
    """Write the class; return each student's kind."""
    wrong = mistakes(exercises)
    kinds = {}
    for number in range(students):
        kind = KINDS[number % len(KINDS)]
        student = f"student{number:03d}"
        kinds[student] = kind
        members = {}
        for position, exercise in enumerate(exercises):
            solved = kind in ("solved", "zipped") or (kind == "half" and position % 2 == 0)
            text = ((REPO / "solutions" if solved else REPO / "exercises") / exercise.file).read_text(encoding="utf-8")
            if kind == "mistakes":
                text = wrong.get(exercise.name, (REPO / "solutions" / exercise.file).read_text(encoding="utf-8"))
            relative = {"solved": f"exercises/{exercise.file}", "stubs": Path(exercise.file).name}.get(kind, exercise.file)
            members[str(relative)] = text
        if kind == "zipped":
            room.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(room / f"{student}.zip", "w") as archive:
                for name, text in members.items():
                    archive.writestr(f"my-course/exercises/{name}", text)
            continue
        for name, text in members.items():
            target = room / student / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return kinds






def grade_once(room: Path, out: Path, only: list[str], jobs: int) -> tuple[float, float, int]:
    command = [sys.executable, "-m", "checker", "-C", str(REPO), "grade", str(room), "--jobs", str(jobs),
               "--out", str(out), "--format", "csv", "--format", "json", *(part for s in only for part in ("--only", s))]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ, NO_COLOR="1"))
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        print(process.stderr.read().decode()[-2000:])
    return elapsed, peak, process.returncode


def mean_scores(out: Path, kinds: dict[str, str]) -> str:
    """Mean total / max per kind of submission, from the CSV gradebook."""
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_kind: dict[str, list[float]] = {}
    for row in rows:
        by_kind.setdefault(kinds.get(row["student"], "?"), []).append(float(row["total"]) / float(row["max_total"]))
    return ", ".join(f"{kind} {sum(v) / len(v):.0%}" for kind, v in sorted(by_kind.items(), key=lambda kv: KINDS.index(kv[0])
                                                                        if kv[0] in KINDS else 99))


def surprises(out: Path, kinds: dict[str, str]) -> str:
    """Statuses of the reference solutions that are not "passed" (a timeout under load, say)."""
    import json
    from collections import Counter

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    odd = Counter(f"{e['name']} {e['status']}" for s in report["students"] if kinds.get(s["student"]) in ("solved", "zipped")
                  for e in s["exercises"] if e["status"] != "passed")
    return ", ".join(f"{what} x{n}" for what, n in sorted(odd.items())) or "none"




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", "--students", dest="students", type=int, default=20)
    parser.add_argument("--weeks", type=int, action="append", default=None, help="default: 1, 2 and 3")
    parser.add_argument("--only", action="append", default=None, help="a dlx selection (exercise, weekN); overrides --weeks")
    parser.add_argument("--jobs", type=int, action="append", default=None, help="default: 1 and 2")
    args = parser.parse_args()
    only = args.only or [f"week{w}" for w in (args.weeks or [1, 2, 3])]
    jobs_list = args.jobs or [1, 2]
    info = catalog.load(REPO / "exercises" / "info.toml")
    exercises = [e for e in info.exercises if any(e in info.select(s) for s in only)]
    print(f"{args.students} submissions x {len(exercises)} exercises ({', '.join(only)}) = "
          f"{args.students * len(exercises)} check runs per pass; {os.cpu_count()} cores, {load()}")
    rates = []
    with tempfile.TemporaryDirectory(prefix="dlx-grading-bench-") as scratch:
        room = Path(scratch) / "class"
        kinds = build_class(room, exercises, args.students)
        known = len(mistakes(exercises))
        print(f"kinds in turn: {', '.join(KINDS)} (a typical mistake known for {known} of {len(exercises)} exercises)")
        for jobs in jobs_list:
            out = Path(scratch) / f"out-{jobs}"
            elapsed, peak, code = grade_once(room, out, only, jobs)
            rate = args.students / elapsed * 60
            rates.append(rate)
            print(f"--jobs {jobs}: {elapsed:7.1f} s   {rate:6.2f} submissions/min   peak memory {peak:7.0f} MiB"
                  f"   (exit {code})   {load()}")
            if (out / "grades.csv").is_file():
                print(f"          mean score by kind: {mean_scores(out, kinds)}")
                print(f"          reference solutions not passed: {surprises(out, kinds)}")
    if len(rates) > 1:
        print(f"speed-up --jobs {jobs_list[-1]} / --jobs {jobs_list[0]}: {rates[-1] / rates[0]:.2f}x")


if __name__ == "__main__":
    main()
