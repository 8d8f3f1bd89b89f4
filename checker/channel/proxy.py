"""`Remote`: the proxy for an object that lives on the other side of the channel.

Every use of a proxy (an attribute, a call, an operator, a conversion) is a
request to the side that owns the object, answered by value or by another
proxy.  A proxy never passes for a value of this side: its `__class__` is
`Remote`, whatever the other side says its type is, so `isinstance(x,
np.ndarray)` is false for it and the toolkit's assertions refuse it.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

_SLOTS = ("_dlx_conn", "_dlx_id", "_dlx_meta")


class Remote:
    """An object that lives on the other side of the channel; every use is a request there."""

    __slots__ = (*_SLOTS, "__weakref__")

    def __init__(self, conn: Any, ref_id: int, meta: dict):
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
    def __class__(self) -> type:  # noqa: D105
        # Never a class of this side on the other side's word: a proxy is a proxy.  A check that needs to know
        # whether the object over there is, say, a keras.Model asks with checker.testing.learner_isinstance.
        return Remote

    def __instancecheck__(self, obj: Any) -> bool:
        return bool(self._dlx("op", "isinstance_of", obj))

    def __subclasscheck__(self, cls: Any) -> bool:
        return bool(self._dlx("op", "issubclass_of", cls))

    # calls and conversions
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


class CallableRemote(Remote):
    """A proxy for a callable object over there (a function, a class, a model): `callable()` is true for it only."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return object.__getattribute__(self, "_dlx_conn").request("call", self, args, kwargs)


PROXY_TYPES = (Remote, CallableRemote)


def is_remote(value: Any) -> bool:
    return type(value) in PROXY_TYPES


def type_name(value: Any) -> str:
    """The name of a value's type as the learner wrote it (for a Remote, its type over there, as it says)."""
    if type(value) in PROXY_TYPES:
        full = object.__getattribute__(value, "_dlx_meta").get("type", "object")
        return str(full).rsplit(".", 1)[-1][:100]
    return type(value).__name__


def remote_type(value: Any) -> str:
    """The qualified name of a value's type, e.g. 'builtins.generator' (a Remote's type over there, as it says)."""
    if type(value) in PROXY_TYPES:
        return str(object.__getattribute__(value, "_dlx_meta").get("type", "builtins.object"))[:300]
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"


def is_remote_generator(value: Any) -> bool:
    """Whether a proxy stands for a real generator object (its owner checked the type by identity)."""
    return type(value) in PROXY_TYPES and object.__getattribute__(value, "_dlx_meta").get("generator") is True
