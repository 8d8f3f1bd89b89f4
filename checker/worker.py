"""The judge process: `python -I -B -m checker.worker`.

It starts its sandbox (checker.sandbox, where the learner's code will run),
imports the heavy, trusted modules (pytest, numpy, the toolkit, and
TensorFlow/Keras when the exercise needs them) while the sandbox imports its
own, tells the parent it is ready once both are, and only then waits for its
one job on stdin.  The parent starts it early (a warm spare while the learner
types), so the import time is off the critical path, and the job's timeout
starts only once it is ready.

The judge runs pytest, the hidden checks and their oracles, and writes the
result records; learner code never runs in it.  It makes itself non-dumpable,
so the sandbox (same user) can neither read its memory nor open its files
through /proc.  One judge runs one job and exits.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys

SANDBOX_READY_LIMIT = 120.0  # seconds the sandbox may take to import TensorFlow on a slow laptop


JUDGE_MODULES = ("numpy", "pytest", "checker.plugin", "checker.testing")


def warm_up(modules: tuple[str, ...], preload: list[str]) -> None:
    """Import `modules` and `preload` for their start-up cost; pay Keras' first-call costs if TensorFlow is in it.

    Shared by the judge and the sandbox, each with its own list of modules.
    """
    for name in (*modules, *preload):
        __import__(name)
    if "tensorflow" in preload:
        warm_up_keras()


def _make_undumpable() -> None:
    """Linux: no other process of this user may ptrace this one, read its memory or open its fds via /proc."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):  # pragma: no cover - no libc: keep going without it
        pass


def start_sandbox() -> tuple[subprocess.Popen, socket.socket]:
    """Start the sandbox process, with one end of a socket pair as its only tie to the judge.

    It inherits the judge's stdout/stderr (the capped pipe the parent reads) and
    nothing else: no stdin, no ready pipe, no result file.
    """
    judge_end, sandbox_end = socket.socketpair()
    env = dict(os.environ)
    env.pop("DLX_READY_FD", None)
    env["DLX_RPC_FD"] = str(sandbox_end.fileno())
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", "-B", "-m", "checker.sandbox"],
            stdin=subprocess.DEVNULL,
            env=env,
            pass_fds=(sandbox_end.fileno(),),
        )
    finally:
        sandbox_end.close()
    return process, judge_end


def wait_for_sandbox(sock: socket.socket, limit: float = SANDBOX_READY_LIMIT) -> bool:
    """Wait for the sandbox's "ready" message (its imports are done)."""
    from checker import wire

    readable, _, _ = select.select([sock], [], [], limit)
    if not readable:
        return False
    try:
        header, _ = wire.recv_message(sock)
    except (EOFError, OSError, wire.ProtocolError):
        return False
    return header.get("k") == "ready"


def warm_up_keras() -> None:
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


def _signal_ready(sandbox_pid: int) -> None:
    """"R" and the sandbox's pid on the parent's ready pipe; then close it so learner code never holds it.

    The parent needs the pid to reap the sandbox: killed with the judge, it is
    re-parented to dlx (a child subreaper) and would stay a zombie otherwise.
    """
    fd = os.environ.pop("DLX_READY_FD", None)
    if fd is None:
        return
    try:
        os.write(int(fd), b"R%d\n" % sandbox_pid)
        os.close(int(fd))
    except (OSError, ValueError):
        pass


def run_job(job: dict, sandbox: tuple[subprocess.Popen, socket.socket] | None = None) -> int:
    """Run pytest on one check file against one target; results go to job['result'].

    With a `sandbox`, the learner's module is loaded and called there; without
    one (plain pytest for authors), in this process.
    """
    import pytest

    from checker.plugin import DlxPlugin

    workdir = job["workdir"]
    os.chdir(workdir)
    ini = os.path.join(workdir, "pytest.ini")
    with open(ini, "w", encoding="utf-8") as handle:
        handle.write("[pytest]\n")
    plugin = DlxPlugin(job["target"], job["module_name"], job["result"], job["token"], memory_mb=job.get("memory_mb"),
                       sandbox=sandbox)
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
    _make_undumpable()
    preload = [m for m in os.environ.get("DLX_PRELOAD", "").split(",") if m]
    sandbox = start_sandbox()  # it imports in parallel with the judge
    warm_up(JUDGE_MODULES, preload)
    if not wait_for_sandbox(sandbox[1]):
        sys.stderr.write("dlx: the sandbox process could not start.\n")
        os._exit(3)  # never ready: the parent reports that the check process could not start
    _signal_ready(sandbox[0].pid)
    line = sys.stdin.readline()
    if not line.strip():
        os._exit(0)  # the parent went away before sending a job (e.g. a spare never used)
    code = run_job(json.loads(line), sandbox)
    try:
        sandbox[1].close()  # the sandbox's serve loop ends; the parent kills the group anyway
    except OSError:
        pass
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
