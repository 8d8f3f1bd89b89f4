"""Exceptions across the channel, the learner's frames, and the one limit on a message's length.

An exception raised on one side crosses as plain data (its type's name, its
builtin bases, its message, the learner's frames) and is rebuilt on the other
as a local class that subclasses the same builtin exceptions and
`RemoteError`, so `except ValueError` works across the channel.  A class that
is not a builtin (the course's `DataNotFound`, a Keras error) is rebuilt too:
its name and its qualified bases travel, and `raised(exc, cls)` asks whether a
rebuilt exception stands for `cls`, without trusting anything but names.
"""

from __future__ import annotations

import builtins
import os
import sys
import traceback
import types
from typing import Any, Callable

MAX_MESSAGE_CHARS = 4000  # one learner-facing message (or an exception's text), at most


class SandboxGone(Exception):
    """The process running the learner's code ended (os._exit, a crash, a kill) or broke the channel."""


class RemoteError:
    """Mixin of every exception rebuilt from the other side; carries its origin's details."""

    remote_type: str = ""
    remote_name: str = ""
    remote_mro: tuple = ()
    remote_frames: list = []


class LearnerStopped(RuntimeError, RemoteError):
    """The learner's code raised SystemExit or KeyboardInterrupt: it tried to stop the process."""


_EXCEPTION_CLASSES: dict[tuple, type] = {}


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` cut to `limit` characters, saying so."""
    return text if len(text) <= limit else text[:limit] + "\n... (message cut)"


def safe_text(fn: Callable[[], Any], limit: int = MAX_MESSAGE_CHARS) -> str:
    """str(fn()), never raising (a broken __str__ must not break a report), cut to `limit`."""
    try:
        text = str(fn())
    except BaseException as exc:  # noqa: BLE001
        text = f"<could not be shown: {type(exc).__name__}>"
    return text if len(text) <= limit else text[:limit] + " ..."


def qualified_name(cls: type) -> str:
    return f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', getattr(cls, '__name__', '?'))}"


def learner_frames(tb: types.TracebackType | None, path: str | None) -> list[traceback.FrameSummary]:
    """The frames of a traceback that lie in the learner's file `path` (a real path), outermost first."""
    if not path:
        return []
    return [f for f in traceback.extract_tb(tb) if os.path.realpath(f.filename) == path]


def format_frames(frames: list[traceback.FrameSummary]) -> str:
    return "".join(traceback.format_list(frames)).rstrip()


def frames_of(exc: BaseException, path: str | None) -> list[traceback.FrameSummary]:
    """The learner's frames of `exc`: those it brought from the other side, or those of its own traceback."""
    if isinstance(exc, RemoteError):
        return list(exc.remote_frames)
    return learner_frames(exc.__traceback__, path)


def describe(exc: BaseException, learner_path: str | None) -> dict:
    """A plain-data account of an exception: its type, message, bases and the learner's frames."""
    cls = type(exc)
    frames = [[f.filename, f.lineno, f.name, f.line or ""] for f in learner_frames(exc.__traceback__, learner_path)]
    origin = getattr(exc, "_dlx_origin", None)
    return {
        "type": qualified_name(cls),
        "name": cls.__name__,
        "module": getattr(cls, "__module__", "builtins"),
        "bases": [c.__name__ for c in cls.__mro__ if c.__module__ == "builtins"],
        "mro": [qualified_name(c) for c in cls.__mro__][:20],
        "message": safe_text(lambda: exc),
        "frames": frames[-50:],
        "origin": origin if isinstance(origin, int) else None,
    }


def _course_class(name: str) -> type | None:
    """The exception class `name` (module.Qualname) of the course's own code, if it is already imported here.

    Nothing is imported: only a class this process already knows, of a `checker.` module, may stand for a
    remote one, so `except DataNotFound` in a check catches one raised where the learner's code runs.
    """
    module_name, _, qualname = name.rpartition(".")
    if not module_name.startswith("checker.") or "." in qualname:
        return None
    cls = getattr(sys.modules.get(module_name), qualname, None)
    if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, (RemoteError, SandboxGone, AssertionError)):
        return cls
    return None


def _exception_class(name: str, module: str, bases: list[str], mro: tuple = ()) -> type:
    """A local exception class standing for a remote one: it subclasses the same builtin exceptions
    (and the course's own exception classes among its bases, see `_course_class`)."""
    chosen = []
    for base in [_course_class(m) for m in mro] + [getattr(builtins, b, None) for b in bases]:
        if isinstance(base, type) and issubclass(base, Exception) and not any(issubclass(c, base) for c in chosen):
            chosen.append(base)
    chosen = [c for c in chosen if not any(c is not d and issubclass(d, c) for d in chosen)] or [Exception]
    key = (name, module, tuple(chosen))
    if key not in _EXCEPTION_CLASSES:
        try:
            cls = type(name, (*chosen, RemoteError), {"__module__": module})
        except TypeError:  # incompatible layouts (e.g. OSError with another): keep the first
            cls = type(name, (chosen[0], RemoteError), {"__module__": module})
        _EXCEPTION_CLASSES[key] = cls
    return _EXCEPTION_CLASSES[key]


def rebuild(desc: Any) -> BaseException:
    """The local exception that stands for a described remote one (never a class of ours but builtins')."""
    if not isinstance(desc, dict):
        raise TypeError("an error without a description")
    bases = [str(b) for b in desc.get("bases", [])] if isinstance(desc.get("bases"), list) else []
    message = str(desc.get("message", ""))[:MAX_MESSAGE_CHARS]
    name = str(desc.get("name", "Exception"))[:200]
    if {"SystemExit", "KeyboardInterrupt", "GeneratorExit"} & set(bases) and "Exception" not in bases:
        cls: type = LearnerStopped
        message = f"{name}({message})" if message else name
    elif "StopIteration" in bases:
        cls = StopIteration
    else:
        mro = desc.get("mro") if isinstance(desc.get("mro"), list) else []
        cls = _exception_class(name, str(desc.get("module", "builtins"))[:200], bases,
                               tuple(str(m)[:300] for m in mro[:20]))
    exc = cls(message)
    exc.remote_type = str(desc.get("type", name))[:300]  # type: ignore[attr-defined]
    exc.remote_name = name  # type: ignore[attr-defined]
    mro = desc.get("mro") if isinstance(desc.get("mro"), list) else []
    exc.remote_mro = tuple(str(m)[:300] for m in mro[:20])  # type: ignore[attr-defined]
    frames = desc.get("frames") if isinstance(desc.get("frames"), list) else []
    exc.remote_frames = [  # type: ignore[attr-defined]
        traceback.FrameSummary(str(f[0]), int(f[1]) if type(f[1]) is int else None, str(f[2]), line=str(f[3]))
        for f in frames[:50] if isinstance(f, list) and len(f) == 4
    ]
    return exc


def raised(exc: BaseException, cls: type) -> bool:
    """Whether `exc` is a `cls`: here, or rebuilt from the other side where its class (by name) was one."""
    if isinstance(exc, cls):
        return True
    return isinstance(exc, RemoteError) and qualified_name(cls) in getattr(exc, "remote_mro", ())
