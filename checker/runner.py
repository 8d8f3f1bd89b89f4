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
CHECKS_DIR = Path(__file__).resolve().parent / "checks"
_POSIX = os.name == "posix"
_LIVE: "weakref.WeakSet[CheckProcess]" = weakref.WeakSet()


def kill_all() -> None:
    """Kill every check process still alive (on quit, Ctrl-C, or exit): none outlives dlx."""
    for process in list(_LIVE):
        process.kill()


def check_file(check: str) -> Path:
    """The hidden check file for a catalog entry's `check` path."""
    return CHECKS_DIR / check


class _CappedReader(threading.Thread):
    """Drains a pipe to its end, keeping only the first `cap` bytes."""

    def __init__(self, stream, cap: int):
        super().__init__(daemon=True)
        self.stream, self.cap = stream, cap
        self.kept = bytearray()
        self.total = 0

    def run(self) -> None:
        try:
            while chunk := self.stream.read1(65536):
                self.total += len(chunk)
                room = self.cap - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]
        except (OSError, ValueError):
            pass

    def text(self) -> str:
        return self.kept.decode("utf-8", "replace")


class CheckProcess:
    """A started check worker that waits for one job.

    Start it as early as possible (its imports overlap with whatever the caller
    does next), then call `run` once.  `cancel` may be called from another
    thread to stop a run in flight.
    """

    def __init__(self, preload: tuple[str, ...] = ()):
        self.preload = tuple(preload)
        env = dict(os.environ)
        env["DLX_PRELOAD"] = ",".join(preload)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        popen_kwargs: dict = {}
        if _POSIX:
            popen_kwargs["start_new_session"] = True
        else:  # pragma: no cover - Windows
            popen_kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-B", "-m", "checker.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            **popen_kwargs,
        )
        self._reader = _CappedReader(self.proc.stdout, OUTPUT_CAP)
        self._reader.start()
        self._cancelled = threading.Event()
        self._used = False
        _LIVE.add(self)

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
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass

    def cancel(self) -> None:
        """Stop a run in flight (a newer save supersedes it)."""
        self._cancelled.set()
        self.kill()

    # ------------------------------------------------------------------ run
    def run(self, exercise: str, target: Path, check: Path, timeout: float) -> Verdict:
        """Run `check` against `target`; at most once per CheckProcess."""
        if self._used:
            raise RuntimeError("a CheckProcess runs one job only")
        self._used = True
        started = time.perf_counter()
        if not Path(target).is_file():
            self.kill()
            return Verdict(exercise, V.MISSING, message=f"The exercise file {target} does not exist. `dlx reset {exercise}` restores it.")
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
            self._reader.join(timeout=2)
            elapsed = time.perf_counter() - started
            records = _read_records(result_path, token)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        verdict = grade(exercise, records, timed_out=timed_out, timeout=timeout, returncode=self.proc.returncode)
        if self._cancelled.is_set() and not verdict.passed:
            verdict = Verdict(exercise, V.CANCELLED, message="Cancelled: a newer save replaced this run.")
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


def grade(exercise: str, records: list[dict], *, timed_out: bool, timeout: float, returncode: int | None) -> Verdict:
    """Decide the verdict from the worker's records.  Only complete evidence passes."""
    checks: list[CheckResult] = []
    loaded = collected = collect_error = None
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
        elif event == "collect_error":
            collect_error = str(record.get("message", ""))
        elif event == "done":
            done = True

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
        status = {"syntax_error": V.SYNTAX_ERROR, "not_implemented": V.NOT_STARTED}.get(error.get("kind"), V.IMPORT_ERROR)
        return Verdict(exercise, status, checks, message=str(error.get("message", "")), line=error.get("line"))
    if not done or collected is None:
        how = f"exit code {returncode}" if returncode is None or returncode >= 0 else f"killed by signal {-returncode}"
        return Verdict(
            exercise,
            V.CRASHED,
            checks,
            message=f"The check process stopped before it finished ({how}).\n"
            "Did your code call sys.exit() / os._exit(), or crash Python? Nothing was graded, so this is not a pass.",
        )
    count = int(collected.get("count") or 0)
    names = {c.name for c in checks}
    if count == 0 or len(names) != count:
        return Verdict(exercise, V.CRASHED, checks, message=f"Only {len(names)} of {count} checks reported a result; this is not a pass.")
    failures = [c for c in checks if not c.passed]
    if not failures:
        return Verdict(exercise, V.PASSED, checks)
    if all(c.kind == "not_implemented" for c in failures) and not any(c.passed for c in checks):
        first = failures[0]
        return Verdict(exercise, V.NOT_STARTED, checks, message=first.message, line=first.line)
    first = failures[0]
    return Verdict(exercise, V.FAILED, checks, message=first.message, line=first.line)


atexit.register(kill_all)


def run_exercise(exercise: str, target: Path, check: Path, timeout: float, preload: tuple[str, ...] = ()) -> Verdict:
    """Start a worker, run one exercise's checks, and return the verdict."""
    return CheckProcess(preload).run(exercise, target, check, timeout)
