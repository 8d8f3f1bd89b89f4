"""The sandbox's end of the channel: it runs what the judge asks, on the learner's objects.

Operations specific to an exercise run (loading the learner's file, the tamper
guard's findings) are registered by the sandbox process (`register`), so the
channel itself knows nothing of exercises.
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from typing import Any, Callable

from checker.channel import errors, mirror, policy, wire
from checker.channel.endpoint import MAX_WATCHED, Endpoint


class SandboxEnd(Endpoint):
    """The sandbox's end: calls, attributes, operators on the learner's objects; registered operations."""

    me, peer = "sandbox", "judge"

    def __init__(self, sock: Any):
        super().__init__(sock)
        self._operations: dict[str, Callable] = {}
        self._watched: dict[Any, list] = {}  # arguments of calls that returned a generator, still watched

    def register(self, name: str, operation: Callable) -> None:
        """Let the judge `invoke(name, ...)` this operation."""
        self._operations[name] = operation

    def serve_forever(self) -> None:
        """Answer requests until the judge closes the channel."""
        while True:
            try:
                header, buffers = wire.recv_message(self.sock)
            except (EOFError, OSError, wire.ProtocolError):
                return
            if header.get("k") != "req":
                return
            self._release(header.get("rel"))
            self._serve(header, buffers)

    # ------------------------------------------------------------ hooks
    def _serving_context(self, header: dict, reply: dict) -> contextlib.AbstractContextManager:
        return _Captured(header, reply)

    def _annotate_reply(self, number: Any, reply: dict, encoder: wire.Encoder) -> None:
        if number in self._watched:
            reply["watch"] = True
        late = [[n, where, value] for n, slots in self._watched.items()
                for where, value in mirror.changes(slots, self._fingerprint)]
        if late:
            reply["late"] = encoder.encode(late)

    def _after_call(self, result: Any, slots: list) -> None:
        if slots and inspect.isgenerator(result) and self._serving:
            # a generator works on its arguments later, one next() at a time: keep copying changes back
            self._watched[self._serving[-1]] = slots
            while len(self._watched) > MAX_WATCHED:
                self._watched.pop(next(iter(self._watched)))

    def _rebuild(self, desc: Any) -> BaseException:
        exc = errors.rebuild(desc)
        origin = desc.get("origin") if isinstance(desc, dict) else None
        if type(origin) is int:
            exc._dlx_origin = origin  # type: ignore[attr-defined]  # so the judge gets its own exception back
        return exc

    def _perform(self, op: str, args: list) -> tuple[Any, list]:
        if op == "call":
            target, positional, keywords = policy.unpack_call(args)
            return self._call_mirrored(target, positional, keywords)
        if op == "side":
            (module, qualname, filename), positional, keywords = args[0], args[1], args[2]
            target = policy.import_qualified(str(module), str(qualname), filename)
            if keywords.pop("_dlx_object", False):
                return target, []
            return self._call_mirrored(target, tuple(positional), keywords)
        if op == "invoke":
            operation = self._operations.get(str(args[0])) if args else None
            if operation is None:
                raise wire.ProtocolError(f"an unknown operation {args[:1]!r}")
            return operation(*args[1:]), []
        if op == "getattr":
            return getattr(args[0], str(args[1])), []
        if op == "setattr":
            return setattr(args[0], str(args[1]), args[2]), []
        if op == "delattr":
            return delattr(args[0], str(args[1])), []
        if op == "op":
            target, name, *rest = args
            function = policy.SANDBOX_OPS.get(str(name))
            if function is None:
                raise wire.ProtocolError(f"an unknown operation {name!r}")
            return function(target, *rest), []
        if op == "ufunc":
            ufunc, method, inputs, kwargs = args
            return getattr(ufunc, str(method))(*inputs, **kwargs), []
        raise wire.ProtocolError(f"an unknown request {op!r}")


class _Captured:
    """Around one request: the judge's numpy error settings, and every warning recorded to send back."""

    def __init__(self, header: dict, reply: dict):
        self.reply = reply
        self._errstate = policy.errstate(header.get("np"))
        self._warnings = warnings.catch_warnings(record=True)

    def __enter__(self) -> None:
        self._errstate.__enter__()
        self.caught = self._warnings.__enter__()
        warnings.simplefilter("always")  # every warning goes back; the check's filters decide

    def __exit__(self, *exc_info: Any) -> None:
        self._warnings.__exit__(*exc_info)
        self._errstate.__exit__(*exc_info)
        if self.caught:
            self.reply["w"] = [[w.category.__name__, errors.safe_text(lambda w=w: w.message, 500),
                                str(w.filename)[:300], int(w.lineno or 0)] for w in self.caught[:20]]
