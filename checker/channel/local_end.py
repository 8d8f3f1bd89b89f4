"""The local end: the same interface as the judge's end, for checks that run in the learner's process.

Course authors run a check with plain pytest (`checker.judge.pytest_dlx`) and
the project's tests call check functions directly; there is no sandbox then,
and this end does in-process what the judge's end asks the sandbox to do, so
the plugin and the toolkit never branch on "is there a sandbox".  Never used
to grade.
"""

from __future__ import annotations

import time
from typing import Any, Callable


class LocalEnd:
    """Runs helpers and registered operations right here."""

    peer_pid = None
    broken = None

    def __init__(self) -> None:
        self._operations: dict[str, Callable] = {}
        self.learner_path: str | None = None
        self.peer_tensors = True

    def register(self, name: str, operation: Callable) -> None:
        self._operations[name] = operation

    def invoke(self, operation: str, *args: Any) -> Any:
        return self._operations[operation](*args)

    def call_helper(self, fn: Callable, args: tuple, kwargs: dict) -> Any:
        return fn(*args, **kwargs)

    def helper_object(self, fn: Callable) -> Any:
        return fn

    def learner_cpu_time(self) -> float:
        return time.process_time()
