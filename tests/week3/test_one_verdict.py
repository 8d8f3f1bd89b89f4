"""One file, one verdict: a training check computes the same thing in every command.

Every check process gets the same maths threads (supervisor.THREADS), whatever
the shell or `--jobs` say; `check_many` runs the training exercises alone; the
checks report what they reached as figures (CheckRecord.figures), which reach
the verdict and the verify table.  The slow test at the end runs a training
exercise as `dlx run` does and as `dlx verify -j 2` does, and compares.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import cli
from checker.course import Course
from checker.engine import records as R
from checker.engine import supervisor
from checker.engine.grading import grade
from checker.engine.verdict import CheckResult, Verdict
from checker.testing import fmt_gap, report_figure
from checker.testing.figures import take_figures
from checker.ui import tables
from tests.helpers import CATALOG, SOLUTIONS

TRAINING = ["train_logreg", "mlp_numpy", "keras_mlp", "keras_cnn", "transfer"]


# ---------------------------------------------------------------- the catalog and the threads


def test_the_training_exercises_are_flagged():
    assert sorted(e.name for e in CATALOG.exercises if e.training and e.week <= 3) == sorted(TRAINING)


def test_every_check_process_gets_the_same_threads_whatever_the_shell_says(monkeypatch):
    proc_environ = Path("/proc/self/environ")
    if not proc_environ.exists():
        pytest.skip("reads a child's environment from /proc")
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "1")
    process = supervisor.CheckProcess()
    try:
        env = dict(item.split("=", 1) for item in
                   Path(f"/proc/{process.pid}/environ").read_text(errors="replace").split("\0") if "=" in item)
    finally:
        process.kill()
    for name in supervisor.THREAD_VARIABLES:
        assert env[name] == str(supervisor.THREADS), (name, env.get(name))


def test_check_many_runs_training_exercises_alone(monkeypatch):
    """With --jobs 2, the other exercises run two at a time; a training one never has company."""
    course = Course.__new__(Course)  # only check_many is exercised: check() is replaced below
    running: set[str] = set()
    overlaps: dict[str, set[str]] = {}
    lock = threading.Lock()

    def fake_check(exercise, target=None, process=None, on_progress=None):
        with lock:
            running.add(exercise.name)
            for name in running:
                overlaps.setdefault(name, set()).update(running - {name})
        time.sleep(0.05)
        with lock:
            running.discard(exercise.name)
        return Verdict(exercise.name, R.Status.PASSED)

    monkeypatch.setattr(course, "check", fake_check, raising=False)
    chosen = CATALOG.in_week(2) + CATALOG.in_week(3)
    results = course.check_many(chosen, jobs=2)
    assert [e.name for e, _ in results] == [e.name for e in chosen]  # catalog order, whatever ran first
    for exercise in chosen:
        if exercise.training:
            assert not overlaps.get(exercise.name), (exercise.name, overlaps.get(exercise.name))
    assert any(overlaps.get(e.name) for e in chosen if not e.training)  # the others did run side by side


# ---------------------------------------------------------------- figures: toolkit -> record -> verdict -> table


def test_a_checks_figures_travel_in_its_record_and_reach_the_verdict():
    take_figures()
    report_figure("accuracy", 0.8612)
    record = R.CheckRecord("test_acc", "reaches 0.82", R.Outcome.PASSED, 1.0, None, take_figures())
    parsed = R.parse_record(R.record_line(record, "tok"), "tok")
    assert parsed.figures == {"accuracy": 0.8612}
    records = [R.Loaded(None), R.Collected(1, ["test_acc"]), parsed, R.Done(1)]
    verdict = grade("keras_cnn", records, timed_out=False, timeout=10, returncode=0)
    assert verdict.passed and verdict.figures == {"accuracy": 0.8612}
    assert take_figures() == {}  # taken once: the next check starts with none


@pytest.mark.parametrize("figures", [[1, 2], {"a": "0.9"}, {"a": float("nan")}, {str(i): 0.5 for i in range(9)}])
def test_figures_that_are_not_a_few_finite_numbers_damage_the_report(figures):
    line = R.record_line(R.CheckRecord("t", "t", R.Outcome.PASSED), "tok").replace('"figures": {}', f'"figures": {_json(figures)}')
    with pytest.raises(R.Malformed):
        R.parse_record(line, "tok")


def _json(value):
    import json

    return json.dumps(value)


def test_a_gap_is_printed_with_enough_digits():
    assert fmt_gap(0.8396, 0.84) == "0.8396 < 0.84"
    assert fmt_gap(0.751, 0.84) == "0.751 < 0.84"
    assert fmt_gap(0.83996, 0.84) == "0.83996 < 0.84"


def test_the_verify_table_says_what_to_fix_and_what_training_reached():
    from rich.console import Console

    failing = CheckResult("test_x", "dense_backward on the same 2×3 example", False, R.ProblemKind.CHECK,
                          "dense_backward dW is not right.\nexpected: ...\nLikely mistake: dW divided by the batch size N.")
    trained = CheckResult("test_acc", "reaches 0.82", True, figures={"accuracy": 0.8612})
    rows = [
        (CATALOG.get("dense"), Verdict("dense", R.Status.FAILED, [failing], message=failing.message)),
        (CATALOG.get("keras_cnn"), Verdict("keras_cnn", R.Status.PASSED, [trained])),
    ]
    console = Console(width=200, record=True, color_system=None)
    console.print(tables.verify_table(rows))
    text = console.export_text()
    assert "dense_backward on the same 2×3 example" in text
    assert "Likely mistake: dW divided by the batch size N." in text
    assert "accuracy 0.8612" in text


# ---------------------------------------------------------------- run and verify -j 2 agree


@pytest.mark.slow
def test_run_and_verify_in_parallel_give_one_verdict_and_one_accuracy(tmp_path):
    """`dlx run keras_mlp` (Course.check, what it calls) and `dlx verify -j 2 keras_mlp mse`: same verdict, same accuracy."""
    from checker.course import workspace as ws

    workspace = ws.init(tmp_path / "course")
    for name in ("keras_mlp", "mse"):
        shutil.copy(SOLUTIONS / CATALOG.get(name).file, workspace.exercises_dir / CATALOG.get(name).file)
    course = Course.open(workspace)
    alone = course.check(course.catalog.get("keras_mlp"))  # what `dlx run keras_mlp` runs
    assert alone.passed, alone.message
    accuracy = alone.figures["accuracy"]

    result = CliRunner().invoke(cli, ["-C", str(workspace.root), "verify", "-j", "2", "keras_mlp", "mse"],
                                catch_exceptions=False)
    shown = re.findall(r"accuracy (\d\.\d{4})", result.output)
    assert shown == [f"{accuracy:.4f}"], result.output  # the same accuracy, to the digit shown
    assert result.exit_code == 0, result.output  # the same verdict: both pass
