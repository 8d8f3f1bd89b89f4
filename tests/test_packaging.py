"""The package carries the whole course, and numpy exercises never import TensorFlow."""

import json
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest

from checker.course.catalog import CHECKS_DIR
from tests.helpers import CATALOG, REPO, SOLUTIONS


@pytest.mark.slow
def test_wheel_contains_the_course_and_the_checks(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = tmp_path.glob("dlx-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "checker/_course/exercises/info.toml" in names
    for exercise in CATALOG.exercises:
        assert f"checker/_course/exercises/{exercise.file}" in names
        assert f"checker/_course/solutions/{exercise.file}" in names
        assert f"checker/checks/{exercise.check_path}" in names
    shipped = [f.name for f in (REPO / "data").iterdir() if f.is_file() and f.suffix != ".py"]
    assert len(shipped) >= 14  # every data file and licence of weeks 1-6, and data/README.md
    for data in shipped:
        assert f"checker/_course/data/{data}" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "dlx = checker.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_numpy_exercises_never_import_tensorflow(tmp_path):
    """Run every numpy exercise's checks on its solution in one process and look at sys.modules."""
    jobs = []
    numpy_exercises = [e for e in CATALOG.exercises if not e.tensorflow]
    assert len(numpy_exercises) >= 12
    for exercise in numpy_exercises:
        workdir = tmp_path / exercise.name
        workdir.mkdir()
        jobs.append({"target": str(SOLUTIONS / exercise.file), "check": str(CHECKS_DIR / exercise.check_path),
                     "module_name": f"dlx_exercise_{exercise.name}", "token": "t", "workdir": str(workdir)})
    report = tmp_path / "modules.json"
    script = textwrap.dedent(
        f"""
        import io, json, sys
        from checker.channel.local_end import LocalEnd
        from checker.engine.records import Job
        from checker.judge.__main__ import run_job
        from checker.sandbox import operations
        codes = []
        for job in json.loads({json.dumps(json.dumps(jobs))}):
            end = LocalEnd()
            operations.register(end, limit=False)
            codes.append(run_job(Job(**job), io.BytesIO(), end))
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "torch", "jax"))
        open({str(report)!r}, "w").write(json.dumps({{"codes": codes, "heavy": heavy}}))
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True, capture_output=True, env=dict(os.environ))
    outcome = json.loads(report.read_text())
    failed = {e.name: code for e, code in zip(numpy_exercises, outcome["codes"]) if code != 0}
    assert failed == {}, f"these solutions did not pass in one process: {failed}"
    assert outcome["heavy"] == []
