"""The autograders: Gradescope's bundle run locally in its layout, offline, from the wheel; the GitHub workflow's command."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import cli
from checker.course import workspace as ws
from tests.helpers import CATALOG, REPO, SOLUTIONS

MSE = CATALOG.get("mse")


@pytest.mark.slow
def test_gradescope_bundle_grades_a_submission_in_gradescopes_layout(tmp_path):
    bundle = tmp_path / "autograder.zip"
    made = CliRunner().invoke(cli, ["-C", str(REPO), "dev", "autograder", "--gradescope", str(bundle), "--only", "mse"],
                              catch_exceptions=False)
    assert made.exit_code == 0, made.output
    names = zipfile.ZipFile(bundle).namelist()
    assert {"setup.sh", "run_autograder"} <= set(names) and any(n.startswith("dlx-") and n.endswith(".whl") for n in names)

    # Gradescope's layout: /autograder/{source, submission, results}, run_autograder copied to the top.
    root = tmp_path / "autograder"
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            archive.extract(info, root / "source")
            os.chmod(root / "source" / info.filename, info.external_attr >> 16 & 0o777)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission" / "my-work").mkdir()
    shutil.copy(SOLUTIONS / MSE.file, root / "submission" / "my-work" / Path(MSE.file).name)

    # Offline: setup.sh installs the wheel alone into its venv; this test lends it the other packages.
    venv = tmp_path / "venv"
    python_dir = tmp_path / "bin"
    python_dir.mkdir()
    os.symlink(sys._base_executable, python_dir / "python3")
    env = {**os.environ, "PATH": f"{python_dir}{os.pathsep}{os.environ['PATH']}", "DLX_VENV": str(venv),
           "DLX_PIP_OPTIONS": "--no-deps --no-index --ignore-installed -q", "NO_COLOR": "1"}
    env.pop("DLX_WORKSPACE", None)
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (site,) = (venv / "lib").glob("python3*/site-packages")
    (site / "lend_test_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # click, numpy, ... (not dlx)
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True, timeout=120)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import checker; print(checker.__file__)"],
                           env=env, capture_output=True, text=True, cwd=tmp_path)
    assert str(venv) in where.stdout, where.stdout + where.stderr  # dlx comes from the wheel, not from this tree

    run = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True, text=True, cwd=root, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 1, results
    (test,) = results["tests"]
    assert test["status"] == "passed" and test["max_score"] == 1 and "mse" in test["name"]


def test_run_autograder_writes_a_zero_when_dlx_cannot_run(tmp_path):
    from checker.instructor.autograder import RUN_AUTOGRADER

    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    script = root / "run_autograder"
    script.write_text(RUN_AUTOGRADER.format(venv=tmp_path / "no-such-venv", options=""))
    script.chmod(0o755)
    run = subprocess.run([str(script)], capture_output=True, text=True, cwd=root, timeout=60)
    assert run.returncode == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "could not grade" in results["output"]


def test_github_workflow_grades_the_repository_with_the_packaged_catalog(tmp_path, monkeypatch):
    course = ws.init(tmp_path / "course")
    made = CliRunner().invoke(cli, ["-C", str(course.root), "dev", "autograder", "--github", "--only", "mse",
                                    "--install", "git+https://example.org/course.git"], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    workflow = (course.root / ".github" / "workflows" / "dlx-grade.yml").read_text()
    assert "actions/checkout@v4" in workflow and "actions/upload-artifact@v4" in workflow
    assert "python -m pip install git+https://example.org/course.git" in workflow
    (line,) = [l.strip() for l in workflow.splitlines() if l.strip().startswith("run: dlx grade")]
    args = shlex.split(line[len("run: dlx "):])

    # The student's repository: mse solved, and an info.toml edited to make it worth 100 points.
    student = tmp_path / "student"
    shutil.copytree(course.root / "exercises", student / "exercises")
    shutil.copy(SOLUTIONS / MSE.file, student / "exercises" / MSE.file)
    info = student / "exercises" / "info.toml"
    info.write_text(info.read_text().replace(f'file = "{MSE.file}"\n', f'file = "{MSE.file}"\npoints = 100\n', 1))
    monkeypatch.chdir(student)
    graded = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert graded.exit_code == 0, graded.output
    report = json.loads((student / "dlx-grades" / "report.json").read_text())
    assert report["students"][0]["score"] == report["students"][0]["max_score"] == 1  # the student's points are ignored
    assert (student / "dlx-grades" / "junit.xml").is_file()
