"""The judge process: `python -I -B -m checker.judge`.

It starts its sandbox (where the learner's code will run), imports the heavy,
trusted modules (pytest, numpy, the toolkit, and TensorFlow/Keras when the
exercise needs them) while the sandbox imports its own, tells the parent it is
ready once both are, and only then waits for its one job on stdin.  The parent
starts it early (a warm spare while the learner types), so the import time is
off the critical path, and the job's timeout starts only once it is ready.

The judge runs pytest, the hidden checks and their oracles, and writes its
event records on the report pipe it inherited (a descriptor the sandbox never
gets); learner code never runs here.  It makes itself non-dumpable, so the
sandbox (same user) can neither read its memory nor open its descriptors
through /proc, and it lives under the same memory limit as its sandbox.  One
judge runs one job and exits.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys

NO_JOB = 6  # the exit code of a judge that got no job (pytest's own codes are 0 to 5)
SANDBOX_READY_LIMIT = 120.0  # seconds the sandbox may take to import TensorFlow on a slow laptop


def start_sandbox() -> tuple[subprocess.Popen, socket.socket]:
    """Start the sandbox, in its own empty directory, with one end of a socket pair as its only tie to the judge.

    It inherits the judge's stdout/stderr (the capped pipe the parent reads) and
    nothing else: no stdin, no ready pipe, no report pipe.
    """
    judge_end, sandbox_end = socket.socketpair()
    env = dict(os.environ)
    for name in ("DLX_READY_FD", "DLX_REPORT_FD", "DLX_SANDBOX_DIR"):
        env.pop(name, None)
    env["DLX_RPC_FD"] = str(sandbox_end.fileno())
    try:
        from checker.engine.warmup import python_command

        process = subprocess.Popen(
            python_command("checker.sandbox"),
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=os.environ.get("DLX_SANDBOX_DIR") or None,
            pass_fds=(sandbox_end.fileno(),),
        )
    finally:
        sandbox_end.close()
    return process, judge_end


def wait_for_sandbox(sock: socket.socket, limit: float = SANDBOX_READY_LIMIT) -> bool:
    """Wait for the sandbox's "ready" message (its imports are done)."""
    from checker.channel import wire

    readable, _, _ = select.select([sock], [], [], limit)
    if not readable:
        return False
    try:
        header, _ = wire.recv_message(sock)
    except (EOFError, OSError, wire.ProtocolError):
        return False
    return header.get("k") == "ready"


def _signal_ready(sandbox_pid: int) -> None:
    """"R" and the sandbox's pid on the parent's ready pipe; then close it so learner code never holds it."""
    fd = os.environ.pop("DLX_READY_FD", None)
    if fd is None:
        return
    try:
        os.write(int(fd), b"R%d\n" % sandbox_pid)
        os.close(int(fd))
    except (OSError, ValueError):
        pass


def run_job(job, report, end) -> int:
    """Run pytest on one check file against one target; records go to `report` (a binary file)."""
    import pytest

    from checker.judge.plugin import DlxPlugin

    os.chdir(job.workdir)
    # The configuration is the empty file os.devnull, never a file in a folder: the user's folders (this one
    # included) are writable by learner code of another run going on at the same time (`dlx verify --jobs 2`),
    # which could serve pytest its own options (`-k` deselecting the checks it fails, plugins) through it.
    ini = os.devnull
    # Nor any plugin but ours: pytest would load every plugin an installed distribution declares (its
    # "pytest11" entry points), and learner code may write a module and a *.dist-info declaring it into
    # site-packages; nor options from the shell (PYTEST_ADDOPTS, PYTEST_PLUGINS): one file, one verdict.
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
        os.environ.pop(name, None)
    plugin = DlxPlugin(job.target, job.module_name, report, job.token, end, memory_mb=job.memory_mb)
    args = [
        job.check,
        "-c", ini,               # never read a pytest.ini / pyproject of the learner's (nor a planted one)
        "--rootdir", job.workdir,
        "--noconftest",          # nor a conftest.py
        "-p", "no:cacheprovider",
        "-p", "no:terminal",     # the parent renders; pytest's own report is noise
        "-s",                    # learner output goes straight to our capped pipe
        "-W", "default",
    ]
    return int(pytest.main(args, plugins=[plugin]))


def main() -> None:
    from checker.engine.hardening import adopt_orphans, limit_memory, make_undumpable
    from checker.engine.records import Job
    from checker.engine.warmup import JUDGE_MODULES, warm_up

    make_undumpable()
    adopt_orphans()  # nothing the learner's code starts leaves this process's tree (see hardening)

    preload = [m for m in os.environ.get("DLX_PRELOAD", "").split(",") if m]
    report_fd = os.environ.pop("DLX_REPORT_FD", None)
    sandbox, sock = start_sandbox()  # it imports in parallel with the judge
    warm_up(JUDGE_MODULES, preload)
    if not wait_for_sandbox(sock):
        sys.stderr.write("dlx: the sandbox process could not start.\n")
        os._exit(3)  # never ready: the parent reports that the check process could not start
    _signal_ready(sandbox.pid)
    line = sys.stdin.readline()
    if not line.strip() or report_fd is None:
        # The parent went away before sending a job (e.g. a spare never used), or another process read the job
        # first: never 0, the code of a passing run (see grading.grade).
        os._exit(NO_JOB)
    job = Job.from_line(line)
    from checker.channel.judge_end import JudgeEnd

    limit_memory(job.memory_mb)  # the judge decodes what the sandbox sends: it is bounded too
    end = JudgeEnd(sock, sandbox.pid)
    with os.fdopen(int(report_fd), "wb") as report:
        code = run_job(job, report, end)
    try:
        sock.close()  # the sandbox's serve loop ends; the parent kills the group anyway
    except OSError:
        pass
    # Exit now: a thread the learner left running must not keep the process
    # (and the verdict) waiting, and no atexit/__del__ runs after the report.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    main()
