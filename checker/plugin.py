"""The pytest plugin that runs inside the judge process.

It has the sandbox load the learner's file and gives the checks that module as
the `ex` fixture (a proxy: each call runs in the sandbox, see checker.remote),
turns each check's outcome into a small record written for a learner (not a
pytest report), and streams the records as JSON lines to the result file the
parent named.  The parent decides the grade from those records; nothing here
decides a pass.  Without a sandbox (plain pytest for course authors) the
learner's file is loaded in this process instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from checker import remote
from checker.learner import TargetLoadError, _clip, _format_frames, _learner_frames, load_target, memory_record
from checker.tamper import Guard
from checker.tamper import describe as describe_tampering
from checker.testing import CheckFailure


class Target:
    """The learner's module, with a kind error for a missing name."""

    def __init__(self, module: Any, path: Path):
        self._module = module
        self._path = path

    def __getattr__(self, name: str) -> Any:
        try:
            return getattr(self._module, name)
        except AttributeError:
            raise CheckFailure(
                f"{self._path.name} has no `{name}`.\n"
                f"The checks call `{name}` by that exact name: did you rename it, delete it, "
                "or define it inside another function?"
            ) from None


class DlxPlugin:
    """Collects per-check records and writes them to the result file."""

    def __init__(
        self,
        target_path: str,
        module_name: str,
        result_path: str,
        token: str,
        memory_mb: int | None = None,
        sandbox: tuple[subprocess.Popen, Any] | None = None,
    ):
        self.target_path = os.path.realpath(target_path)
        self.sandbox = sandbox
        self.connection: remote.Connection | None = None
        self.memory_mb = memory_mb
        self.keep_pytest_report = False  # plain-pytest use (checker.pytest_dlx) shows pytest's report
        self.module_name = module_name
        self._token = token
        self._out = open(result_path, "a", encoding="utf-8")  # noqa: SIM115 - closed at session end
        self._target: Target | None = None
        self._load_error: dict[str, Any] | None = None
        self._guard: Guard | None = None
        self._tampered = False
        self._collected = 0

    # ---------------------------------------------------------------- output
    def _emit(self, record: dict[str, Any]) -> None:
        record["token"] = self._token
        self._out.write(json.dumps(record) + "\n")
        self._out.flush()

    # ---------------------------------------------------------------- hooks
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        started = time.perf_counter()
        changes: list = []
        if self.sandbox is not None:
            changes = self._load_in_sandbox()
        else:
            self._guard = Guard()
            try:
                module = load_target(self.target_path, self.module_name)
                self._target = Target(module, Path(self.target_path))
            except TargetLoadError as exc:
                self._load_error = exc.record
        self._emit({"event": "loaded", "error": self._load_error, "seconds": time.perf_counter() - started})
        self._check_tools(changes)

    def _load_in_sandbox(self) -> list:
        """Have the sandbox import the learner's file; returns what it found rebound (tampering)."""
        self.connection = remote.Connection(self.sandbox[1], "judge")
        self.connection.peer_pid = self.sandbox[0].pid
        self.connection.peer_tensors = "tensorflow" in sys.modules  # the sandbox imported it too
        remote.set_current(self.connection)
        try:
            module, error, changes = self.connection.request(
                "load", self.target_path, self.module_name, os.getcwd(), self.memory_mb, self.connection.peer_tensors
            )
        except remote.SandboxGone:
            self._load_error = {"kind": "crashed", "message": self._gone_message("while your file was being imported"),
                                "line": None}
            return []
        if error is not None:
            self._load_error = {"kind": str(error.get("kind")), "message": str(error.get("message", "")),
                                "line": error.get("line") if isinstance(error.get("line"), int) else None}
        else:
            self._target = Target(module, Path(self.target_path))
        return [str(c) for c in changes] if isinstance(changes, list) else []

    def _gone_message(self, when: str) -> str:
        """Why the sandbox is gone, in a learner's words."""
        code = None
        if self.sandbox is not None:
            try:
                code = self.sandbox[0].wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
        how = ("it broke dlx's channel" if code is None else
               f"exit code {code}" if code >= 0 else f"killed by signal {-code}")
        hint = "Did your code call os._exit() or exit the interpreter, or crash Python?"
        if self.memory_mb and code == -9:
            hint += f" It may also have run out of memory (the limit is {self.memory_mb} MiB)."
        return (f"The process running your code ended {when} ({how}).\n{hint}\n"
                "The checks after it could not run, so this is not a pass.")

    def _check_tools(self, changes: list | None = None) -> None:
        """Report, once, if learner code rebound numpy/builtins/checker/pytest names."""
        if self._tampered:
            return
        if changes is None:
            changes = self._sandbox_changes() if self.sandbox is not None else self._guard.changes()
        if changes:
            self._tampered = True
            self._emit({"event": "tampered", "what": changes, "message": describe_tampering(changes)})

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._emit({"event": "collect_error", "message": _clip(str(report.longrepr))})

    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list) -> None:
        if self._load_error is not None:
            # The file did not load: the verdict is that error, and running each
            # check only to fail on the missing module would cost ~10 ms a check.
            items[:] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items if not self.keep_pytest_report else ():
            # pytest's rich failure report is never shown (we classify failures
            # ourselves), and building it costs ~10 ms a failing check.
            item.repr_failure = _plain_failure
        self._collected = len(session.items)
        self._emit({"event": "collected", "count": self._collected, "names": [i.name for i in session.items]})

    @pytest.fixture(name="ex")
    def ex_fixture(self) -> Target:
        """The learner's module under test."""
        if self._target is None:
            raise TargetLoadError(self._load_error or {"kind": "import_error", "message": "not loaded", "line": None})
        return self._target

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self._emit({"event": "start", "name": nodeid.rsplit("::", 1)[-1]})

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
        report = yield
        if report.when == "call" or report.outcome != "passed":
            record = {
                "event": "check",
                "name": item.name,
                "title": _title(item),
                "phase": report.when,
                "outcome": "passed" if report.passed else "failed",
                "seconds": report.duration,
            }
            if report.failed and call.excinfo is not None:
                record.update(self._classify(call.excinfo.value))
                if record["kind"] == "memory":
                    item.session.shouldstop = "out of memory"  # the rest would only fail slowly too
                elif record["kind"] == "crashed":
                    item.session.shouldstop = "the sandbox ended"  # nothing can run the learner's code now
            elif report.skipped:
                record.update(kind="skipped", message="This check was skipped.", outcome="failed")
            self._emit(record)
        return report

    def _sandbox_changes(self) -> list:
        if self.connection is None or self.connection.broken or self._load_error is not None:
            return []
        try:
            changes = self.connection.request("side", ["checker.sandbox", "tamper_changes", None], [], {})
        except Exception:  # noqa: BLE001 - a sandbox that cannot answer (or is gone) hides nothing new
            return []
        return [str(c) for c in changes] if isinstance(changes, list) else []

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._check_tools()
        self._emit({"event": "done", "collected": self._collected})
        self._out.close()

    # ---------------------------------------------------------------- classify
    def _classify(self, exc: BaseException) -> dict[str, Any]:
        if isinstance(exc, remote.RemoteError):
            frames = list(exc.remote_frames)
        else:
            frames = _learner_frames(exc.__traceback__, self.target_path)
        line = frames[-1].lineno if frames else None
        if isinstance(exc, remote.SandboxGone):
            return {"kind": "crashed", "message": self._gone_message("while this check was running"), "line": None}
        if isinstance(exc, remote.LearnerStopped):
            where = f"\n{_format_frames(frames)}" if frames else ""
            return {
                "kind": "error",
                "message": _clip(f"Your code raised {exc} while this check was running: it tried to stop the program."
                                 f"{where}\nA function must return its result; do not call sys.exit() or exit() "
                                 "in an exercise."),
                "line": line,
            }
        if isinstance(exc, TargetLoadError):
            return {"kind": exc.record["kind"], "message": exc.record["message"], "line": exc.record["line"]}
        if isinstance(exc, MemoryError):
            return memory_record(frames, self.memory_mb)
        if isinstance(exc, NotImplementedError) and frames:
            name = frames[-1].name
            return {
                "kind": "not_implemented",
                "message": f"`{name}` is not written yet (it raises NotImplementedError at line {line}).",
                "line": line,
            }
        if isinstance(exc, CheckFailure):
            return {"kind": "check", "message": _clip(str(exc)), "line": line}
        if isinstance(exc, AssertionError) and not frames:
            return {"kind": "check", "message": _clip(str(exc) or "A check's assertion failed."), "line": None}
        headline = f"{getattr(exc, 'remote_name', type(exc).__name__)}: {exc}"
        if frames:
            message = f"Your code raised an error:\n{_format_frames(frames)}\n{headline}"
        else:
            message = f"An error occurred while checking your result:\n{headline}\nLook at what your function returns (type, shape, dtype)."
        return {"kind": "error", "message": _clip(message), "line": line}


def _plain_failure(excinfo: pytest.ExceptionInfo[BaseException], *args: Any, **kwargs: Any) -> str:
    return f"{excinfo.typename}: {excinfo.value}"


def _title(item: pytest.Item) -> str:
    """A check's title: the first line of its docstring, else its name in words."""
    doc = getattr(getattr(item, "function", None), "__doc__", None)
    if doc and doc.strip():
        title = doc.strip().splitlines()[0].strip()
    else:
        title = item.originalname.removeprefix("test_").replace("_", " ")
    callspec = getattr(item, "callspec", None)
    return f"{title} [{callspec.id}]" if callspec is not None else title
