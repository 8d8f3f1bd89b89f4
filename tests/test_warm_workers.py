"""Warm check workers: imports before the job, a fresh process per run, bounded memory."""

import textwrap
import time

import pytest

from checker.course import catalog
from checker.course.catalog import CHECKS_DIR
from checker.engine import supervisor as runner
from checker.engine.records import Status as V
from tests.conftest import pid_alive
from tests.helpers import CATALOG, SOLUTIONS

MSE = CATALOG.get("mse")
MSE_CHECK = CHECKS_DIR / MSE.check_path
MSE_SOLUTION = SOLUTIONS / MSE.file


def write(path, text):
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_timeout_starts_once_the_worker_is_warm():
    """TensorFlow takes seconds to import; the check's budget must not pay for it."""
    started = time.perf_counter()
    process = runner.CheckProcess(preload=("tensorflow",))
    assert process.wait_ready(120)
    warm_up = time.perf_counter() - started
    budget = max(0.8 * warm_up, 1.0)  # less than the warm-up itself, enough for this 0.2 s check
    verdict = process.run("mse", MSE_SOLUTION, MSE_CHECK, budget)
    assert verdict.status == V.PASSED, verdict.message
    assert time.perf_counter() - started > budget  # counted from the start, it would have timed out


def test_a_spare_is_ready_before_its_job_and_runs_one_job_only():
    process = runner.CheckProcess()
    assert process.wait_ready(30)
    assert process.ready
    assert process.run("mse", MSE_SOLUTION, MSE_CHECK, 10).status == V.PASSED
    assert not pid_alive(process.proc.pid)
    with pytest.raises(RuntimeError):
        process.run("mse", MSE_SOLUTION, MSE_CHECK, 10)


def test_each_run_gets_a_process_no_learner_code_has_touched(tmp_path):
    """A patch made by one run is gone in the next: every run is a new process."""
    check = write(tmp_path / "test_probe.py", """\
        import numpy

        def test_numpy_is_pristine_then_patch_it(ex):
            marker, close = ex.probe()  # numpy as the learner's process (the sandbox) sees it
            assert marker is None, "a previous run's patch leaked"
            assert close is False
            ex.patch()
        """)
    target = write(tmp_path / "target.py", """\
        import numpy
        def probe():
            return getattr(numpy, "_dlx_marker", None), numpy.allclose(numpy.zeros(1), numpy.ones(1))
        def patch():
            numpy._dlx_marker = "leaked"
            numpy.allclose = lambda *a, **k: True
        """)
    for _ in range(2):
        verdict = runner.run_exercise("probe", target, check, 10)
        assert verdict.status == V.TAMPERED  # the patch itself is noticed...
        assert verdict.checks[0].passed  # ...and it was not there when the run began


def test_keras_state_is_fresh_in_a_warm_tensorflow_worker(tmp_path):
    """The warm-up builds a model; clear_session leaves no trace (layer names start again)."""
    check = write(tmp_path / "test_keras_probe.py", """\
        import keras

        def test_fresh_names(ex):
            assert keras.layers.Dense(1).name == "dense"
            assert keras.Sequential().name == "sequential"
        """)
    target = write(tmp_path / "target.py", "x = 1\n")
    verdict = runner.run_exercise("probe", target, check, 10, preload=("tensorflow",))
    assert verdict.status == V.PASSED, [c.message for c in verdict.checks]


def test_a_worker_that_cannot_start_is_not_the_learners_fault(tmp_path):
    verdict = runner.run_exercise("mse", MSE_SOLUTION, MSE_CHECK, 10, preload=("no_such_module_dlx",))
    assert verdict.status == V.CRASHED
    assert "could not start" in verdict.message and "was not run" in verdict.message
    assert "no_such_module_dlx" in verdict.output


def test_too_much_memory_is_its_own_verdict_and_harms_nothing(tmp_path):
    target = write(tmp_path / "01_mse.py", """\
        import numpy as np

        def mse_loss(X, y, w):
            hoard = [np.ones((64, 1024, 1024)) for _ in range(1000)]  # 512 MiB each
            return 0.0

        def mse_grad(X, y, w):
            return 2 * X.T @ (X @ w - y) / len(y)
        """)
    started = time.perf_counter()
    verdict = runner.run_exercise("mse", target, MSE_CHECK, 10, memory_mb=1024)
    assert verdict.status == V.MEMORY
    assert "too much memory" in verdict.message and "1024 MiB" in verdict.message
    assert verdict.line == 4
    assert time.perf_counter() - started < 10
    # The runner is unharmed: the next run passes.
    assert runner.run_exercise("mse", MSE_SOLUTION, MSE_CHECK, 10, memory_mb=1024).status == V.PASSED


def test_memory_at_import_time_is_too_much_memory(tmp_path):
    target = write(tmp_path / "01_mse.py", "import numpy as np\nTABLE = np.ones((1 << 40,))\n")
    verdict = runner.run_exercise("mse", target, MSE_CHECK, 10, memory_mb=1024)
    assert verdict.status == V.MEMORY and verdict.line == 2


def test_memory_limits_come_from_info_toml(tmp_path):
    info = tmp_path / "info.toml"
    info.write_text(textwrap.dedent("""\
        [limits]
        memory_mb = 1000
        tensorflow_memory_mb = 3000
        [limits.weeks]
        2 = 5000
        [[exercises]]
        name = "a"
        week = 1
        file = "a.py"
        [[exercises]]
        name = "b"
        week = 1
        file = "b.py"
        tensorflow = true
        [[exercises]]
        name = "c"
        week = 2
        file = "c.py"
        [[exercises]]
        name = "d"
        week = 2
        file = "d.py"
        memory_mb = 700
        """), encoding="utf-8")
    limits = {e.name: e.memory_mb for e in catalog.load(info).exercises}
    assert limits == {"a": 1000, "b": 3000, "c": 5000, "d": 700}


def test_shipped_catalog_bounds_every_exercise():
    for exercise in CATALOG.exercises:
        assert 512 <= exercise.memory_mb <= 8192, exercise.name
        if exercise.tensorflow:
            assert exercise.memory_mb >= 4096, exercise.name
