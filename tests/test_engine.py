"""The check engine end to end: a child process per run, graded in the parent."""

import json
import time

import pytest

from checker.engine import grading, supervisor as runner
from checker.engine.output import OUTPUT_CAP
from checker.course.catalog import CHECKS_DIR
from checker.engine.records import Status as V
from tests.conftest import pid_alive
from tests.helpers import CATALOG, EXERCISES, SOLUTIONS, run_source

MSE_CHECK = CHECKS_DIR / CATALOG.get("mse").check_path


def test_stub_is_not_started_and_points_at_its_line():
    verdict = runner.run_exercise("mse", EXERCISES / "week1/01_mse.py", MSE_CHECK, 10)
    assert verdict.status == V.NOT_STARTED
    assert "not written yet" in verdict.message
    assert verdict.n_passed == 0 and verdict.n_total > 0
    assert all(c.kind == "not_implemented" for c in verdict.checks)


def test_solution_passes_every_check():
    verdict = runner.run_exercise("mse", SOLUTIONS / "week1/01_mse.py", MSE_CHECK, 10)
    assert verdict.status == V.PASSED
    assert verdict.n_passed == verdict.n_total >= 5


def test_syntax_error_shows_the_learners_line(tmp_path):
    verdict = run_source(
        "mse",
        """\
        import numpy as np

        def mse_loss(X, y, w):
            return np.mean((X @ w - y) ** 2

        def mse_grad(X, y, w):
            pass
        """,
        tmp_path,
    )
    assert verdict.status == V.SYNTAX_ERROR
    assert verdict.line == 4
    assert "np.mean((X @ w - y) ** 2" in verdict.message
    assert "never closed" in verdict.message


def test_exception_traceback_is_trimmed_to_learner_frames(tmp_path):
    verdict = run_source(
        "mse",
        """\
        import numpy as np

        def helper(r):
            return r[100]

        def mse_loss(X, y, w):
            return helper(X @ w - y)

        def mse_grad(X, y, w):
            return 2 * X.T @ (X @ w - y) / len(y)
        """,
        tmp_path,
    )
    assert verdict.status == V.FAILED
    first = verdict.first_failure
    assert first.kind == "error"
    assert "IndexError" in first.message
    assert "in helper" in first.message and "in mse_loss" in first.message
    assert "checker" not in first.message  # no frames of the checker's internals
    assert first.line == 4
    # mse_grad is right, so its checks pass: partial progress is visible.
    assert verdict.n_passed > 0


def test_error_at_import_time(tmp_path):
    verdict = run_source("mse", "import numpy as np\nraise ValueError('boom at import')\n", tmp_path)
    assert verdict.status == V.IMPORT_ERROR
    assert "ValueError: boom at import" in verdict.message
    assert verdict.line == 2


def test_missing_function_is_named(tmp_path):
    verdict = run_source("mse", "def mse_loss(X, y, w):\n    return 0.0\n", tmp_path)
    assert verdict.status == V.FAILED
    assert any("has no `mse_grad`" in c.message for c in verdict.checks)


def test_returning_none_is_explained(tmp_path):
    verdict = run_source("mse", "def mse_loss(X, y, w):\n    (X @ w - y).mean()\ndef mse_grad(X, y, w):\n    pass\n", tmp_path)
    assert "returned None" in verdict.message and "return" in verdict.message


def test_infinite_loop_times_out_and_leaves_nothing_behind(tmp_path):
    pids = tmp_path / "pids.json"
    target = tmp_path / "loop.py"
    target.write_text(
        f"""
import json, os, subprocess, sys
def mse_loss(X, y, w):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open({str(pids)!r}, "w") as f:
        json.dump([os.getpid(), child.pid], f)
    while True:
        pass
def mse_grad(X, y, w):
    return None
"""
    )
    started = time.perf_counter()
    verdict = runner.run_exercise("mse", target, MSE_CHECK, timeout=2)
    elapsed = time.perf_counter() - started
    assert verdict.status == V.TIMEOUT
    assert "longer than 2 s" in verdict.message
    assert "infinite loop" in verdict.message
    assert elapsed < 2 + 2
    worker, grandchild = json.loads(pids.read_text())
    deadline = time.time() + 2
    while (pid_alive(worker) or pid_alive(grandchild)) and time.time() < deadline:
        time.sleep(0.05)
    assert not pid_alive(worker) and not pid_alive(grandchild)


@pytest.mark.parametrize("exit_call", ["os._exit(0)", "sys.exit(0)"])
def test_exiting_the_process_is_never_a_pass(tmp_path, exit_call):
    verdict = run_source(
        "mse",
        f"""\
        import os, sys
        def mse_loss(X, y, w):
            {exit_call}
        def mse_grad(X, y, w):
            {exit_call}
        """,
        tmp_path,
    )
    assert verdict.status != V.PASSED
    assert verdict.status in (V.CRASHED, V.FAILED)


def test_output_is_captured_and_capped(tmp_path):
    verdict = run_source(
        "mse",
        """\
        import numpy as np
        print("hello from the learner")
        def mse_loss(X, y, w):
            print("x" * 1_000_000)
            return float(np.mean((X @ w - y) ** 2))
        def mse_grad(X, y, w):
            return 2 * X.T @ (X @ w - y) / len(y)
        """,
        tmp_path,
    )
    assert verdict.status == V.PASSED
    assert verdict.output.startswith("hello from the learner")
    assert len(verdict.output.encode()) <= OUTPUT_CAP
    assert verdict.output_bytes > 4_000_000
    assert verdict.output_truncated


def test_missing_file_is_its_own_verdict(tmp_path):
    verdict = runner.run_exercise("mse", tmp_path / "gone.py", MSE_CHECK, 10)
    assert verdict.status == V.MISSING
    assert "dlx reset mse" in verdict.message


def test_cancel_stops_a_run(tmp_path):
    target = tmp_path / "slow.py"
    target.write_text("import time\ndef mse_loss(X, y, w):\n    time.sleep(60)\nmse_grad = mse_loss\n")
    process = runner.CheckProcess()
    import threading

    threading.Timer(0.8, process.cancel).start()
    started = time.perf_counter()
    verdict = process.run("mse", target, MSE_CHECK, timeout=30)
    assert verdict.status == V.CANCELLED
    assert time.perf_counter() - started < 5
    assert not pid_alive(process.proc.pid)


# --------------------------------------------------------------------------- grading alone


def _records(token="t"):
    return [
        {"event": "loaded", "error": None, "token": token},
        {"event": "collected", "count": 2, "names": ["a", "b"], "token": token},
        {"event": "check", "name": "a", "title": "A", "outcome": "passed", "token": token},
        {"event": "check", "name": "b", "title": "B", "outcome": "passed", "token": token},
        {"event": "done", "collected": 2, "token": token},
    ]


def _grade(records, token="t", **kwargs):
    """Grade a report made of these records (as the judge would write them)."""
    data = "\n".join(json.dumps(r) for r in records).encode()
    parsed, damage = grading.read_report(data, token)
    if damage is not None:
        return grading.damaged("x", damage)
    return grading.grade("x", parsed, **{"timed_out": False, "timeout": 1, "returncode": 0, **kwargs})


def test_grade_passes_only_complete_evidence():
    assert _grade(_records()).status == V.PASSED
    assert _grade(_records()[:-1]).status == V.CRASHED
    assert _grade([r for r in _records() if r.get("name") != "b"]).status == V.CRASHED
    assert _grade([]).status == V.CRASHED
    assert _grade(_records(), timed_out=True, returncode=-9).status == V.TIMEOUT


def test_records_without_the_runs_token_are_ignored():
    data = ("\n".join(json.dumps(r) for r in _records(token="forged")) + "\nnot json\n[1, 2]").encode()
    assert grading.read_report(data, "real") == ([], None)


@pytest.mark.parametrize("field, value", [("count", "2"), ("count", -1), ("names", "ab"), ("names", [1, 2])])
def test_a_malformed_record_of_this_run_is_no_evidence_and_no_traceback(field, value):
    records = _records()
    records[1] = {**records[1], field: value}
    verdict = _grade(records)
    assert verdict.status == V.CRASHED and "damaged" in verdict.message


def test_a_broken_check_file_is_reported_as_the_courses_bug(tmp_path):
    check = tmp_path / "test_broken.py"
    check.write_text("def test_x(ex):\n    assert (\n")
    verdict = runner.run_exercise("mse", SOLUTIONS / "week1/01_mse.py", check, 10)
    assert verdict.status == V.CRASHED
    assert "bug in the course" in verdict.message and "SyntaxError" in verdict.message


@pytest.mark.parametrize("target, code", [("solutions", 0), ("exercises", 1)])
def test_checks_also_run_under_plain_pytest_for_authors(tmp_path, target, code):
    """`pytest -p checker.judge.pytest_dlx --dlx-target FILE` runs the same checks, with pytest's own report."""
    import subprocess
    import sys

    from tests.helpers import REPO

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "checker.judge.pytest_dlx", "-p", "no:cacheprovider",
         "--dlx-target", str(REPO / target / "week1/01_mse.py"), str(MSE_CHECK)],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert done.returncode == code, done.stdout[-2000:]
    if code:
        assert "NotImplementedError" in done.stdout and "01_mse.py" in done.stdout


@pytest.mark.parametrize("escape", ["setsid", "double_fork"])
def test_a_process_that_escapes_the_group_is_killed_and_cannot_hang_the_runner(tmp_path, escape, reaper):
    """`start_new_session` (setsid) or a double fork leaves the worker's process group, and
    the escapee still holds the output pipe; dlx must neither wait for it nor leave it running."""
    pid_file = tmp_path / "pid"
    spawn = {
        "setsid": f"""
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    open({str(pid_file)!r}, "w").write(str(p.pid))
""",
        "double_fork": f"""
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            open({str(pid_file)!r}, "w").write(str(os.getpid()))
            time.sleep(60)
        os._exit(0)
""",
    }[escape]
    target = tmp_path / "01_mse.py"
    target.write_text(
        "import os, subprocess, sys, time\nimport numpy as np\n"
        "def mse_loss(X, y, w):\n" + spawn + "    return float(np.mean((X @ w - y) ** 2))\n"
        "def mse_grad(X, y, w):\n    return 2 * X.T @ (X @ w - y) / len(y)\n"
    )
    started = time.perf_counter()
    verdict = runner.run_exercise("mse", target, MSE_CHECK, timeout=20)
    assert time.perf_counter() - started < 10
    assert verdict.status == V.PASSED  # the code is right; escaping is not a reason to fail it
    escaped = int(pid_file.read_text())
    deadline = time.time() + 3
    while pid_alive(escaped) and time.time() < deadline:
        time.sleep(0.05)
    assert not pid_alive(escaped)
