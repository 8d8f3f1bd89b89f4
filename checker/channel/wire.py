"""The judge/sandbox wire format: plain values travel by value, everything else by reference.

The judge (which runs the hidden checks) and the sandbox (which runs the
learner's code) talk over one socket.  What the sandbox sends is untrusted, so
the format is built to be safe to read: a JSON header for the structure and raw
bytes for arrays, checked against a short list of tags.  Nothing is unpickled
and nothing is imported or executed on the way in.

A value is one of: None, bool, int, float, str, list, or a dict tagged with "$":
tuple, dict (as key/value pairs), bytes, complex, set, frozenset, slice,
Ellipsis, ndarray, numpy scalar, dtype, a numpy or builtin scalar type, a numpy
ufunc, a tensor (when the peer has TensorFlow), or a reference to an object that lives on one side ("ref").
"""

from __future__ import annotations

import json
import socket
import struct
import sys
from typing import Any, Callable

import numpy as np

MAX_HEADER_BYTES = 8 << 20  # a JSON header over 8 MiB is refused: arrays travel as buffers, so structure is small
MAX_MESSAGE_BYTES = 1 << 30  # header and buffers together over 1 GiB are refused: a runaway value, not a result
MAX_ELEMENTS = 1_000_000  # values decoded from one message, at most (arrays count once: their bytes are buffers)
MAX_BUFFERS = 100_000
MAX_DEPTH = 64  # nesting deeper than this is refused (a self-referencing list, a malicious header)
ARRAY_KINDS = set("biufcSUMm?")  # object and structured arrays cross as references
SCALAR_TYPES = {
    "builtins": ("int", "float", "bool", "complex", "str", "bytes", "list", "tuple", "dict", "set", "object"),
    "numpy": tuple(name for name in dir(np) if isinstance(getattr(np, name, None), type)
                   and issubclass(getattr(np, name), np.generic)) + ("ndarray",),
}


class ProtocolError(Exception):
    """A message that does not follow the format (a broken or forged channel)."""


class Unencodable(Exception):
    """A value that cannot cross by value (the caller sends a reference instead)."""


# --------------------------------------------------------------------------- framing


def send_message(sock: socket.socket, header: dict, buffers: list) -> None:
    """One message: 4-byte header length, JSON header, then each buffer with its 8-byte length."""
    head = json.dumps(header, separators=(",", ":")).encode()
    parts = [struct.pack("<I", len(head)), head]
    for buf in buffers:
        view = memoryview(buf).cast("B")
        parts.append(struct.pack("<Q", view.nbytes))
        parts.append(view)
    for part in parts:
        sock.sendall(part)


def _recv_exact(sock: socket.socket, n: int) -> bytearray:
    data = bytearray(n)
    view = memoryview(data)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], min(n - got, 1 << 24))
        if k == 0:
            raise EOFError("the other side closed the channel")
        got += k
    return data


def recv_message(sock: socket.socket) -> tuple[dict, list[bytearray]]:
    """Read one message; refuse anything malformed or over the caps (MAX_HEADER_BYTES, MAX_MESSAGE_BYTES)."""
    (size,) = struct.unpack("<I", _recv_exact(sock, 4))
    if size > MAX_HEADER_BYTES:
        raise ProtocolError(f"a header of {size} bytes")
    try:
        header = json.loads(_recv_exact(sock, size).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"a header that is not JSON ({exc})") from None
    if not isinstance(header, dict):
        raise ProtocolError("a header that is not an object")
    count = header.get("nbuf", 0)
    if type(count) is not int or not 0 <= count <= MAX_BUFFERS:
        raise ProtocolError("a bad buffer count")
    buffers, total = [], size
    for _ in range(count):
        (length,) = struct.unpack("<Q", _recv_exact(sock, 8))
        total += length
        if total > MAX_MESSAGE_BYTES:
            raise ProtocolError(f"a message over {MAX_MESSAGE_BYTES >> 20} MiB")
        buffers.append(_recv_exact(sock, length))
    return header, buffers


# --------------------------------------------------------------------------- encoding


class Encoder:
    """Turns one value into a JSON-able tree plus a list of buffers.

    `export(obj)` is called for anything that cannot travel by value; it returns
    the reference tag (or raises Unencodable).  `tensors` says whether the peer
    can rebuild a tf.Tensor; if not, tensors cross by reference.
    """

    def __init__(self, export: Callable[[Any], dict], tensors: bool = False):
        self.export = export
        self.tensors = tensors
        self.buffers: list = []
        self._active: set[int] = set()
        self.aliases: dict[int, tuple[list, Any]] = {}  # id → (path, object): the call's own arguments

    def _buffer(self, data) -> int:
        self.buffers.append(data)
        return len(self.buffers) - 1

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise Unencodable("nested too deeply")
        kind = type(value)  # type(), never isinstance(): a proxy may claim any __class__
        if value is None or kind in (bool, str):
            return value
        if kind is int:
            return value
        if self.aliases and kind in (np.ndarray, list, dict):
            alias = self._alias(value)
            if alias is not None:
                return alias
        if kind is float:
            return value if value == value and value not in (float("inf"), float("-inf")) else {"$": "float", "v": repr(value)}
        if kind is complex:
            return {"$": "complex", "re": self.encode(value.real), "im": self.encode(value.imag)}
        if kind is bytes:
            return {"$": "bytes", "buf": self._buffer(value)}
        if kind is np.ndarray:
            if value.dtype.kind in ARRAY_KINDS and value.dtype.fields is None:
                data = np.ascontiguousarray(value)
                return {"$": "nd", "dtype": value.dtype.str, "shape": list(value.shape),
                        "ro": not value.flags.writeable, "buf": self._buffer(data.view(np.uint8).reshape(-1)
                                                                             if data.size else b"")}
            return self.export(value)
        if issubclass(kind, np.generic) and value.dtype.kind in ARRAY_KINDS:
            return {"$": "npscalar", "dtype": value.dtype.str, "buf": self._buffer(np.array(value).tobytes())}
        if kind in (list, tuple, set, frozenset, dict):
            return self._container(value, kind, depth)
        if kind is slice:
            return {"$": "slice", "v": [self.encode(value.start, depth + 1), self.encode(value.stop, depth + 1),
                                        self.encode(value.step, depth + 1)]}
        if value is Ellipsis:
            return {"$": "ellipsis"}
        if kind is range:
            return {"$": "range", "v": [value.start, value.stop, value.step]}
        if issubclass(kind, np.dtype) and value.kind in ARRAY_KINDS and value.fields is None:
            return {"$": "dtype", "v": value.str}
        if issubclass(kind, type) and value.__name__ in SCALAR_TYPES.get(value.__module__, ()):
            return {"$": "type", "module": value.__module__, "name": value.__name__}
        if kind is np.ufunc and getattr(np, value.__name__, None) is value:
            return {"$": "npfunc", "name": value.__name__}
        if self.tensors and kind.__name__ == "EagerTensor" and _is_eager_tensor(value):
            return {"$": "tensor", "v": self.encode(value.numpy(), depth + 1)}
        plain = _plain_value(value)
        if plain is not None:  # a subclass of a value type crosses as its plain value: its methods answer nothing
            return self.encode(plain, depth + 1)
        return self.export(value)

    def _alias(self, value: Any) -> dict | None:
        """An "arg" tag if `value` is one of the call's arguments, a "view" tag if it is a view of one."""
        found = self.aliases.get(id(value))
        if found is not None and found[1] is value:
            return {"$": "arg", "path": found[0]}
        if type(value) is not np.ndarray or value.dtype.kind not in ARRAY_KINDS or value.dtype.fields is not None:
            return None
        start = value.__array_interface__["data"][0]
        for path, arg in self.aliases.values():
            if type(arg) is np.ndarray and arg.flags.c_contiguous and np.may_share_memory(value, arg):
                offset = start - arg.__array_interface__["data"][0]
                aliases, self.aliases = self.aliases, {}
                try:
                    plain = self.encode(value)
                finally:
                    self.aliases = aliases
                return {"$": "view", "path": path, "offset": offset, "strides": list(value.strides), "v": plain}
        return None

    def _container(self, value, kind, depth):
        key = id(value)
        if key in self._active:
            raise Unencodable("a container that contains itself")
        self._active.add(key)
        try:
            if kind is list:
                return [self.encode(v, depth + 1) for v in value]
            if kind is dict:
                return {"$": "dict", "items": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                                               for k, v in value.items()]}
            tag = {tuple: "tuple", set: "set", frozenset: "frozenset"}[kind]
            return {"$": tag, "items": [self.encode(v, depth + 1) for v in value]}
        finally:
            self._active.discard(key)


def _plain_value(value: Any) -> Any:
    """The plain value inside an instance of a subclass of int, float, complex, str, bytes or ndarray, else None.

    Taken with the base types' own C methods, never the subclass's (which are the learner's code): the judge
    then compares a real number or a real array, whatever `__eq__` or `astype` the subclass defined.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, complex):
        return complex.__complex__(value) if hasattr(complex, "__complex__") else complex(value.real, value.imag)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bytes):
        return bytes.__bytes__(value) if hasattr(bytes, "__bytes__") else bytes(memoryview(value))
    if isinstance(value, np.ndarray) and value.dtype.kind in ARRAY_KINDS and value.dtype.fields is None:
        return np.ndarray.view(value, np.ndarray)
    return None


def _is_eager_tensor(value: Any) -> bool:
    tf = sys.modules.get("tensorflow")
    return tf is not None and type(value).__name__ == "EagerTensor" and tf.is_tensor(value)


# --------------------------------------------------------------------------- decoding


class Decoder:
    """Rebuilds values from a header tree and its buffers; `resolve(tag)` turns a reference into an object."""

    def __init__(self, buffers: list, resolve: Callable[[dict], Any]):
        self.buffers = buffers
        self.resolve = resolve
        self.budget = MAX_ELEMENTS  # values still allowed in this message

    def _buf(self, index: Any) -> bytearray:
        if not isinstance(index, int) or not 0 <= index < len(self.buffers):
            raise ProtocolError("a buffer index out of range")
        return self.buffers[index]

    def decode(self, tree: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError("nested too deeply")
        self.budget -= 1
        if self.budget < 0:
            raise ProtocolError(f"more than {MAX_ELEMENTS} values in one message")
        if tree is None or type(tree) in (bool, int, float, str):
            return tree
        if type(tree) is list:
            return [self.decode(v, depth + 1) for v in tree]
        if type(tree) is not dict:
            raise ProtocolError(f"an unexpected {type(tree).__name__}")
        tag = tree.get("$")
        name = TAGS.get(tag) if type(tag) is str else None
        if name is None:
            raise ProtocolError(f"an unknown tag {str(tag)[:40]!r}")
        method = getattr(self, name)
        try:
            return method(tree, depth + 1)
        except ProtocolError:
            raise
        except Exception as exc:  # noqa: BLE001 - any malformed field is a protocol error
            raise ProtocolError(f"a malformed {tag!r}: {type(exc).__name__}: {str(exc)[:200]}") from None

    def _items(self, tree, depth):
        items = tree["items"]
        if not isinstance(items, list):
            raise ProtocolError("items that are not a list")
        return [self.decode(v, depth) for v in items]

    def _float(self, tree, depth):
        if tree["v"] not in ("nan", "inf", "-inf"):
            raise ProtocolError("a bad float")
        return float(tree["v"])

    def _complex(self, tree, depth):
        return complex(float(self.decode(tree["re"], depth)), float(self.decode(tree["im"], depth)))

    def _bytes(self, tree, depth):
        return bytes(self._buf(tree["buf"]))

    def _nd(self, tree, depth):
        dtype = _safe_dtype(tree["dtype"])
        shape = tuple(int(n) for n in tree["shape"])
        if any(n < 0 for n in shape) or len(shape) > 32:
            raise ProtocolError("a bad shape")
        data = self._buf(tree["buf"])
        count = int(np.prod(shape, dtype=object))
        if len(data) != count * dtype.itemsize:
            raise ProtocolError("an array whose size does not match its shape")
        array = np.frombuffer(data, dtype=dtype, count=count).reshape(shape) if count else np.zeros(shape, dtype)
        array = array.copy() if not array.flags.writeable else array
        if tree.get("ro") is True:
            array.flags.writeable = False
        return array

    def _npscalar(self, tree, depth):
        dtype = _safe_dtype(tree["dtype"])
        data = self._buf(tree["buf"])
        if len(data) != dtype.itemsize:
            raise ProtocolError("a scalar of the wrong size")
        return np.frombuffer(bytes(data), dtype=dtype)[0]

    def _tuple(self, tree, depth):
        return tuple(self._items(tree, depth))

    def _set(self, tree, depth):
        return set(self._items(tree, depth))

    def _frozenset(self, tree, depth):
        return frozenset(self._items(tree, depth))

    def _dict(self, tree, depth):
        items = tree["items"]
        if not isinstance(items, list) or not all(isinstance(p, list) and len(p) == 2 for p in items):
            raise ProtocolError("dict items that are not pairs")
        return {self.decode(k, depth): self.decode(v, depth) for k, v in items}

    def _slice(self, tree, depth):
        start, stop, step = (self.decode(v, depth) for v in tree["v"])
        return slice(start, stop, step)

    def _ellipsis(self, tree, depth):
        return Ellipsis

    def _range(self, tree, depth):
        start, stop, step = (int(v) for v in tree["v"])
        return range(start, stop, step)

    def _dtype(self, tree, depth):
        return _safe_dtype(tree["v"])

    def _type(self, tree, depth):
        module, name = tree["module"], tree["name"]
        if name not in SCALAR_TYPES.get(module, ()):
            raise ProtocolError(f"a type that may not cross: {module}.{name}")
        return getattr(np, name) if module == "numpy" else _builtin(name)

    def _npfunc(self, tree, depth):
        func = getattr(np, str(tree["name"]), None)
        if not isinstance(func, np.ufunc):
            raise ProtocolError("not a numpy ufunc")
        return func

    def _tensor(self, tree, depth):
        value = self.decode(tree["v"], depth)
        tf = sys.modules.get("tensorflow")
        return tf.constant(value) if tf is not None else value

    def _ref(self, tree, depth):
        return self.resolve(tree)

    def _arg(self, tree, depth):
        raise ProtocolError("an argument tag outside an answer")

    def _view(self, tree, depth):
        raise ProtocolError("a view tag outside an answer")


# The only tags a message may carry, each with the method that decodes it (a subclass may override one).
TAGS = {tag: f"_{tag}" for tag in (
    "float", "complex", "bytes", "nd", "npscalar", "tuple", "set", "frozenset", "dict", "slice", "ellipsis", "range",
    "dtype", "type", "npfunc", "tensor", "ref", "arg", "view",
)}


def _builtin(name: str) -> type:
    import builtins

    return getattr(builtins, name)


def _safe_dtype(text: Any) -> np.dtype:
    if not isinstance(text, str) or len(text) > 32:
        raise ProtocolError("a bad dtype")
    dtype = np.dtype(text)
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise ProtocolError(f"a dtype that may not cross: {text}")
    return dtype
