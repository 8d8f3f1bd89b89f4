"""What each side of the channel may ask of the other.

The judge may ask the sandbox anything about the learner's objects: call them,
read and set attributes, apply operators, and run a trusted course helper there
by name (`side`: only a function of checker.*, keras, tensorflow, numpy or a
check file of the course).  The sandbox may ask the judge much less: only to
call a callable the checks handed to it, read a public attribute of it, or a
few harmless conversions (repr, str, bool, len) -- never a module, a private
name or a function's internals, so learner code cannot walk from a callback to
the judge's internals.
"""

from __future__ import annotations

import operator
import os
import sys
import types
from typing import Any, Callable

import numpy as np

from checker.channel import wire

CHECKS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "checks") + os.sep
HELPER_PACKAGES = ("checker", "keras", "tensorflow", "numpy")
_NP_ERR_KEYS = ("divide", "over", "under", "invalid")
_NP_ERR_VALUES = ("ignore", "warn", "raise", "print", "log")


def op_isinstance_of(cls: Any, obj: Any) -> bool:
    return isinstance(obj, cls)


def op_issubclass_of(cls: Any, other: Any) -> bool:
    return issubclass(other, cls)


def op_iter(obj: Any) -> Any:
    return iter(obj)


def op_array(obj: Any, dtype: Any = None) -> np.ndarray:
    return np.asarray(obj, dtype=dtype)


def op_exit(obj: Any, *args: Any) -> Any:
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
    "complex": complex, "iter": op_iter, "next": next, "dir": dir, "array": op_array,
    "isinstance_of": op_isinstance_of, "issubclass_of": op_issubclass_of,
    "enter": lambda obj: obj.__enter__(), "exit": op_exit,
}
JUDGE_OPS: dict[str, Callable] = {"repr": repr, "str": str, "bool": bool, "len": len}


def unpack_call(args: list) -> tuple[Any, tuple, dict]:
    if len(args) != 3 or not isinstance(args[1], (list, tuple)) or not isinstance(args[2], dict):
        raise wire.ProtocolError("a malformed call")
    return args[0], tuple(args[1]), {str(k): v for k, v in args[2].items()}


def import_qualified(module: str, qualname: str, filename: Any = None) -> Any:
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
    elif module.split(".")[0] in HELPER_PACKAGES:
        obj = importlib.import_module(module)
    else:
        path = os.path.realpath(str(filename or ""))
        if not (path.startswith(CHECKS_DIR) and path.endswith(".py") and os.path.isfile(path)):
            raise PermissionError(f"dlx: {module}:{qualname} is not a course helper")
        spec = importlib.util.spec_from_file_location(module, path)
        obj = importlib.util.module_from_spec(spec)
        sys.modules[module] = obj
        spec.loader.exec_module(obj)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def judge_getattr(target: Any, name: str) -> Any:
    """An attribute of an object the checks handed over: one of its own methods, or a plain value.

    Never a module, a private name, a function's internals, or another object
    reached through it (a Generator's `bit_generator`, its ctypes pointers...):
    learner code may use what it was given, not walk the judge's memory from it.
    """
    refused = AttributeError(f"dlx: the checks' {type(target).__name__} does not share `{name}`")
    if name.startswith("_") or isinstance(target, (types.FunctionType, types.MethodType, type, types.ModuleType)):
        raise refused
    value = getattr(target, name)
    if callable(value) and getattr(value, "__self__", None) is target:
        return value  # a method of the object itself
    if value is None or type(value) in (bool, int, float, str):
        return value
    raise refused


def errstate(settings: Any) -> Any:
    """numpy's error settings of the judge's check, to apply around one request in the sandbox."""
    import contextlib

    if not isinstance(settings, dict):
        return contextlib.nullcontext()
    clean = {k: v for k, v in settings.items() if k in _NP_ERR_KEYS and v in _NP_ERR_VALUES}
    return np.errstate(**clean)
