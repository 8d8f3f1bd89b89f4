"""Runs one exercise's hidden checks in a child process and returns a Verdict.

The child (`checker.worker`) gets its own session/process group, a private
temporary working directory, a wall-clock timeout after which the whole group
is killed, and a capped output pipe.  It reports through a result file of JSON
lines; the grade is decided here, from those records only: a missing or
malformed record is a failure, and an exit code alone never means a pass.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path

from checker import verdict as V
from checker.verdict import CheckResult, Verdict

OUTPUT_CAP = 16 * 1024  # bytes of learner output kept for the screen
THREAD_VARIABLES = (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
)
WARM_UP_LIMIT = 120.0  # seconds a worker may take to import its modules (TensorFlow on a slow laptop)
CHECKS_DIR = Path(__file__).resolve().parent / "checks"
_POSIX = os.name == "posix"
_LIVE: "weakref.WeakSet[CheckProcess]" = weakref.WeakSet()


_SPAWN_LOCK = threading.Lock()  # a worker being started is never mistaken for an escaped process
_WORKER_PIDS: set[int] = set()
_MARK = "DLX_CHECK_PROCESS"  # in every worker's environment, so its descendants can be recognised


def kill_all() -> None:
    """Kill every check process still alive (on quit, Ctrl-C, or exit): none outlives dlx."""
    for process in list(_LIVE):
        process.kill()
    kill_escaped()


def _become_subreaper() -> bool:
    """Linux: orphaned descendants are re-parented to dlx (not to init), so it can find them."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


_SUBREAPER = _become_subreaper()


def kill_escaped() -> int:
    """Kill processes that learner code started and that left the worker's process group.

    A `setsid()` or a double fork escapes the group kill; as the subreaper, dlx
    inherits such orphans, and their environment still carries the worker's mark.
    Returns how many were killed.
    """
    if not _SUBREAPER:
        return 0
    killed = 0
    mark = f"{_MARK}={os.getpid()}".encode()
    for _ in range(5):  # killing one may orphan its own children: look again
        found = []
        with _SPAWN_LOCK:
            for pid in _children_of(os.getpid()):
                if pid in _WORKER_PIDS:
                    continue
                try:
                    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                except OSError:
                    continue
                if mark in environ:
                    found.append(pid)
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        for pid in found:
            try:
                os.waitpid(pid, 0)  # they are our children now: reap them
            except ChildProcessError:
                pass
        if not found:
            break
    return killed


def _children_of(parent: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == parent:
            children.append(int(entry))
    return children


def check_file(check: str) -> Path:
    """The hidden check file for a catalog entry's `check` path."""
    return CHECKS_DIR / check


class _CappedReader(threading.Thread):
    """Drains a pipe to its end, keeping only the first `cap` bytes.

    It owns the pipe: it closes it at EOF, or once `finish` has been called and
    the pipe stays quiet, so a process that escaped the kill and still holds the
    pipe open can neither hang the runner nor keep this thread forever.
    """

    def __init__(self, stream, cap: int):
        super().__init__(daemon=True)
        self.stream, self.cap = stream, cap
        self.kept = bytearray()
        self.total = 0
        self._deadline: float | None = None

    def run(self) -> None:
        fd = self.stream.fileno()
        try:
            while True:
                if _POSIX:
                    readable, _, _ = select.select([fd], [], [], 0.05)
                    if not readable:
                        if self._deadline is not None and time.monotonic() > self._deadline:
                            break
                        continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                self.total += len(chunk)
                room = self.cap - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]
        except (OSError, ValueError):
            pass
        finally:
            try:
                self.stream.close()
            except OSError:
                pass

    def finish(self, grace: float = 0.3) -> None:
        """The writer was killed: drain what is left, then stop even if the pipe never closes."""
        self._deadline = time.monotonic() + grace
        self.join(timeout=grace + 1.0)

    def text(self) -> str:
        return self.kept.decode("utf-8", "replace")


class CheckProcess:
    """A started check worker that waits for one job.

    Start it as early as possible (its imports overlap with whatever the caller
    does next), then call `run` once.  `cancel` may be called from another
    thread to stop a run in flight.
    """

    def __init__(self, preload: tuple[str, ...] = (), threads: int | None = None):
        self.preload = tuple(preload)
        env = dict(os.environ)
        env["DLX_PRELOAD"] = ",".join(preload)
        if threads:  # the maths libraries' thread pools, unless the user chose already
            for name in THREAD_VARIABLES:
                env.setdefault(name, str(threads))
        env[_MARK] = str(os.getpid())
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        popen_kwargs: dict = {}
        self._ready_fd: int | None = None
        if _POSIX:
            popen_kwargs["start_new_session"] = True
            # The worker writes one byte here once its imports are done, so a
            # check's timeout starts then, not while TensorFlow is importing.
            self._ready_fd, ready_w = os.pipe()
            popen_kwargs["pass_fds"] = (ready_w,)
            env["DLX_READY_FD"] = str(ready_w)
        else:  # pragma: no cover - Windows
            popen_kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        try:
            with _SPAWN_LOCK:
                self.proc = subprocess.Popen(
                    [sys.executable, "-I", "-B", "-m", "checker.worker"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    env=env,
                    **popen_kwargs,
                )
                _WORKER_PIDS.add(self.proc.pid)
        finally:
            if _POSIX:
                os.close(ready_w)
        self._reader = _CappedReader(self.proc.stdout, OUTPUT_CAP)
        self._reader.start()
        self._cancelled = threading.Event()
        self._used = False
        self._ready = not _POSIX
        self._sandbox_pid: int | None = None  # the judge's sandbox, reaped here once both are killed
        self._ready_lock = threading.Lock()  # a kill() never closes the fd under a waiting select()
        _LIVE.add(self)

    def wait_ready(self, limit: float = WARM_UP_LIMIT) -> bool:
        """Wait until the worker has imported its modules; False if it died or took too long."""
        if self._ready:
            return True
        with self._ready_lock:
            fd = self._ready_fd
            if fd is None:
                return False
            try:
                readable, _, _ = select.select([fd], [], [], max(0.0, limit))
                # A killed worker closes its end: readable, but read() gives b"".
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
        """Whether the worker is warm (checked without waiting)."""
        return self._ready or self.wait_ready(0.0)

    # ------------------------------------------------------------------ control
    def kill(self) -> None:
        """Kill the worker and everything it started (its whole process group)."""
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
        with _SPAWN_LOCK:
            _WORKER_PIDS.discard(self.proc.pid)
        self._reap_sandbox()
        kill_escaped()
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
        except OSError:
            pass
        # stdout belongs to the reader thread, which closes it (see _CappedReader).
        if self._ready_lock.acquire(blocking=False):  # else the waiter closes it when it wakes
            try:
                self._close_ready_fd(locked=True)
            finally:
                self._ready_lock.release()

    def _reap_sandbox(self) -> None:
        """Wait for the sandbox, which the judge's death left to dlx (it died with the process group)."""
        pid, self._sandbox_pid = self._sandbox_pid, None
        if pid is None or not _SUBREAPER:
            return
        deadline = time.monotonic() + 2.0
        while True:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return  # the judge reaped it, or it is not ours
            if done or time.monotonic() > deadline:
                return
            time.sleep(0.005)

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
    def run(self, exercise: str, target: Path, check: Path, timeout: float, memory_mb: int | None = None) -> Verdict:
        """Run `check` against `target`; at most once per CheckProcess.

        `timeout` counts from the moment the warm worker gets the job; `memory_mb`
        caps the worker's address space while it runs the learner's code.
        """
        if self._used:
            raise RuntimeError("a CheckProcess runs one job only")
        self._used = True
        started = time.perf_counter()
        if not Path(target).is_file():
            self.kill()
            return Verdict(exercise, V.MISSING, message=f"The exercise file {target} does not exist. `dlx reset {exercise}` restores it.")
        if not self.wait_ready():
            return self._failed_warm_up(exercise, started)
        workdir = tempfile.mkdtemp(prefix="dlx-check-")
        result_path = os.path.join(workdir, "result.jsonl")
        token = secrets.token_hex(16)
        job = {
            "target": str(Path(target).resolve()),
            "check": str(check),
            "module_name": f"dlx_exercise_{exercise}",
            "result": result_path,
            "token": token,
            "workdir": workdir,
            "memory_mb": memory_mb,
        }
        timed_out = False
        try:
            try:
                self.proc.stdin.write((json.dumps(job) + "\n").encode())
                self.proc.stdin.close()
            except (BrokenPipeError, OSError, ValueError):
                pass  # the worker is already gone: graded as a crash below
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            self.kill()  # always: learner threads or children must not outlive the check
            self._reader.finish()
            elapsed = time.perf_counter() - started
            records = _read_records(result_path, token)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        verdict = grade(
            exercise, records, timed_out=timed_out, timeout=timeout, returncode=self.proc.returncode, memory_mb=memory_mb
        )
        return self._finish(verdict, elapsed)

    def _failed_warm_up(self, exercise: str, started: float) -> Verdict:
        """The worker died or hung while importing its (trusted) modules: not the learner's fault."""
        cancelled = self._cancelled.is_set()
        self.kill()
        self._reader.finish()
        verdict = Verdict(
            exercise,
            V.CRASHED,
            message="The check process could not start (it stopped while importing "
            f"{', '.join(('numpy', 'pytest') + self.preload)}).\n"
            "Your code was not run.  Is the Python environment complete? The output below may say more.",
        )
        if cancelled:
            verdict = Verdict(exercise, V.CANCELLED, message="Cancelled: a newer save replaced this run.")
        return self._finish(verdict, time.perf_counter() - started)

    def _finish(self, verdict: Verdict, elapsed: float) -> Verdict:
        if self._cancelled.is_set() and not verdict.passed:
            verdict = Verdict(verdict.exercise, V.CANCELLED, message="Cancelled: a newer save replaced this run.")
        verdict.output = self._reader.text()
        verdict.output_bytes = self._reader.total
        verdict.output_truncated = self._reader.total > len(self._reader.kept)
        verdict.seconds = elapsed
        return verdict


def _read_records(path: str, token: str) -> list[dict]:
    """The worker's JSON lines that carry this run's token; junk lines are dropped."""
    records = []
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and record.get("token") == token:
                    records.append(record)
    except OSError:
        pass
    return records


def grade(
    exercise: str,
    records: list[dict],
    *,
    timed_out: bool,
    timeout: float,
    returncode: int | None,
    memory_mb: int | None = None,
) -> Verdict:
    """Decide the verdict from the worker's records.  Only complete evidence passes."""
    checks: list[CheckResult] = []
    loaded = collected = collect_error = tampered = None
    done = False
    running = None
    for record in records:
        event = record.get("event")
        if event == "loaded":
            loaded = record
        elif event == "collected":
            collected = record
        elif event == "start":
            running = record.get("name")
        elif event == "check":
            checks.append(
                CheckResult(
                    name=str(record.get("name", "?")),
                    title=str(record.get("title", record.get("name", "?"))),
                    passed=record.get("outcome") == "passed" and not record.get("kind"),
                    kind=record.get("kind"),
                    message=str(record.get("message", "")),
                    line=record.get("line") if isinstance(record.get("line"), int) else None,
                    seconds=float(record.get("seconds") or 0.0),
                )
            )
        elif event == "tampered":
            tampered = record
        elif event == "collect_error":
            collect_error = str(record.get("message", ""))
        elif event == "done":
            done = True

    if tampered is not None:  # nothing that ran after the tools were changed can be trusted
        return Verdict(exercise, V.TAMPERED, checks, message=str(tampered.get("message", "")))
    memory = next((c for c in checks if c.kind == "memory"), None)
    if memory is not None:  # before a timeout: the refused allocation is the cause worth showing
        return Verdict(exercise, V.MEMORY, checks, message=memory.message, line=memory.line)
    crashed = next((c for c in checks if c.kind == "crashed"), None)
    if crashed is not None:  # the learner's process ended: the checks after it never ran
        return Verdict(exercise, V.CRASHED, checks, message=crashed.message, line=crashed.line)
    if timed_out:
        during = next((c.title for c in checks if c.name == running), None) or running
        where = f" (it was running the check `{during}`)" if during else ""
        return Verdict(
            exercise,
            V.TIMEOUT,
            checks,
            message=f"Your code took longer than {timeout:g} s{where} and was stopped.\n"
            "Look for an infinite loop (a `while` whose condition never changes) or far too much work.",
        )
    if collect_error is not None:
        return Verdict(
            exercise,
            V.CRASHED,
            checks,
            message="The hidden checks themselves could not be loaded: this is a bug in the course, not in your code.\n"
            "Please report it with the text below.\n" + collect_error,
        )
    if loaded and loaded.get("error"):
        error = loaded["error"]
        status = {
            "syntax_error": V.SYNTAX_ERROR,
            "not_implemented": V.NOT_STARTED,
            "memory": V.MEMORY,
            "crashed": V.CRASHED,
        }.get(error.get("kind"), V.IMPORT_ERROR)
        return Verdict(exercise, status, checks, message=str(error.get("message", "")), line=error.get("line"))
    if not done or collected is None:
        how = f"exit code {returncode}" if returncode is None or returncode >= 0 else f"killed by signal {-returncode}"
        hint = "Did your code call sys.exit() / os._exit(), or crash Python?"
        if memory_mb and returncode is not None and returncode < 0 and -returncode in _ABORT_SIGNALS:
            hint += f" It may also have run out of memory (the limit is {memory_mb} MiB)."
        return Verdict(
            exercise,
            V.CRASHED,
            checks,
            message=f"The check process stopped before it finished ({how}).\n{hint} Nothing was graded, so this is not a pass.",
        )
    count = int(collected.get("count") or 0)
    names = {c.name for c in checks}
    if count == 0 or len(names) != count:
        during = f" while the check `{running}` was running" if running and running not in names else ""
        return Verdict(
            exercise,
            V.CRASHED,
            checks,
            message=f"The checks were stopped{during}: only {len(names)} of {count} reported a result, so this is not a pass.\n"
            "Did your code raise KeyboardInterrupt or SystemExit, or call sys.exit()? Let your function return its result instead.",
        )
    failures = [c for c in checks if not c.passed]
    if not failures:
        return Verdict(exercise, V.PASSED, checks)
    if all(c.kind == "not_implemented" for c in failures) and not any(c.passed for c in checks):
        first = failures[0]
        return Verdict(exercise, V.NOT_STARTED, checks, message=first.message, line=first.line)
    first = failures[0]
    return Verdict(exercise, V.FAILED, checks, message=first.message, line=first.line)


_ABORT_SIGNALS = {getattr(signal, name) for name in ("SIGABRT", "SIGSEGV", "SIGBUS") if hasattr(signal, name)}
atexit.register(kill_all)


def run_exercise(
    exercise: str,
    target: Path,
    check: Path,
    timeout: float,
    preload: tuple[str, ...] = (),
    memory_mb: int | None = None,
) -> Verdict:
    """Start a worker, run one exercise's checks, and return the verdict."""
    return CheckProcess(preload).run(exercise, target, check, timeout, memory_mb)
