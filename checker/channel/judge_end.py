"""The judge's end of the channel: it asks the sandbox to run the learner's code, and serves little.

Module-level `current()` is the end the checks of this process talk through:
the judge's channel to its sandbox, or a `LocalEnd` when the checks run
in-process (the project's tests, `pytest_dlx`).
"""

from __future__ import annotations

import sys
import time
import types
from typing import Any, Callable

import numpy as np

from checker.channel import errors, policy, wire
from checker.channel.endpoint import Endpoint
from checker.channel.proxy import is_remote

_CURRENT: dict = {"end": None}


def current() -> Any:
    """The end the checks of this process talk through (a JudgeEnd or a LocalEnd)."""
    end = _CURRENT["end"]
    if end is None:
        from checker.channel.local_end import LocalEnd

        end = _CURRENT["end"] = LocalEnd()
    return end


def set_current(end: Any) -> None:
    _CURRENT["end"] = end


class JudgeEnd(Endpoint):
    """The judge's end: every use of the learner's objects is a request to the sandbox."""

    me, peer = "judge", "sandbox"

    def __init__(self, sock: Any, sandbox_pid: int | None = None):
        super().__init__(sock)
        self.peer_pid = sandbox_pid  # the sandbox's pid, for its CPU clock
        self._raised: dict[int, BaseException] = {}  # the checks' own exceptions, by number, if they come back
        self._watched_args: dict[Any, tuple] = {}  # calls that returned a generator: their arguments, for late changes

    # ------------------------------------------------------------ the checks' interface
    on_call: Callable[[Any, tuple, dict], None] | None = None  # told of each call of a learner object (the plugin notes it)

    def request(self, op: str, *args: Any) -> Any:
        if op == "call" and self.on_call is not None:
            self.on_call(*args)  # before the call: in-place changes must not reach the note
        return super().request(op, *args)

    def invoke(self, operation: str, *args: Any) -> Any:
        """Run an operation the sandbox registered (e.g. "load") with `args`."""
        return self.request("invoke", operation, *args)

    def call_helper(self, fn: Callable, args: tuple, kwargs: dict) -> Any:
        """Run the trusted course helper `fn` where the learner's code runs (it is imported there by name)."""
        return self.request("side", _helper_name(fn), args, kwargs)

    def helper_object(self, fn: Callable) -> Any:
        """The trusted course helper `fn` itself, as an object of the learner's process (a proxy)."""
        return self.request("side", _helper_name(fn), (), {"_dlx_object": True})

    def learner_cpu_time(self) -> float:
        """CPU seconds used so far by the sandbox and every process it started (all their threads).

        From the kernel's accounting, so the learner's code cannot fake it, and work
        moved to another thread or a child process still counts.  Counted over every
        process below this judge (not below the sandbox): a process made with
        clone(CLONE_PARENT) is the sandbox's sibling, the judge's child.  The judge's
        own CPU (the checks' yardsticks) is left out.
        """
        import os

        from checker.engine.proctree import tree_cpu_seconds

        if self.peer_pid:
            return tree_cpu_seconds(os.getpid(), include_root=False)
        return time.process_time()

    # ------------------------------------------------------------ hooks
    def _check_exportable(self, obj: Any) -> None:
        if isinstance(obj, types.ModuleType):
            raise wire.Unencodable(f"the module {obj.__name__} cannot be handed to the learner's code")

    def _annotate_request(self, header: dict) -> None:
        header["np"] = np.geterr()  # the learner's code runs under the check's numpy error settings

    def _on_answer(self, number: int, args: tuple, header: dict, decoder: wire.Decoder) -> None:
        watched = self._watched_args
        if header.get("watch") is True:
            watched[number] = args
            while len(watched) > 8:
                watched.pop(next(iter(watched)))
        late = decoder.decode(header.get("late", []))
        if not isinstance(late, list):
            raise wire.ProtocolError("late changes that are not a list")
        from checker.channel import mirror

        for change in late[:64]:
            if not (isinstance(change, list) and len(change) == 3):
                raise wire.ProtocolError("a malformed late change")
            late_number, where, late_value = change
            if late_number in watched:
                mirror.mirror(watched[late_number], [[where, late_value]])
        _reissue_warnings(header.get("w"))

    def _on_protocol_error(self, exc: wire.ProtocolError) -> None:
        self._break(f"a malformed request ({exc})")

    def _on_error(self, exc: BaseException) -> None:
        exc_id = next(self._ids)
        self._raised[exc_id] = exc
        try:
            exc._dlx_origin = exc_id  # type: ignore[attr-defined]
        except AttributeError:
            pass

    def _rebuild(self, desc: Any) -> BaseException:
        origin = desc.get("origin") if isinstance(desc, dict) else None
        if type(origin) is int and origin in self._raised:
            return self._raised[origin]  # our own exception (a callback's), back through the learner's code
        return errors.rebuild(desc)

    def _perform(self, op: str, args: list) -> tuple[Any, list]:
        """What the sandbox may ask of the judge: call a callable it was given, read a public attribute."""
        if not args or is_remote(args[0]):
            raise PermissionError("dlx: the learner's process may only use objects the checks handed to it")
        target = args[0]
        if op == "call":
            _, positional, keywords = policy.unpack_call(args)
            if not callable(target):
                raise TypeError(f"'{type(target).__name__}' object is not callable")
            return self._call_mirrored(target, positional, keywords)
        if op == "getattr" and len(args) == 2:
            return policy.judge_getattr(target, str(args[1])), []
        if op == "op" and len(args) == 2 and str(args[1]) in policy.JUDGE_OPS:
            return policy.JUDGE_OPS[str(args[1])](target), []
        raise PermissionError(f"dlx: the checks' objects do not allow {op!r}")


def _helper_name(fn: Callable) -> list:
    code = getattr(fn, "__code__", None)
    filename = getattr(code, "co_filename", None) or getattr(sys.modules.get(fn.__module__), "__file__", None)
    return [fn.__module__, fn.__qualname__, filename]


def _reissue_warnings(records: Any) -> None:
    """Warn here what the learner's code warned there, so a check's warnings filters and records see it."""
    import builtins
    import warnings

    if not isinstance(records, list):
        return
    for record in records[:20]:
        if not (isinstance(record, list) and len(record) == 4):
            continue
        name, message, filename, lineno = record
        category = getattr(builtins, str(name), None) if str(name).endswith("Warning") else None
        if not (isinstance(category, type) and issubclass(category, Warning)):
            category = UserWarning
        warnings.warn_explicit(str(message)[:500], category, str(filename)[:300], lineno if type(lineno) is int else 0)
