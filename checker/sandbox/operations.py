"""What the judge may ask of the sandbox besides using the learner's objects: load the file, report tampering.

Registered on the sandbox's end of the channel by the sandbox process, and on a
local end by `pytest_dlx` when the checks run in-process.
"""

from __future__ import annotations

import os
from typing import Any

from checker.engine.hardening import limit_file_size, limit_memory
from checker.sandbox.loader import TargetLoadError, load_target
from checker.sandbox.tamper import Guard

_STATE: dict = {}  # the tamper guard (a dict, so setting it rebinds no module name)


def load(end: Any, path: str, module_name: str, memory_mb: Any, judge_has_tensorflow: bool) -> list:
    """Import the learner's file; returns [module or None, load-error record or None, tampering found]."""
    end.learner_path = os.path.realpath(path)
    end.peer_tensors = bool(judge_has_tensorflow)
    limit_memory(memory_mb if type(memory_mb) is int else None)
    limit_file_size(memory_mb if type(memory_mb) is int else None)
    _STATE["guard"] = Guard()
    try:
        module = load_target(path, module_name)
        error = None
    except TargetLoadError as exc:
        module, error = None, exc.record
    return [module, error, tamper_changes()]


def tamper_changes() -> list:
    """What the learner's code rebound in numpy, builtins, the checker (see tamper); [] if nothing."""
    guard = _STATE.get("guard")
    return list(guard.changes()) if guard is not None else []


def register(end: Any, limit: bool = True) -> None:
    """Offer `load` and `tamper_changes` on `end` (without the memory limit when `limit` is False)."""
    end.register("load", lambda path, name, memory_mb, tf: load(end, path, name, memory_mb if limit else None, tf))
    end.register("tamper_changes", tamper_changes)
