"""Loading the learner's file, and describing what went wrong in it, for a learner.

Used where the learner's code runs (the sandbox, or the author's process when
the checks run in-process); it imports no pytest, so the sandbox starts light.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
import types
from typing import Any

from checker.channel.errors import clip, format_frames, learner_frames
from checker.engine.records import ProblemKind


class TargetLoadError(Exception):
    """The learner's file could not be imported; carries the learner-facing record."""

    def __init__(self, record: dict[str, Any]):
        super().__init__(record["message"])
        self.record = record


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
        return {"kind": ProblemKind.SYNTAX_ERROR.value, "message": message, "line": line}
    frames = learner_frames(exc.__traceback__, path)
    line = frames[-1].lineno if frames else None
    if isinstance(exc, MemoryError):
        return memory_record(frames, None)
    if isinstance(exc, NotImplementedError):
        return {"kind": ProblemKind.NOT_IMPLEMENTED.value, "message": "The file raises NotImplementedError when it is imported.", "line": line}
    trace = format_frames(frames)
    message = f"{type(exc).__name__}: {exc}"
    if trace:
        message = f"Your file raised an error while it was being imported:\n{trace}\n{message}"
    return {"kind": ProblemKind.IMPORT_ERROR.value, "message": clip(message), "line": line}


def memory_record(frames: list[traceback.FrameSummary], memory_mb: int | None) -> dict[str, Any]:
    """A learner-facing record for an allocation refused by the memory limit."""
    line = frames[-1].lineno if frames else None
    limit = f" (the limit is {memory_mb} MiB)" if memory_mb else ""
    where = f"\n{format_frames(frames)}" if frames else ""
    message = (
        f"Your code used too much memory{limit}: an allocation was refused.{where}\n"
        "Look for an array far bigger than you meant (a shape with N×N where N was expected, "
        "a list that grows in a loop, broadcasting (N,) against (N, 1))."
    )
    return {"kind": ProblemKind.MEMORY.value, "message": clip(message), "line": line}


def load_target(path: str, module_name: str) -> types.ModuleType:
    """Import the learner's file as a fresh module (not cached, no bytecode written)."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise TargetLoadError({"kind": ProblemKind.IMPORT_ERROR.value, "message": f"Cannot load {path} as Python.", "line": None})
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 - anything the learner's import does is theirs
        sys.modules.pop(module_name, None)
        raise TargetLoadError(describe_load_error(exc, os.path.realpath(path))) from None
    return module
