"""The pytest plugin that runs inside the judge process.

It has the sandbox load the learner's file and gives the checks that module as
the `ex` fixture (a proxy: each call runs in the sandbox), turns each check's
outcome into a record of `checker.engine.records` written for a learner (not a
pytest report), and writes the records on the report pipe.  The parent decides
the grade from those records; nothing here decides a pass.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import IO, Any

import pytest

from checker.channel import errors
from checker.channel.judge_end import set_current
from checker.engine import calls
from checker.engine import records as R
from checker.judge.explain import explain
from checker.sandbox.tamper import describe as describe_tampering
from checker.testing import CheckFailure
from checker.testing import progress
from checker.testing.figures import take_figures


class Target:
    """The learner's module, with a kind error for a missing name."""

    def __init__(self, module: Any, path: Path):
        self._module = module
        self._path = path
        self._fetched: dict[str, Any] = {}  # name → what the checks got for it (to name the calls they make)

    def __getattr__(self, name: str) -> Any:
        try:
            value = getattr(self._module, name)
            if callable(value) and not name.startswith("_"):
                self._fetched[name] = value
            return value
        except AttributeError:
            raise CheckFailure(
                f"{self._path.name} has no `{name}`.\n"
                f"The checks call `{name}` by that exact name: did you rename it, delete it, "
                "or define it inside another function?"
            ) from None


class TargetNotLoaded(Exception):
    """The `ex` fixture was asked for, but the learner's file did not load."""

    def __init__(self, problem: R.Problem):
        super().__init__(problem.message)
        self.problem = problem


class DlxPlugin:
    """Collects per-check records and writes them to the report."""

    def __init__(self, target_path: str, module_name: str, report: IO[bytes], token: str, end: Any,
                 memory_mb: int | None = None):
        self.target_path = os.path.realpath(target_path)
        self.end = end  # the channel to the learner's code: a JudgeEnd, or a LocalEnd in-process
        self._last_call: tuple | None = None  # the current check's last call of a learner function: (name, args, kwargs)
        if hasattr(end, "on_call"):
            end.on_call = self._note_call
        self.memory_mb = memory_mb
        self.keep_pytest_report = False  # plain-pytest use (pytest_dlx) shows pytest's report
        self.module_name = module_name
        self._token = token
        self._report = report
        self._target: Target | None = None
        self._load_error: R.Problem | None = None
        self._tampered = False
        self._collected = 0
        self._titles: dict[str, str] = {}

    # ---------------------------------------------------------------- output
    def _emit(self, record: R.Record) -> None:
        self._report.write(R.record_line(record, self._token).encode())
        self._report.flush()  # each record on the pipe as it happens: a judge killed later has told what it knew

    # ---------------------------------------------------------------- hooks
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        started = time.perf_counter()
        set_current(self.end)
        changes = self._load()
        self._emit(R.Loaded(self._load_error, time.perf_counter() - started))
        self._check_tools(changes)

    def _load(self) -> list:
        """Have the learner's side import the learner's file; returns what it found rebound (tampering)."""
        import sys

        try:
            module, error, changes = self.end.invoke(
                "load", self.target_path, self.module_name, self.memory_mb, "tensorflow" in sys.modules)
        except errors.SandboxGone:
            self._load_error = R.Problem(R.ProblemKind.CRASHED, self.gone_message("while your file was being imported"))
            return []
        self.end.peer_tensors = "tensorflow" in sys.modules  # the sandbox imported it too
        if error is not None:
            try:
                kind = R.ProblemKind(error.get("kind"))
            except ValueError:
                kind = R.ProblemKind.IMPORT_ERROR
            line = error.get("line")
            self._load_error = R.Problem(kind, str(error.get("message", ""))[:R.MAX_TEXT_CHARS],
                                         line if type(line) is int else None)
        else:
            self._target = Target(module, Path(self.target_path))
        return [str(c)[:300] for c in changes][:10] if isinstance(changes, list) else []

    def gone_message(self, when: str) -> str:
        """Why the sandbox is gone, in a learner's words."""
        code = _exit_code(getattr(self.end, "peer_pid", None))
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
            changes = self._tamper_changes()
        if changes:
            self._tampered = True
            self._emit(R.Tampered(changes, describe_tampering(changes)))

    def _tamper_changes(self) -> list:
        if self.end.broken or self._load_error is not None:
            return []
        try:
            changes = self.end.invoke("tamper_changes")
        except Exception:  # noqa: BLE001 - a sandbox that cannot answer (or is gone) hides nothing new
            return []
        return [str(c)[:300] for c in changes][:10] if isinstance(changes, list) else []

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._emit(R.CollectError(errors.clip(str(report.longrepr))))

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
        self._titles = {i.nodeid: _title(i) for i in session.items}
        self._emit(R.Collected(self._collected, [i.name for i in session.items]))

    @pytest.fixture(name="ex")
    def ex_fixture(self) -> Target:
        """The learner's module under test."""
        if self._target is None:
            raise TargetNotLoaded(self._load_error or R.Problem(R.ProblemKind.IMPORT_ERROR, "not loaded"))
        return self._target

    def _note_call(self, target: Any, args: tuple, kwargs: dict) -> None:
        """A check calls a learner object: if it is a function of the module, note the call (for `dlx debug`)."""
        fetched = getattr(self._target, "_fetched", {})
        for name, value in fetched.items():
            if value is target:
                try:
                    self._last_call = (name, calls.snapshot(args), calls.snapshot(kwargs))  # encoded only on failure
                except calls.NotPlain:
                    pass
                return

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        take_figures()  # a check's figures are its own
        self._last_call = None
        name = nodeid.rsplit("::", 1)[-1]
        self._emit(R.Started(name))
        title = self._titles.get(nodeid, name)

        def show(step: float, total: int, label: str, figures: dict, elapsed: float, remaining: float | None) -> None:
            self._emit(R.Progress(name, title, step, total, label, figures, elapsed, remaining))

        progress.begin(show)  # what the check reports while it runs (bounded and rate-limited there)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
        report = yield
        if report.when == "call" or report.outcome != "passed":
            problem = None
            if report.failed and call.excinfo is not None:
                problem = self._classify(call.excinfo.value)
                if problem.kind is R.ProblemKind.MEMORY:
                    item.session.shouldstop = "out of memory"  # the rest would only fail slowly too
                elif problem.kind is R.ProblemKind.CRASHED:
                    item.session.shouldstop = "the sandbox ended"  # nothing can run the learner's code now
            elif report.skipped:
                problem = R.Problem(R.ProblemKind.SKIPPED, "This check was skipped.")
            outcome = R.Outcome.PASSED if report.passed and problem is None else R.Outcome.FAILED
            progress.begin(None)  # nothing more from this check
            figures = dict(list(take_figures().items())[:R.MAX_FIGURES])
            record = R.CheckRecord(item.name, _title(item), outcome, report.duration, problem, figures)
            if outcome is R.Outcome.FAILED and self._last_call is not None:
                record.call = calls.encode(*self._last_call)
                if len(R.record_line(record, self._token)) > R.MAX_RECORD_CHARS // 2:
                    record.call = None  # a long message (escaped text is six times longer): the record comes first
            self._emit(record)
        return report

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._check_tools()
        self._emit(R.Done(self._collected))

    # ---------------------------------------------------------------- classify
    def _classify(self, exc: BaseException) -> R.Problem:
        if isinstance(exc, errors.SandboxGone):
            return R.Problem(R.ProblemKind.CRASHED, self.gone_message("while this check was running"))
        if isinstance(exc, TargetNotLoaded):
            return exc.problem
        return explain(exc, self.target_path, self.memory_mb)


def _exit_code(pid: int | None) -> int | None:
    """The sandbox's exit status, if it has ended (it is the judge's child)."""
    if not pid:
        return None
    import time as _time

    deadline = _time.monotonic() + 2.0
    while _time.monotonic() < deadline:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return os.waitstatus_to_exitcode(status)
        _time.sleep(0.01)
    return None


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
