"""One end of the judge/sandbox channel, and `Remote`, the proxy for an object on the other side.

The hidden checks run in the judge; the learner's module lives in the sandbox.
A check calls `ex.f(x)` as if the module were local: the arguments cross by
value, the call runs in the sandbox, and the result crosses back by value (an
array, a number, a tuple...) or as a `Remote` (a class, a generator, a Keras
model).  Changes the learner's code makes to its arguments in place (an array,
a list, a dict) are copied back; a numpy Generator crosses as a
proxy, so every draw the learner's code makes advances the check's own, so guards such as
`call_unchanged` still see them.

Callbacks work both ways: a function a check passes to the learner becomes a
`Remote` in the sandbox that calls back into the judge.  The judge serves only
calls and public attributes of the objects a check handed over, never a module
or a private name, so learner code cannot walk from a callback to the judge's
internals (the plugin, its result file, its token).
"""

from __future__ import annotations

import inspect
import itertools
import operator
import os
import sys
import traceback
import types
import warnings
import weakref
from typing import Any, Callable

import numpy as np

from checker import wire

_CURRENT: "Connection | None" = None  # the judge's channel to its sandbox, while a check session runs

MAX_TEXT = 4000
MAX_WATCHED = 8  # calls whose generator results still have their arguments copied back


def current() -> "Connection | None":
    """The judge's open channel to the sandbox, or None (checks run in-process, e.g. by the project's tests)."""
    return _CURRENT


def set_current(connection: "Connection | None") -> None:
    global _CURRENT
    _CURRENT = connection


class SandboxGone(Exception):
    """The process running the learner's code ended (os._exit, a crash, a kill) or broke the channel."""


class RemoteError:
    """Mixin of every exception rebuilt from the other side; carries its origin's details."""

    remote_type: str = ""
    remote_frames: list = []


class LearnerStopped(RuntimeError, RemoteError):
    """The learner's code raised SystemExit or KeyboardInterrupt: it tried to stop the process."""


_EXCEPTION_CLASSES: dict[tuple, type] = {}


def _exception_class(name: str, module: str, bases: list[str]) -> type:
    """A local exception class standing for a remote one: it subclasses the same builtin exceptions."""
    import builtins

    chosen = []
    for base_name in bases:
        base = getattr(builtins, base_name, None)
        if isinstance(base, type) and issubclass(base, Exception) and not any(issubclass(c, base) for c in chosen):
            chosen.append(base)
    chosen = [c for c in chosen if not any(c is not d and issubclass(d, c) for d in chosen)] or [Exception]
    key = (name, module, tuple(c.__name__ for c in chosen))
    if key not in _EXCEPTION_CLASSES:
        try:
            cls = type(name, (*chosen, RemoteError), {"__module__": module})
        except TypeError:  # incompatible layouts (e.g. OSError with another): keep the first
            cls = type(name, (chosen[0], RemoteError), {"__module__": module})
        _EXCEPTION_CLASSES[key] = cls
    return _EXCEPTION_CLASSES[key]


def _safe_text(fn: Callable[[], str], limit: int = MAX_TEXT) -> str:
    try:
        text = str(fn())
    except BaseException as exc:  # noqa: BLE001 - a broken __str__ must not break the report
        text = f"<could not be shown: {type(exc).__name__}>"
    return text if len(text) <= limit else text[:limit] + " ..."


def qualified_name(cls: type) -> str:
    return f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', getattr(cls, '__name__', '?'))}"


def _resolve_class(name: str) -> type | None:
    """A class already imported here by its qualified name; never imports anything."""
    # module names contain dots too: try the longest imported prefix
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        obj: Any = module
        for part in parts[cut:]:
            obj = getattr(obj, part, None)
            if obj is None:
                break
        return obj if isinstance(obj, type) else None
    return None


# --------------------------------------------------------------------------- the proxy

_SLOTS = ("_dlx_conn", "_dlx_id", "_dlx_meta")


class Remote:
    """An object that lives on the other side of the channel; every use is a request there."""

    __slots__ = (*_SLOTS, "__weakref__")

    def __init__(self, conn: "Connection", ref_id: int, meta: dict):
        object.__setattr__(self, "_dlx_conn", conn)
        object.__setattr__(self, "_dlx_id", ref_id)
        object.__setattr__(self, "_dlx_meta", meta)

    def _dlx(self, op: str, *args: Any) -> Any:
        return object.__getattribute__(self, "_dlx_conn").request(op, self, *args)

    # attributes
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_dlx_") or name in ("__array_interface__", "__array_struct__"):
            raise AttributeError(name)
        return self._dlx("getattr", name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._dlx("setattr", name, value)

    def __delattr__(self, name: str) -> None:
        self._dlx("delattr", name)

    def __dir__(self) -> list[str]:
        return list(self._dlx("op", "dir"))

    @property
    def __class__(self) -> type:  # noqa: D105 - isinstance(remote, keras.Model) asks this
        for name in object.__getattribute__(self, "_dlx_meta").get("mro", ()):
            cls = _resolve_class(name)
            if cls is not None and cls is not object:
                return cls
        return Remote

    def __instancecheck__(self, obj: Any) -> bool:
        return bool(self._dlx("op", "isinstance_of", obj))

    def __subclasscheck__(self, cls: Any) -> bool:
        return bool(self._dlx("op", "issubclass_of", cls))

    # calls and conversions
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return object.__getattribute__(self, "_dlx_conn").request("call", self, args, kwargs)

    def __repr__(self) -> str:
        try:
            return str(self._dlx("op", "repr"))
        except Exception:  # noqa: BLE001 - repr must not fail in a message
            return f"<{type_name(self)} object>"

    def __str__(self) -> str:
        return str(self._dlx("op", "str"))

    def __format__(self, spec: str) -> str:
        return str(self._dlx("op", "format", spec))

    def __bool__(self) -> bool:
        return bool(self._dlx("op", "bool"))

    def __len__(self) -> int:
        return int(self._dlx("op", "len"))

    def __iter__(self) -> Any:
        return self._dlx("op", "iter")

    def __next__(self) -> Any:
        return self._dlx("op", "next")

    def __contains__(self, item: Any) -> bool:
        return bool(self._dlx("op", "contains", item))

    def __getitem__(self, key: Any) -> Any:
        return self._dlx("op", "getitem", key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._dlx("op", "setitem", key, value)

    def __delitem__(self, key: Any) -> None:
        self._dlx("op", "delitem", key)

    def __int__(self) -> int:
        return int(self._dlx("op", "int"))

    def __float__(self) -> float:
        return float(self._dlx("op", "float"))

    def __complex__(self) -> complex:
        return complex(self._dlx("op", "complex"))

    def __index__(self) -> int:
        return int(self._dlx("op", "index"))

    def __hash__(self) -> int:
        return hash(("dlx-remote", object.__getattribute__(self, "_dlx_id")))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        value = self._dlx("op", "array", dtype)
        if not isinstance(value, np.ndarray):
            raise TypeError(f"{type_name(self)} cannot be converted to a numpy array")
        return value

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        conn = object.__getattribute__(self, "_dlx_conn")
        return conn.request("ufunc", ufunc, method, inputs, kwargs)

    def __enter__(self) -> Any:
        return self._dlx("op", "enter")

    def __exit__(self, *exc_info: Any) -> Any:
        return self._dlx("op", "exit", *(None,) * 3)

    def __copy__(self) -> "Remote":
        return self  # the object lives over there; a copy here would be a second name for it

    def __deepcopy__(self, memo: dict) -> "Remote":
        return self

    def __reduce_ex__(self, protocol: int) -> Any:
        raise TypeError("an object of the learner's process cannot be pickled in the judge")


def _binary(name: str) -> Callable:
    def method(self: Remote, other: Any) -> Any:
        return self._dlx("op", name, other)

    method.__name__ = f"__{name}__"
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor", "lshift",
              "rshift", "radd", "rsub", "rmul", "rtruediv", "rfloordiv", "rmod", "rpow", "rmatmul", "rand", "ror",
              "rxor", "iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow", "imatmul",
              "lt", "le", "gt", "ge", "eq", "ne"):
    setattr(Remote, f"__{_name}__", _binary(_name))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(Remote, f"__{_name}__", lambda self, _n=_name: self._dlx("op", _n))
del _name


def is_remote(value: Any) -> bool:
    return type(value) is Remote


def type_name(value: Any) -> str:
    """The name of a value's type as the learner wrote it (for a Remote, its type over there)."""
    if type(value) is Remote:
        full = object.__getattribute__(value, "_dlx_meta").get("type", "object")
        return full.rsplit(".", 1)[-1]
    return type(value).__name__


def remote_type(value: Any) -> str:
    """The qualified name of a value's type, e.g. 'builtins.generator' (a Remote's type over there)."""
    if type(value) is Remote:
        return object.__getattribute__(value, "_dlx_meta").get("type", "builtins.object")
    return qualified_name(type(value))


# --------------------------------------------------------------------------- operations served


def _op_isinstance_of(cls: Any, obj: Any) -> bool:
    return isinstance(obj, cls)


def _op_issubclass_of(cls: Any, other: Any) -> bool:
    return issubclass(other, cls)


def _op_iter(obj: Any) -> Any:
    return iter(obj)


def _op_array(obj: Any, dtype: Any = None) -> np.ndarray:
    return np.asarray(obj, dtype=dtype)


def _op_exit(obj: Any, *args: Any) -> Any:
    return obj.__exit__(*args)


SANDBOX_OPS: dict[str, Callable] = {
    **{name: getattr(operator, name) for name in (
        "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and_", "or_", "xor", "lshift", "rshift",
        "iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow", "imatmul",
        "lt", "le", "gt", "ge", "eq", "ne", "neg", "pos", "abs", "invert", "contains", "getitem", "setitem",
        "delitem", "index")},
    "and": operator.and_, "or": operator.or_,
    "radd": lambda a, b: b + a, "rsub": lambda a, b: b - a, "rmul": lambda a, b: b * a,
    "rtruediv": lambda a, b: b / a, "rfloordiv": lambda a, b: b // a, "rmod": lambda a, b: b % a,
    "rpow": lambda a, b: b ** a, "rmatmul": lambda a, b: b @ a, "rand": lambda a, b: b & a,
    "ror": lambda a, b: b | a, "rxor": lambda a, b: b ^ a,
    "repr": repr, "str": str, "format": format, "bool": bool, "len": len, "int": int, "float": float,
    "complex": complex, "iter": _op_iter, "next": next, "dir": dir, "array": _op_array,
    "isinstance_of": _op_isinstance_of, "issubclass_of": _op_issubclass_of,
    "enter": lambda obj: obj.__enter__(), "exit": _op_exit,
}
JUDGE_OPS: dict[str, Callable] = {"repr": repr, "str": str, "bool": bool, "len": len}


# --------------------------------------------------------------------------- the channel


class Connection:
    """One side of the channel: sends requests, serves the other side's, keeps the exported objects.

    `side` is "judge" or "sandbox".  Requests nest: while waiting for its
    answer, a side serves the requests its peer makes (a callback).
    """

    def __init__(self, sock: Any, side: str, *, learner_path: str | None = None, on_load: Callable | None = None):
        self.sock = sock
        self.side = side
        self.peer = "sandbox" if side == "judge" else "judge"
        self.learner_path = learner_path  # the sandbox's learner file, for the frames it reports
        self.peer_tensors = False  # whether tf.Tensors may cross by value to the peer
        self.peer_pid: int | None = None  # the sandbox's pid, for its CPU clock
        self.on_load = on_load
        self.broken: str | None = None
        self._exports: dict[int, Any] = {}
        self._export_ids: dict[int, int] = {}
        self._ids = itertools.count(1)
        self._calls = itertools.count(1)
        self._remotes: "weakref.WeakValueDictionary[int, Remote]" = weakref.WeakValueDictionary()
        self._raised: dict[int, BaseException] = {}
        self._pending: list[tuple] = []  # the arguments of our requests still waiting for an answer
        self._active: list[list] = []  # the mutable arguments of the calls we are serving, with fingerprints
        self._serving: list[Any] = []  # the numbers of the requests being served (innermost last)
        self._watched: dict[Any, list] = {}  # sandbox: arguments of calls that returned a generator, still watched
        self._watched_args: dict[Any, tuple] = {}  # judge: those calls' arguments, to write late changes into

    # ------------------------------------------------------------ references
    def export(self, obj: Any) -> dict:
        if type(obj) is Remote:
            if object.__getattribute__(obj, "_dlx_conn") is not self:
                raise wire.Unencodable("an object of another channel")
            return {"$": "ref", "owner": self.peer, "id": object.__getattribute__(obj, "_dlx_id")}
        if self.side == "judge" and isinstance(obj, types.ModuleType):
            raise wire.Unencodable(f"the module {obj.__name__} cannot be handed to the learner's code")
        key = id(obj)
        ref_id = self._export_ids.get(key)
        if ref_id is None or self._exports.get(ref_id) is not obj:
            ref_id = next(self._ids)
            self._exports[ref_id] = obj
            self._export_ids[key] = ref_id
        cls = type(obj)
        meta = {
            "type": qualified_name(cls),
            "mro": [qualified_name(c) for c in getattr(cls, "__mro__", (cls,))],
            "callable": callable(obj),
        }
        return {"$": "ref", "owner": self.side, "id": ref_id, "meta": meta}

    def _resolve(self, tag: dict) -> Any:
        owner, ref_id = tag.get("owner"), tag.get("id")
        if not isinstance(ref_id, int):
            raise wire.ProtocolError("a reference without an id")
        if owner == self.side:
            try:
                return self._exports[ref_id]
            except KeyError:
                raise wire.ProtocolError(f"an unknown reference {ref_id}") from None
        if owner != self.peer:
            raise wire.ProtocolError("a reference of nobody")
        remote = self._remotes.get(ref_id)
        if remote is None:
            meta = tag.get("meta") if isinstance(tag.get("meta"), dict) else {}
            remote = Remote(self, ref_id, meta)
            self._remotes[ref_id] = remote
        return remote

    def _encoder(self) -> wire.Encoder:
        return wire.Encoder(self.export, tensors=self.peer_tensors)

    # ------------------------------------------------------------ sending
    def _send(self, header: dict, value: Any, encoder: wire.Encoder | None = None, key: str = "v") -> None:
        encoder = encoder or self._encoder()
        header[key] = encoder.encode(value)
        header["nbuf"] = len(encoder.buffers)
        try:
            wire.send_message(self.sock, header, encoder.buffers)
        except OSError as exc:
            self._break(f"the channel closed ({exc})")

    def _break(self, why: str) -> None:
        self.broken = self.broken or why
        raise SandboxGone(self.broken)

    def _receive(self) -> tuple[dict, list]:
        if self.broken:
            raise SandboxGone(self.broken)
        try:
            return wire.recv_message(self.sock)
        except EOFError:
            self._break("the other side ended")
        except (OSError, wire.ProtocolError) as exc:
            self._break(f"the channel broke ({exc})")
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ requests
    def request(self, op: str, *args: Any) -> Any:
        """Ask the other side to do `op` on `args`; serve its own requests until the answer comes."""
        number = next(self._calls)
        header: dict = {"k": "req", "n": number, "op": op}
        if self.side == "judge":  # the learner's code runs under the check's numpy error settings
            header["np"] = np.geterr()
        encoder = self._encoder()
        if self._active:  # a callback from inside a call: the caller sees our in-place changes so far
            header["s"] = encoder.encode(self._changes(self._active[-1]))
        self._send(header, list(args), encoder)
        self._pending.append(args)
        try:
            return self._await(number, args)
        finally:
            self._pending.pop()

    def _await(self, number: int, args: tuple) -> Any:
        while True:
            header, buffers = self._receive()
            kind = header.get("k")
            if kind == "req":
                self._serve(header, buffers)
                continue
            if header.get("n") != number or kind not in ("ok", "err"):
                self._break("an answer to a question that was not asked")
            decoder = _ArgDecoder(buffers, self._resolve, args)
            try:
                if kind == "err":
                    raise self._rebuild(decoder.decode(header.get("e")))
                value = decoder.decode(header.get("v"))
                self._mirror(args, decoder.decode(header.get("m", [])))
                if header.get("watch") is True:
                    self._watched_args[number] = args
                    while len(self._watched_args) > MAX_WATCHED:
                        self._watched_args.pop(next(iter(self._watched_args)))
                for late_number, where, late_value in decoder.decode(header.get("late", [])):
                    if late_number in self._watched_args:
                        self._mirror(self._watched_args[late_number], [[where, late_value]])
                _reissue_warnings(header.get("w"))
            except wire.ProtocolError as exc:
                self._break(f"a malformed answer ({exc})")
            return value

    def _mirror(self, args: tuple, mutated: Any) -> None:
        """Copy back the in-place changes the other side made to the arguments of `call`."""
        if not mutated:
            return
        if not isinstance(mutated, list) or len(args) < 3:
            raise wire.ProtocolError("mirrored changes without arguments")
        positional, keywords = args[-2], args[-1]
        for where, value in mutated:
            if isinstance(where, int) and 0 <= where < len(positional):
                write_back(positional[where], value)
            elif isinstance(where, str) and where in keywords:
                write_back(keywords[where], value)
            else:
                raise wire.ProtocolError("a mirrored change to no argument")

    # ------------------------------------------------------------ serving
    def serve_forever(self) -> None:
        """The sandbox's loop: answer requests until the judge closes the channel."""
        while True:
            try:
                header, buffers = wire.recv_message(self.sock)
            except (EOFError, OSError, wire.ProtocolError):
                return
            if header.get("k") != "req":
                return
            self._serve(header, buffers)

    def _serve(self, header: dict, buffers: list) -> None:
        number, op = header.get("n"), header.get("op")
        reply: dict = {"k": "ok", "n": number}
        try:
            if header.get("s") and self._pending:
                pending = self._pending[-1]
                self._mirror(pending, _ArgDecoder(buffers, self._resolve, pending).decode(header["s"]))
            args = wire.Decoder(buffers, self._resolve).decode(header.get("v"))
            if not isinstance(args, list):
                raise wire.ProtocolError("arguments that are not a list")
            with _errstate(header.get("np")), warnings.catch_warnings(record=True) as caught:
                if self.side == "sandbox":
                    warnings.simplefilter("always")  # every warning goes back; the check's filters decide
                self._serving.append(number)
                try:
                    value, mutated = self._perform(str(op), args)
                finally:
                    self._serving.pop()
            if caught and self.side == "sandbox":
                reply["w"] = [[w.category.__name__, _safe_text(lambda w=w: w.message, 500), str(w.filename)[:300],
                               int(w.lineno or 0)] for w in caught[:20]]
            encoder = self._encoder()
            reply["m"] = encoder.encode(mutated)
            if number in self._watched:
                reply["watch"] = True
            late = self._late_changes()
            if late:
                reply["late"] = encoder.encode(late)
            if op in ("call", "side"):  # a result that IS an argument (or a view of one) stays one
                encoder.aliases = _aliases(args)
            self._send(reply, value, encoder)
            return
        except SandboxGone:
            raise
        except wire.ProtocolError as exc:
            if self.side == "judge":
                self._break(f"a malformed request ({exc})")
            error = exc
        except BaseException as exc:  # noqa: BLE001 - the learner's SystemExit etc. become an answer too
            error = exc
        self._send({"k": "err", "n": number}, self.describe(error), key="e")

    def _perform(self, op: str, args: list) -> tuple[Any, list]:
        if self.side == "judge":
            return self._perform_judge(op, args)
        if op == "call":
            target, positional, keywords = _unpack_call(args)
            return self._call_mirrored(target, positional, keywords)
        if op == "side":
            (module, qualname, filename), positional, keywords = args[0], args[1], args[2]
            target = _import_qualified(str(module), str(qualname), filename)
            if keywords.pop("_dlx_object", False):
                return target, []
            return self._call_mirrored(target, positional, keywords)
        if op == "getattr":
            return getattr(args[0], str(args[1])), []
        if op == "setattr":
            return setattr(args[0], str(args[1]), args[2]), []
        if op == "delattr":
            return delattr(args[0], str(args[1])), []
        if op == "op":
            target, name, *rest = args
            function = SANDBOX_OPS.get(str(name))
            if function is None:
                raise wire.ProtocolError(f"an unknown operation {name!r}")
            return function(target, *rest), []
        if op == "ufunc":
            ufunc, method, inputs, kwargs = args
            return getattr(ufunc, str(method))(*inputs, **kwargs), []
        if op == "load":
            return self.on_load(*args), []
        raise wire.ProtocolError(f"an unknown request {op!r}")

    def _perform_judge(self, op: str, args: list) -> tuple[Any, list]:
        """What the sandbox may ask of the judge: call a callable it was given, read a public attribute."""
        if not args or type(args[0]) is Remote:
            raise PermissionError("dlx: the learner's process may only use objects the checks handed to it")
        target = args[0]
        if op == "call":
            _, positional, keywords = _unpack_call(args)
            if not callable(target):
                raise TypeError(f"'{type(target).__name__}' object is not callable")
            try:
                return self._call_mirrored(target, positional, keywords)
            except BaseException as exc:
                exc_id = next(self._ids)
                self._raised[exc_id] = exc
                exc._dlx_origin = exc_id  # type: ignore[attr-defined]
                raise
        if op == "getattr":
            name = str(args[1])
            if name.startswith("_") or isinstance(target, (types.FunctionType, types.MethodType, type)):
                raise AttributeError(f"dlx: the checks' {type(target).__name__} does not share `{name}`")
            value = getattr(target, name)
            if isinstance(value, types.ModuleType):
                raise AttributeError(f"dlx: the checks' {type(target).__name__} does not share `{name}`")
            return value, []
        if op == "op" and str(args[1]) in JUDGE_OPS:
            return JUDGE_OPS[str(args[1])](target), []
        raise PermissionError(f"dlx: the checks' objects do not allow {op!r}")

    def _call_mirrored(self, target: Any, positional: tuple, keywords: dict) -> tuple[Any, list]:
        """Call, then report which mutable arguments the call changed (their new values go back)."""
        slots = [[i, v, None] for i, v in enumerate(positional) if issubclass(type(v), _MUTABLE)]
        slots += [[k, v, None] for k, v in keywords.items() if issubclass(type(v), _MUTABLE)]
        for slot in slots:
            slot[2] = self._fingerprint(slot[1])
        self._active.append(slots)
        try:
            result = target(*positional, **keywords)
        finally:
            self._active.pop()
        changes = self._changes(slots)
        if self.side == "sandbox" and slots and inspect.isgenerator(result) and self._serving:
            # a generator works on its arguments later, one next() at a time: keep copying changes back
            self._watched[self._serving[-1]] = slots
            while len(self._watched) > MAX_WATCHED:
                self._watched.pop(next(iter(self._watched)))
        return result, changes

    def _late_changes(self) -> list:
        """[call number, where, value] for arguments of watched calls changed since they were last seen."""
        return [[number, where, value] for number, slots in self._watched.items()
                for where, value in self._changes(slots)]

    def _changes(self, slots: list) -> list:
        """[where, value] for each argument whose contents changed since its last fingerprint."""
        changed = []
        for slot in slots:
            now = self._fingerprint(slot[1])
            if now != slot[2]:
                changed.append([slot[0], slot[1]])
                slot[2] = now
        return changed

    def _fingerprint(self, value: Any) -> tuple | None:
        try:
            encoder = self._encoder()
            tree = encoder.encode(value)
        except wire.Unencodable:
            return None
        return repr(tree), [bytes(memoryview(b).cast("B")) for b in encoder.buffers]

    # ------------------------------------------------------------ exceptions
    def describe(self, exc: BaseException) -> dict:
        """A plain-data account of an exception: its type, message, builtin bases and the learner's frames."""
        cls = type(exc)
        frames = []
        if self.learner_path:
            for frame in traceback.extract_tb(exc.__traceback__):
                if os.path.realpath(frame.filename) == self.learner_path:
                    frames.append([frame.filename, frame.lineno, frame.name, frame.line or ""])
        origin = getattr(exc, "_dlx_origin", None)
        return {
            "type": qualified_name(cls),
            "name": cls.__name__,
            "module": getattr(cls, "__module__", "builtins"),
            "bases": [c.__name__ for c in cls.__mro__ if c.__module__ == "builtins"],
            "message": _safe_text(lambda: exc),
            "frames": frames[-50:],
            "origin": origin if isinstance(origin, int) else None,
        }

    def _rebuild(self, desc: Any) -> BaseException:
        """The local exception that stands for a described remote one."""
        if not isinstance(desc, dict):
            raise wire.ProtocolError("an error without a description")
        origin = desc.get("origin")
        if self.side == "judge" and isinstance(origin, int) and origin in self._raised:
            return self._raised[origin]  # our own exception (a callback's), back through the learner's code
        bases = [str(b) for b in desc.get("bases", [])] if isinstance(desc.get("bases"), list) else []
        message = str(desc.get("message", ""))
        name = str(desc.get("name", "Exception"))
        if {"SystemExit", "KeyboardInterrupt", "GeneratorExit"} & set(bases) and "Exception" not in bases:
            cls: type = LearnerStopped
            message = f"{name}({message})" if message else name
        elif "StopIteration" in bases:
            cls = StopIteration
        else:
            cls = _exception_class(name, str(desc.get("module", "builtins")), bases)
        exc = cls(message)
        exc.remote_type = str(desc.get("type", name))  # type: ignore[attr-defined]
        exc.remote_name = name  # type: ignore[attr-defined]
        frames = desc.get("frames") if isinstance(desc.get("frames"), list) else []
        exc.remote_frames = [  # type: ignore[attr-defined]
            traceback.FrameSummary(str(f[0]), int(f[1]) if isinstance(f[1], int) else None, str(f[2]), line=str(f[3]))
            for f in frames if isinstance(f, list) and len(f) == 4
        ]
        if isinstance(origin, int) and self.side == "sandbox":
            exc._dlx_origin = origin  # type: ignore[attr-defined]
        return exc


_NP_ERR_KEYS = ("divide", "over", "under", "invalid")
_NP_ERR_VALUES = ("ignore", "warn", "raise", "call", "print", "log")


def _errstate(settings: Any) -> Any:
    """numpy's error settings of the judge's check, applied around one request in the sandbox."""
    import contextlib

    if not isinstance(settings, dict):
        return contextlib.nullcontext()
    clean = {k: v for k, v in settings.items() if k in _NP_ERR_KEYS and v in _NP_ERR_VALUES and v != "call"}
    return np.errstate(**clean)


def _reissue_warnings(records: Any) -> None:
    """Warn here what the learner's code warned there, so a check's warnings filters and records see it."""
    import builtins

    if not isinstance(records, list):
        return
    for record in records[:20]:
        if not (isinstance(record, list) and len(record) == 4):
            continue
        name, message, filename, lineno = record
        category = getattr(builtins, str(name), None)
        if not (isinstance(category, type) and issubclass(category, Warning)):
            category = UserWarning
        warnings.warn_explicit(str(message), category, str(filename), lineno if isinstance(lineno, int) else 0)


class _ArgDecoder(wire.Decoder):
    """A reply decoder that resolves "this is your own argument" tags to the very objects sent."""

    def __init__(self, buffers: list, resolve: Callable, args: tuple):
        super().__init__(buffers, resolve)
        self.args = args

    def _follow(self, path: Any) -> Any:
        if not isinstance(path, list) or len(self.args) < 3:
            raise wire.ProtocolError("a bad argument path")
        value: Any = (self.args[-2], self.args[-1])
        for step in path:
            value = value[step]
        return value

    def _arg(self, tree: dict, depth: int) -> Any:
        return self._follow(tree["path"])

    def _view(self, tree: dict, depth: int) -> Any:
        fallback = self.decode(tree["v"], depth)
        try:
            base = self._follow(tree["path"])
            if isinstance(base, np.ndarray) and base.flags.c_contiguous and isinstance(fallback, np.ndarray):
                view = np.ndarray(fallback.shape, fallback.dtype, buffer=base, offset=int(tree["offset"]),
                                  strides=tuple(int(s) for s in tree["strides"]))
                if np.array_equal(view, fallback, equal_nan=fallback.dtype.kind in "fc"):
                    return view
        except (TypeError, ValueError, IndexError, KeyError):
            pass
        return fallback


def _unpack_call(args: list) -> tuple[Any, tuple, dict]:
    if len(args) != 3 or not isinstance(args[1], (list, tuple)) or not isinstance(args[2], dict):
        raise wire.ProtocolError("a malformed call")
    return args[0], tuple(args[1]), {str(k): v for k, v in args[2].items()}


def _import_qualified(module: str, qualname: str, filename: Any = None) -> Any:
    """A trusted helper by module and qualified name: of checker.*, keras, tensorflow, numpy, or a check file.

    A check file is not a package module (pytest imports it by path), so it is
    loaded here by its path, which must lie in the course's checks folder.
    """
    import importlib
    import importlib.util

    if not qualname.replace(".", "").replace("_", "a").isalnum():
        raise PermissionError(f"dlx: {qualname!r} is not a helper's name")
    if module in sys.modules:
        obj: Any = sys.modules[module]
    elif module.split(".")[0] in ("checker", "keras", "tensorflow", "numpy"):
        obj = importlib.import_module(module)
    else:
        checks = os.path.join(os.path.dirname(os.path.realpath(__file__)), "checks") + os.sep
        path = os.path.realpath(str(filename or ""))
        if not (path.startswith(checks) and path.endswith(".py") and os.path.isfile(path)):
            raise PermissionError(f"dlx: {module}:{qualname} is not a course helper")
        spec = importlib.util.spec_from_file_location(module, path)
        obj = importlib.util.module_from_spec(spec)
        sys.modules[module] = obj
        spec.loader.exec_module(obj)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


_MUTABLE = (np.ndarray, list, dict, set, bytearray)


def _aliases(args: list) -> dict[int, tuple[list, Any]]:
    """id → (path, object) for the arrays, lists and dicts among a call's arguments (for identity and views)."""
    found: dict[int, tuple[list, Any]] = {}
    if len(args) < 3:
        return found

    def walk(value: Any, path: list, depth: int) -> None:
        if depth > 3 or id(value) in found:
            return
        kind = type(value)
        if kind in (np.ndarray, list, dict):
            found[id(value)] = (path, value)
        if kind in (list, tuple):
            for i, item in enumerate(value[:64]):
                walk(item, path + [i], depth + 1)
        elif kind is dict:
            for key, item in list(value.items())[:64]:
                if isinstance(key, (str, int)):
                    walk(item, path + [key], depth + 1)

    walk(args[-2], [0], 0)
    walk(args[-1], [1], 0)
    return found


def write_back(original: Any, new: Any) -> Any:
    """Make `original` hold `new` in place where it can (arrays, lists, dicts, sets); return the result."""
    if type(original) is np.ndarray and type(new) is np.ndarray:
        if original.shape == new.shape and original.flags.writeable:
            np.copyto(original, new, casting="unsafe")
            return original
        return new
    if type(original) is list and type(new) is list:
        if len(original) == len(new):
            for i, item in enumerate(new):
                original[i] = write_back(original[i], item)
        else:
            original[:] = new
        return original
    if type(original) is dict and type(new) is dict:
        for key in [k for k in original if k not in new]:
            del original[key]
        for key, item in new.items():
            original[key] = write_back(original[key], item) if key in original else item
        return original
    if type(original) is set and type(new) is set:
        original.clear()
        original.update(new)
        return original
    if type(original) is bytearray and type(new) in (bytes, bytearray):
        original[:] = new
        return original
    return new
