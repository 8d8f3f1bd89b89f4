"""The check process: `python -I -B -m checker.worker`.

It imports the heavy, trusted modules first (pytest, numpy, the toolkit, and
TensorFlow/Keras when the exercise needs them), tells the parent it is ready,
and only then waits for its one job on stdin.  The parent starts it early (a
warm spare while the learner types), so the import time is off the critical
path, and the job's timeout starts only once it is ready.  One worker runs one
job and exits; no learner code ever ran in it before its job.
"""

from __future__ import annotations

import json
import os
import sys


def _warm_up(preload: list[str]) -> None:
    import numpy  # noqa: F401 - imported for its start-up cost
    import numpy.testing  # noqa: F401 - before learner code, so patches to it are noticed
    import pytest  # noqa: F401

    import checker.plugin  # noqa: F401
    import checker.testing  # noqa: F401

    for name in preload:
        __import__(name)
    if "tensorflow" in preload:
        _warm_up_keras()


def _warm_up_keras() -> None:
    """Pay TensorFlow's first-op and first-layer costs now, then forget the session.

    The first tensor op and the first Keras layer each take a few hundred ms
    (kernel registration, oneDNN set-up).  `clear_session` resets Keras' global
    state (layer-name counters, the graph), so the learner's run starts as if
    nothing had been built.
    """
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.train_on_batch(np.zeros((2, 4), "float32"), np.zeros((2, 2), "float32"))
    model.predict(np.zeros((1, 4), "float32"), verbose=0)
    keras.backend.clear_session()


def _signal_ready() -> None:
    """One byte on the parent's ready pipe; then close it so learner code never holds it."""
    fd = os.environ.pop("DLX_READY_FD", None)
    if fd is None:
        return
    try:
        os.write(int(fd), b"R")
        os.close(int(fd))
    except (OSError, ValueError):
        pass


def _limit_memory(memory_mb: int | None) -> None:
    """Cap the address space, so a runaway allocation fails with MemoryError here, not on the machine."""
    if not memory_mb:
        return
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: no rlimits
        return
    limit = int(memory_mb) * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass


def run_job(job: dict) -> int:
    """Run pytest on one check file against one target; results go to job['result']."""
    import pytest

    from checker.plugin import DlxPlugin

    workdir = job["workdir"]
    os.chdir(workdir)
    _limit_memory(job.get("memory_mb"))
    ini = os.path.join(workdir, "pytest.ini")
    with open(ini, "w", encoding="utf-8") as handle:
        handle.write("[pytest]\n")
    plugin = DlxPlugin(job["target"], job["module_name"], job["result"], job["token"], memory_mb=job.get("memory_mb"))
    args = [
        job["check"],
        "-c", ini,               # never read a pytest.ini / pyproject of the learner's
        "--rootdir", workdir,
        "--noconftest",          # nor a conftest.py
        "-p", "no:cacheprovider",
        "-p", "no:terminal",     # the parent renders; pytest's own report is noise
        "-s",                    # learner output goes straight to our capped pipe
        "-W", "default",
    ]
    return int(pytest.main(args, plugins=[plugin]))


def main() -> None:
    preload = [m for m in os.environ.get("DLX_PRELOAD", "").split(",") if m]
    _warm_up(preload)
    _signal_ready()
    line = sys.stdin.readline()
    if not line.strip():
        return  # the parent went away before sending a job (e.g. a spare never used)
    code = run_job(json.loads(line))
    # Exit now: a thread the learner left running must not keep the process
    # (and the verdict) waiting, and no atexit/__del__ of theirs runs after the report.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    main()
