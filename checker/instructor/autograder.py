"""Grading on the graders instructors already use: one container per submission.

`gradescope_bundle` writes the zip Gradescope's autograder takes: `setup.sh` (run
once, as root, when Gradescope builds the image) installs dlx from a wheel built from
this repository into its own virtual environment; `run_autograder` (run for every
submission, in /autograder) calls `dlx grade /autograder/submission --format
gradescope`, which writes /autograder/results/results.json.  `github_workflow` is a
GitHub Actions (and Classroom) workflow that grades a student's repository and
uploads the JUnit report.

Both grade with the catalog packaged in the installed dlx (`--packaged-course`),
never with a catalog in the student's files, so a student cannot change points,
time limits or memory limits.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DEFAULT_VENV = "/opt/dlx"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
# dlx needs Python 3.11 or newer: pick a base image that has it (Ubuntu 24.04 has 3.12).
# DLX_VENV, DLX_VENV_OPTIONS and DLX_PIP_OPTIONS exist so the bundle can be tried offline.
set -euo pipefail
HERE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
DLX_VENV="${{DLX_VENV:-{venv}}}"
if ! python3 -m venv ${{DLX_VENV_OPTIONS:-}} "$DLX_VENV"; then
    apt-get install -y python3-venv
    python3 -m venv ${{DLX_VENV_OPTIONS:-}} "$DLX_VENV"
fi
"$DLX_VENV/bin/python" -m pip install ${{DLX_PIP_OPTIONS:-}} "$HERE"/{wheel}
"$DLX_VENV/bin/dlx" --version
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission (copied to /autograder/run_autograder).
# dlx grades the submitted files afresh and writes results/results.json; should dlx
# itself fail, a zero with the reason is written instead, so the student sees why.
set -uo pipefail
ROOT="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
DLX_VENV="${{DLX_VENV:-{venv}}}"
unset DLX_WORKSPACE
mkdir -p "$ROOT/results"
cd "$ROOT"
"$DLX_VENV/bin/dlx" grade "$ROOT/submission" --as-one --packaged-course --format gradescope --out "$ROOT/results"{options}
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    printf '{{"score": 0, "output": "The autograder could not grade this submission (dlx exited with %s). Please tell your instructor.", "output_format": "text", "stdout_visibility": "hidden", "tests": []}}\\n' "$status" > "$ROOT/results/results.json"
fi
exit 0
"""

README = """dlx autograder for Gradescope
=============================

Upload this zip as the autograder of a programming assignment (base image: Ubuntu
24.04 or any image with Python 3.11+).  Students submit their exercise files: the
workspace folder, its exercises/ folder, or the files themselves; a zip of any of
these works too.  Each exercise's points and visibility come from exercises/info.toml
as it was when this bundle was made ({selection}).
"""

GITHUB_WORKFLOW = """# Grades this repository's exercises with dlx on every push and uploads the reports.
# Made by `dlx dev autograder --github`.  For GitHub Classroom, add it to the
# assignment's template repository; the score is in the job summary and in
# dlx-grades/report.json, the JUnit report in dlx-grades/junit.xml.
name: dlx grade
on:
  push:
  workflow_dispatch:
permissions:
  contents: read
jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install dlx
        # The course's own dlx, not the student's copy: the checks and the points come from it.
        run: python -m pip install {install}
      - name: Grade
        run: dlx grade . --as-one --packaged-course --format junit --format json --format csv --out dlx-grades{options}
      - name: Score
        if: always()
        run: |
          python -c "import json; r = json.load(open('dlx-grades/report.json')); s = r['students'][0]; print(f\\"dlx score: {{s['score']}}/{{s['max_score']}}\\")" | tee -a "$GITHUB_STEP_SUMMARY"
      - name: Upload the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: dlx-grades
          path: dlx-grades/
"""


class AutograderError(Exception):
    """The bundle could not be made; the message says why."""


def _grade_options(only: tuple[str, ...], jobs: int | None) -> str:
    options = "".join(f" --only {shlex.quote(selector)}" for selector in only)
    return options + (f" --jobs {int(jobs)}" if jobs else "")


def build_wheel(repo: Path, destination: Path) -> Path:
    """A wheel of the dlx source tree at `repo` (the course, its checks and its info.toml inside)."""
    if not (repo / "pyproject.toml").is_file():
        raise AutograderError(f"{repo} is not the course's source tree (no pyproject.toml): run this from a clone of it, or pass --wheel.")
    destination.mkdir(parents=True, exist_ok=True)
    base = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(destination), str(repo)]
    attempts = [base[:5] + ["--no-build-isolation"] + base[5:], base]  # offline first, then with an isolated build
    errors = []
    for command in attempts:
        result = subprocess.run(command, capture_output=True, text=True)
        wheels = sorted(destination.glob("dlx-*.whl"))
        if result.returncode == 0 and wheels:
            return wheels[-1]
        errors.append(result.stderr.strip()[-800:])
    raise AutograderError("could not build the dlx wheel:\n" + "\n".join(errors))


def gradescope_bundle(target: Path, repo: Path, *, wheel: Path | None = None, only: tuple[str, ...] = (),
                      jobs: int | None = None, venv: str = DEFAULT_VENV) -> Path:
    """Write Gradescope's autograder zip to `target`: setup.sh, run_autograder, the wheel, a README."""
    with tempfile.TemporaryDirectory(prefix="dlx-autograder-") as scratch:
        wheel = Path(wheel) if wheel else build_wheel(repo, Path(scratch))
        if not wheel.is_file():
            raise AutograderError(f"{wheel} does not exist")
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        options = _grade_options(only, jobs)
        files = {
            "setup.sh": SETUP_SH.format(venv=venv, wheel=shlex.quote(wheel.name)),
            "run_autograder": RUN_AUTOGRADER.format(venv=venv, options=options),
            "README.txt": README.format(selection=", ".join(only) if only else "all exercises"),
        }
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, text in files.items():
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = (0o100755 if name != "README.txt" else 0o100644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, text)
            bundle.write(wheel, wheel.name)
    return target


def github_workflow(*, install: str, only: tuple[str, ...] = (), jobs: int | None = None) -> str:
    """The GitHub Actions workflow's text; `install` is what pip installs (the course's dlx)."""
    return GITHUB_WORKFLOW.format(install=shlex.quote(install), options=_grade_options(only, jobs))
