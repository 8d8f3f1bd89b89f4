"""The parent's side of one run: start a judge, wait until it is warm, give it a job, time it, kill it, grade.

The judge (`python -m checker.judge`) gets its own session and process group,
a private temporary working directory (mode 0700, an unguessable name) and
three pipes: stdin for its one job, stdout for what the learner's code prints
(capped, shown on the screen), and the report pipe, an inherited descriptor on
which it writes its event records.  The sandbox it starts inherits none of
them but stdout, so learner code has no path, descriptor or name that leads to
the report.  A wall-clock timeout, counted from the moment the warm judge gets
the job, kills the whole group; the reaper kills whatever escaped it.
"""

from __future__ import annotations

import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import Callable

from checker.engine import proctree, reaper
from checker.engine.grading import damaged, grade, read_report
from checker.engine.output import OUTPUT_CAP, CappedReader
from checker.engine.records import Job, Malformed, Progress, Status, parse_record
from checker.engine.verdict import Verdict
from checker.engine.warmup import JUDGE_MODULES, python_command

REPORT_CAP = 4 * 1024 * 1024  # bytes of records: a longer report is damaged, not believed
# Every check process, in every command (watch, run, verify at any --jobs, dev check, grade),
# gets the same maths threads: a training check's arithmetic (and so its accuracy) depends on
# how its sums are split among threads, and one file must get one verdict.  A fixed number,
# not a share of this machine's cores, so that a laptop and a grading server agree too.
# Parallel runs do not fight over the cores: `check_many` runs training checks alone.
THREADS = 2
THREAD_VARIABLES = (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
)
CHECK_PROCESS_MARK = "DLX_CHECK_PROCESS"  # a label only: leftovers are found by the reaper, not by this
MEMORY_POLL = 0.1  # seconds between two looks at the resident memory of the learner's processes
WARM_UP_LIMIT = 120.0  # seconds a judge may take to import its modules (TensorFlow on a slow laptop)
_POSIX = os.name == "posix"
_LIVE: "weakref.WeakSet[CheckProcess]" = weakref.WeakSet()


def kill_all() -> None:
    """Kill every check process still alive (on quit, Ctrl-C, or exit): none outlives dlx."""
    for process in list(_LIVE):
        process.kill()
    reaper.kill_leftovers()


class CheckProcess:
    """A started judge that waits for one job.

    Start it as early as possible (its imports overlap with whatever the caller
    does next), then call `run` once.  `cancel` may be called from another
    thread to stop a run in flight.
    """

    def __init__(self, preload: tuple[str, ...] = ()):
        self.preload = tuple(preload)
        env = dict(os.environ)
        env["DLX_PRELOAD"] = ",".join(preload)
        for name in THREAD_VARIABLES:  # always THREADS, whatever the shell says: one file, one verdict
            env[name] = str(THREADS)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env[CHECK_PROCESS_MARK] = str(os.getpid())  # names dlx's check processes for tests and benchmarks
        # Two private folders (mode 0700, unguessable names): the judge's, and the sandbox's own, empty one.
        self._judge_dir = tempfile.mkdtemp(prefix=f"dlx-{secrets.token_hex(8)}-")
        self._sandbox_dir = tempfile.mkdtemp(prefix=f"dlx-{secrets.token_hex(8)}-")
        env["DLX_SANDBOX_DIR"] = self._sandbox_dir
        popen_kwargs: dict = {}
        self._ready_fd: int | None = None
        report_fd = None
        self._job: socket.socket | None = None
        self._channel_inodes: set[int] = set()
        if _POSIX:
            popen_kwargs["start_new_session"] = True
            # Three socket pairs, not pipes: a socket cannot be reopened through /proc/PID/fd, so learner code of
            # another run cannot take hold of them while this judge starts (before it makes itself non-dumpable).
            # The job goes down the first; the judge writes "R<sandbox pid>" on the second once its imports are
            # done (a check's timeout starts then, not while TensorFlow imports); its records come up the third.
            self._job, job_child = socket.socketpair()
            ready_parent, ready_child = socket.socketpair()
            report_parent, report_child = socket.socketpair()
            children = (job_child, ready_child, report_child)
            self._channel_inodes = {os.fstat(end.fileno()).st_ino for end in children}
            self._ready_fd, report_fd = ready_parent.detach(), report_parent.detach()
            popen_kwargs["pass_fds"] = (ready_child.fileno(), report_child.fileno())
            popen_kwargs["stdin"] = job_child.fileno()
            env["DLX_READY_FD"] = str(ready_child.fileno())
            env["DLX_REPORT_FD"] = str(report_child.fileno())
        else:  # pragma: no cover - Windows
            popen_kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
            popen_kwargs["stdin"] = subprocess.PIPE
        try:
            self.proc = reaper.spawn(
                python_command("checker.judge"),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                **popen_kwargs,
            )
        finally:
            if _POSIX:
                for end in children:
                    end.close()
        self._output = CappedReader(os.dup(self.proc.stdout.fileno()), OUTPUT_CAP)
        self.proc.stdout.close()
        self._output.start()
        self._report = CappedReader(report_fd, REPORT_CAP) if report_fd is not None else None
        if self._report is not None:
            self._report.start()
        self._cancelled = threading.Event()
        self._used = False
        self._ready = not _POSIX
        self._sandbox_pid: int | None = None  # told by the judge once it is ready
        self._ready_lock = threading.Lock()  # a kill() never closes the fd under a waiting select()
        _LIVE.add(self)

    def wait_ready(self, limit: float = WARM_UP_LIMIT) -> bool:
        """Wait until the judge has imported its modules; False if it died or took too long."""
        if self._ready:
            return True
        with self._ready_lock:
            fd = self._ready_fd
            if fd is None:
                return False
            try:
                readable, _, _ = select.select([fd], [], [], max(0.0, limit))
                # A killed judge closes its end: readable, but read() gives b"".
                message = os.read(fd, 32) if readable else b""
                self._ready = message.startswith(b"R")
                if message[1:].strip().isdigit():
                    self._sandbox_pid = int(message[1:].strip())
            except (OSError, ValueError):
                return False
        if self._ready or readable:
            self._close_ready_fd()
        return self._ready

    @property
    def ready(self) -> bool:
        """Whether the judge is warm (checked without waiting)."""
        return self._ready or self.wait_ready(0.0)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    # ------------------------------------------------------------------ control
    def kill(self) -> None:
        """Kill the judge and everything it started (its whole process group, then any leftover)."""
        _LIVE.discard(self)
        if _POSIX:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - kernel trouble
            pass
        reaper.forget(self.proc.pid)
        reaper.kill_leftovers()
        for folder in (self._judge_dir, self._sandbox_dir):
            _remove_folder(folder)
        for stream in (self.proc.stdin, self._job):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        # The pipes belong to the reader threads, which close them (see CappedReader).
        if self._ready_lock.acquire(blocking=False):  # else the waiter closes it when it wakes
            try:
                self._close_ready_fd(locked=True)
            finally:
                self._ready_lock.release()

    def _close_ready_fd(self, locked: bool = False) -> None:
        if not locked:
            with self._ready_lock:
                return self._close_ready_fd(locked=True)
        fd, self._ready_fd = self._ready_fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def cancel(self) -> None:
        """Stop a run in flight (a newer save supersedes it)."""
        self._cancelled.set()
        self.kill()

    # ------------------------------------------------------------------ run
    def run(self, exercise: str, target: Path, check: Path, timeout: float, memory_mb: int | None = None,
            on_progress: Callable[[Progress], None] | None = None) -> Verdict:
        """Run `check` against `target`; at most once per CheckProcess.

        `timeout` counts from the moment the warm judge gets the job; `memory_mb`
        caps the address space of the judge and of its sandbox.  `on_progress` is
        called (from this thread, while the run goes on) with each `Progress`
        record the judge writes: a training check's epochs, for the screen only.
        """
        if self._used:
            raise RuntimeError("a CheckProcess runs one job only")
        self._used = True
        started = time.perf_counter()
        if not Path(target).is_file():
            self.kill()
            return Verdict(exercise, Status.MISSING,
                           message=f"The exercise file {target} does not exist. `dlx reset {exercise}` restores it.")
        if self._report is None:  # pragma: no cover - Windows
            self.kill()
            return Verdict(exercise, Status.CRASHED, message="dlx's checks need Linux or macOS (on Windows: WSL).")
        if not self.wait_ready():
            return self._failed_warm_up(exercise, started)
        token = secrets.token_hex(16)
        job = Job(target=str(Path(target).resolve()), check=str(check), module_name=f"dlx_exercise_{exercise}",
                  token=token, workdir=self._judge_dir, memory_mb=memory_mb)
        timed_out = over_memory = False
        intruders = proctree.holders(self._channel_inodes, allowed={self.proc.pid, os.getpid()})
        if intruders:
            self.kill()
            return self._finish(Verdict(exercise, Status.CRASHED, message=(
                f"Another process (pid {', '.join(map(str, sorted(intruders)))}) took hold of this check's "
                "channels while it started, so this run cannot be trusted and was stopped: nothing is graded.\n"
                "Is code from an earlier exercise (or another dlx) still running? Close it and save again.")),
                time.perf_counter() - started)
        feed = _ProgressFeed(self._report, token, on_progress)
        try:
            try:
                self._job.sendall(job.to_line().encode())
                self._job.shutdown(socket.SHUT_WR)
            except (BrokenPipeError, OSError, ValueError):
                pass  # the judge is already gone: graded as a crash below
            timed_out, over_memory = self._wait(timeout, memory_mb, feed)
        finally:
            self.kill()  # always: learner threads or children must not outlive the check
        self._output.finish()
        self._report.finish()
        feed.read()  # what the judge wrote just before it ended
        elapsed = time.perf_counter() - started
        records, damage = read_report(bytes(self._report.kept), token)
        if self._report.overflowed:
            damage = f"over {REPORT_CAP // (1024 * 1024)} MiB"
        if over_memory:
            verdict = Verdict(exercise, Status.MEMORY, message=(
                f"Your code used too much memory: with the processes it started it held more than {memory_mb} MiB, "
                "so it was stopped.\nLook for an array far bigger than you meant, or processes you start (os.fork, "
                "multiprocessing) that each hold a copy."))
        elif damage is not None:
            verdict = damaged(exercise, damage)
        else:
            verdict = grade(exercise, records, timed_out=timed_out, timeout=timeout,
                            returncode=self.proc.returncode, memory_mb=memory_mb)
        return self._finish(verdict, elapsed)

    def _wait(self, timeout: float, memory_mb: int | None, feed: "_ProgressFeed") -> tuple[bool, bool]:
        """Wait for the judge to finish; (timed out, the learner's processes over their memory together)."""
        deadline = time.monotonic() + timeout
        while True:
            feed.read()
            try:
                self.proc.wait(timeout=max(0.0, min(MEMORY_POLL, deadline - time.monotonic())))
                return False, False
            except subprocess.TimeoutExpired:
                pass
            if time.monotonic() >= deadline:
                return True, False
            reaper.kill_leftovers()  # a process that left the check's tree during the run holds nothing for long
            # Everything below the judge, not only below the sandbox: clone(CLONE_PARENT) makes siblings of it.
            if memory_mb and self._sandbox_pid and proctree.tree_resident_mb(self.proc.pid, include_root=False) > memory_mb:
                return False, True

    def _failed_warm_up(self, exercise: str, started: float) -> Verdict:
        """The judge died or hung while importing its (trusted) modules: not the learner's fault."""
        cancelled = self._cancelled.is_set()
        self.kill()
        self._output.finish()
        verdict = Verdict(
            exercise,
            Status.CRASHED,
            message="The check process could not start (it stopped while importing "
            f"{', '.join(JUDGE_MODULES + self.preload)}).\n"
            "Your code was not run.  Is the Python environment complete? The output below may say more.",
        )
        if cancelled:
            verdict = Verdict(exercise, Status.CANCELLED, message="Cancelled: a newer save replaced this run.")
        return self._finish(verdict, time.perf_counter() - started)

    def _finish(self, verdict: Verdict, elapsed: float) -> Verdict:
        if self._cancelled.is_set() and not verdict.passed:
            verdict = Verdict(verdict.exercise, Status.CANCELLED, message="Cancelled: a newer save replaced this run.")
        verdict.output = self._output.text()
        verdict.output_bytes = self._output.total
        verdict.output_truncated = self._output.overflowed
        verdict.seconds = elapsed
        return verdict


class _ProgressFeed:
    """The Progress records among what the judge has written so far, handed to `on_progress` as they come.

    Only the complete lines not seen yet are looked at, and only those that
    name the progress event are parsed; without `on_progress` it does nothing.
    What it finds is shown, never graded: the verdict reads the whole report
    again once the run is over.
    """

    def __init__(self, report: CappedReader | None, token: str, on_progress: Callable[[Progress], None] | None):
        self.report, self.token, self.on_progress = report, token, on_progress
        self.seen = 0

    def read(self) -> None:
        if self.on_progress is None or self.report is None:
            return
        kept = self.report.kept
        end = kept.rfind(b"\n", self.seen, len(kept)) + 1
        if end <= self.seen:
            return
        lines, self.seen = bytes(kept[self.seen:end]), end
        for line in lines.split(b"\n"):
            if b'"progress"' not in line:
                continue
            try:
                record = parse_record(line.decode("utf-8", "replace"), self.token)
            except Malformed:
                continue  # the grading sees it too, and says the report is damaged
            if isinstance(record, Progress):
                try:
                    self.on_progress(record)
                except Exception:  # noqa: BLE001 - a screen that cannot draw must not stop the check
                    pass


def _remove_folder(folder: str) -> None:
    """Delete a check's private folder, whatever the learner's code made in it (a tree too deep for rmtree)."""
    try:
        shutil.rmtree(folder, ignore_errors=True)
    except Exception:  # noqa: BLE001 - RecursionError on a very deep tree
        pass
    if os.path.exists(folder):
        try:
            reaper.run(["rm", "-rf", "--", folder], timeout=60)
        except (OSError, subprocess.SubprocessError):
            pass


def run_exercise(
    exercise: str,
    target: Path,
    check: Path,
    timeout: float,
    preload: tuple[str, ...] = (),
    memory_mb: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Verdict:
    """Start a judge, run one exercise's checks, and return the verdict."""
    return CheckProcess(preload).run(exercise, target, check, timeout, memory_mb, on_progress)
