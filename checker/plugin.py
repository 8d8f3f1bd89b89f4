"""The pytest plugin that runs inside the check process.

It loads the learner's file as the `ex` fixture, turns each check's outcome into
a small record written for a learner (not a pytest report), and streams the
records as JSON lines to the result file the parent named.  The parent decides
the grade from those records; nothing here decides a pass.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import traceback
import types
from pathlib import Path
from typing import Any

import pytest

from checker.tamper import Guard
from checker.tamper import describe as describe_tampering
from checker.testing import CheckFailure

MAX_MESSAGE = 4000


class TargetLoadError(Exception):
    """The learner's file could not be imported; carries the learner-facing record."""

    def __init__(self, record: dict[str, Any]):
        super().__init__(record["message"])
        self.record = record


class Target:
    """The learner's module, with a kind error for a missing name."""

    def __init__(self, module: types.ModuleType, path: Path):
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


def _learner_frames(tb: types.TracebackType | None, path: str) -> list[traceback.FrameSummary]:
    frames = traceback.extract_tb(tb)
    return [f for f in frames if os.path.realpath(f.filename) == path]


def _format_frames(frames: list[traceback.FrameSummary]) -> str:
    return "".join(traceback.format_list(frames)).rstrip()


def _clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "\n... (message cut)"


def describe_load_error(exc: BaseException, path: str) -> dict[str, Any]:
    """A learner-facing record for an error raised while importing their file."""
    if isinstance(exc, SyntaxError) and exc.filename and os.path.realpath(exc.filename) == path:
        line = exc.lineno or 0
        text = (exc.text or "").rstrip("\n")
        caret = ""
        if text and exc.offset:
            stripped = text.lstrip()
            caret = "\n    " + " " * max(0, exc.offset - 1 - (len(text) - len(stripped))) + "^"
            text = stripped
        kind = type(exc).__name__
        message = f"{kind}: {exc.msg}\n  line {line}:\n    {text}{caret}" if text else f"{kind}: {exc.msg} (line {line})"
        return {"kind": "syntax_error", "message": message, "line": line}
    frames = _learner_frames(exc.__traceback__, path)
    line = frames[-1].lineno if frames else None
    if isinstance(exc, MemoryError):
        return memory_record(frames, None)
    if isinstance(exc, NotImplementedError):
        return {"kind": "not_implemented", "message": "The file raises NotImplementedError when it is imported.", "line": line}
    trace = _format_frames(frames)
    message = f"{type(exc).__name__}: {exc}"
    if trace:
        message = f"Your file raised an error while it was being imported:\n{trace}\n{message}"
    return {"kind": "import_error", "message": _clip(message), "line": line}


def memory_record(frames: list[traceback.FrameSummary], memory_mb: int | None) -> dict[str, Any]:
    """A learner-facing record for an allocation refused by the memory limit."""
    line = frames[-1].lineno if frames else None
    limit = f" (the limit is {memory_mb} MiB)" if memory_mb else ""
    where = f"\n{_format_frames(frames)}" if frames else ""
    message = (
        f"Your code used too much memory{limit}: an allocation was refused.{where}\n"
        "Look for an array far bigger than you meant (a shape with N×N where N was expected, "
        "a list that grows in a loop, broadcasting (N,) against (N, 1))."
    )
    return {"kind": "memory", "message": _clip(message), "line": line}


def load_target(path: str, module_name: str) -> types.ModuleType:
    """Import the learner's file as a fresh module (not cached, no bytecode written)."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise TargetLoadError({"kind": "import_error", "message": f"Cannot load {path} as Python.", "line": None})
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 - anything the learner's import does is theirs
        sys.modules.pop(module_name, None)
        raise TargetLoadError(describe_load_error(exc, os.path.realpath(path))) from None
    return module


class DlxPlugin:
    """Collects per-check records and writes them to the result file."""

    def __init__(self, target_path: str, module_name: str, result_path: str, token: str, memory_mb: int | None = None):
        self.target_path = os.path.realpath(target_path)
        self.memory_mb = memory_mb
        self.keep_pytest_report = False  # plain-pytest use (checker.pytest_dlx) shows pytest's report
        self.module_name = module_name
        self.token = token
        self._out = open(result_path, "a", encoding="utf-8")  # noqa: SIM115 - closed at session end
        self._target: Target | None = None
        self._load_error: dict[str, Any] | None = None
        self._guard: Guard | None = None
        self._tampered = False
        self._collected = 0

    # ---------------------------------------------------------------- output
    def _emit(self, record: dict[str, Any]) -> None:
        record["token"] = self.token
        self._out.write(json.dumps(record) + "\n")
        self._out.flush()

    # ---------------------------------------------------------------- hooks
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        started = time.perf_counter()
        self._guard = Guard()
        try:
            module = load_target(self.target_path, self.module_name)
            self._target = Target(module, Path(self.target_path))
        except TargetLoadError as exc:
            self._load_error = exc.record
        self._emit({"event": "loaded", "error": self._load_error, "seconds": time.perf_counter() - started})
        self._check_tools()

    def _check_tools(self) -> None:
        """Report, once, if learner code rebound numpy/builtins/checker/pytest names."""
        if self._tampered:
            return
        changes = self._guard.changes()
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
            elif report.skipped:
                record.update(kind="skipped", message="This check was skipped.", outcome="failed")
            self._emit(record)
        return report

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._check_tools()
        self._emit({"event": "done", "collected": self._collected})
        self._out.close()

    # ---------------------------------------------------------------- classify
    def _classify(self, exc: BaseException) -> dict[str, Any]:
        frames = _learner_frames(exc.__traceback__, self.target_path)
        line = frames[-1].lineno if frames else None
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
        headline = f"{type(exc).__name__}: {exc}"
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
