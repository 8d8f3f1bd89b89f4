"""A call of the learner's function as plain JSON data: what a failing check called, for `dlx debug`.

The judge notes the last call a check made to a function of the learner's
module, when its arguments are plain data (numbers, text, numpy arrays of
numbers, lists, tuples and dicts of them, numpy random generators by their
state) and small; a failing check's record carries it.  `dlx debug` decodes it
in the learner's own Python and makes the same call there, where breakpoint()
and print() work.  Nothing here runs learner code; decoding trusts no field.
"""

from __future__ import annotations

import json
import keyword
from typing import Any

MAX_ELEMENTS = 2000  # numbers in one call's arguments: a check's tiny input, not a data set
MAX_CHARS = 24 * 1024  # of the encoded call: well inside a record's line (checker.engine.records)
MAX_DEPTH = 6
DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64")


class NotPlain(Exception):
    """An argument that is not plain data (a proxy, a model, a callback...), or too much of it."""


def encode(function: str, args: tuple, kwargs: dict) -> dict | None:
    """The call as JSON-ready data, or None when an argument is not plain or the whole is too big."""
    budget = [MAX_ELEMENTS]
    try:
        data = {"function": function, "args": [_encode(a, budget, 0) for a in args],
                "kwargs": {_key(k): _encode(v, budget, 0) for k, v in kwargs.items()}}
    except NotPlain:
        return None
    return data if len(json.dumps(data)) <= MAX_CHARS else None


def snapshot(value: Any, budget: list[int] | None = None, depth: int = 0) -> Any:
    """`value` as it is now, cheaply (arrays copied, containers rebuilt), for `encode` later if the check fails.

    A check may call the learner's function hundreds of times (numeric gradients); encoding happens only for
    the failing check's last call.  NotPlain when it cannot be encoded anyway (too big, too deep).
    """
    import numpy as np

    budget = [MAX_ELEMENTS] if budget is None else budget
    if depth > MAX_DEPTH:
        raise NotPlain("nested too deeply")
    kind = type(value)
    if kind is np.ndarray:
        _spend(budget, value.size)
        return value.copy()
    if kind in (list, tuple):
        _spend(budget, 1)
        return kind(snapshot(v, budget, depth + 1) for v in value)
    if kind is dict:
        _spend(budget, 1)
        return {k: snapshot(v, budget, depth + 1) for k, v in value.items()}
    if kind is np.random.Generator:
        return {"_dlx_rng_state": value.bit_generator.state} if type(value.bit_generator) is np.random.PCG64 else value
    return value


def _key(key: Any) -> str:
    if type(key) is not str:
        raise NotPlain("a keyword that is not text")
    return key


def _encode(value: Any, budget: list[int], depth: int) -> Any:
    import numpy as np

    if depth > MAX_DEPTH:
        raise NotPlain("nested too deeply")
    kind = type(value)
    if kind is dict and set(value) == {"_dlx_rng_state"}:  # a generator's state taken by `snapshot`
        _spend(budget, 8)
        return {"rng": json.loads(json.dumps(value["_dlx_rng_state"]))}
    if value is None or kind in (bool, str):
        _spend(budget, 1 if kind is not str else 1 + len(value) // 16)
        return value
    if kind is int:
        _spend(budget, 1)
        return value if abs(value) < 2**53 else float(value)
    if kind is float:
        _spend(budget, 1)
        return value if value == value and abs(value) != float("inf") else {"float": repr(value)}
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        return _encode(value.item(), budget, depth)
    if kind is np.ndarray:
        if value.dtype.name not in DTYPES:
            raise NotPlain(f"an array of {value.dtype}")
        _spend(budget, value.size)
        flat = [float(x) if value.dtype.kind == "f" else int(x) if value.dtype.kind in "iu" else bool(x)
                for x in value.reshape(-1).tolist()]
        return {"array": [x if not isinstance(x, float) or (x == x and abs(x) != float("inf")) else repr(x)
                          for x in flat], "shape": list(value.shape), "dtype": value.dtype.name}
    if kind in (list, tuple):
        _spend(budget, 1)
        items = [_encode(v, budget, depth + 1) for v in value]
        return items if kind is list else {"tuple": items}
    if kind is dict:
        _spend(budget, 1)
        return {"dict": [[_encode(k, budget, depth + 1), _encode(v, budget, depth + 1)] for k, v in value.items()]}
    if kind is np.random.Generator and type(value.bit_generator) is np.random.PCG64:
        _spend(budget, 8)
        return {"rng": json.loads(json.dumps(value.bit_generator.state))}
    raise NotPlain(f"a {kind.__name__}")


def _spend(budget: list[int], amount: int) -> None:
    budget[0] -= amount
    if budget[0] < 0:
        raise NotPlain("too many numbers")


def decode(data: Any) -> tuple[str, list, dict]:
    """(function name, args, kwargs) from encoded data; ValueError for anything malformed."""
    if type(data) is not dict or type(data.get("args")) is not list or type(data.get("kwargs")) is not dict:
        raise ValueError("not a call")
    function = data.get("function")
    if type(function) is not str or not function.isidentifier() or keyword.iskeyword(function):
        raise ValueError("not a function name")
    return function, [_decode(v, 0) for v in data["args"]], {str(k): _decode(v, 0) for k, v in data["kwargs"].items()}


def _decode(value: Any, depth: int) -> Any:
    import numpy as np

    if depth > MAX_DEPTH + 1:
        raise ValueError("nested too deeply")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [_decode(v, depth + 1) for v in value]
    if type(value) is not dict or len(value) not in (1, 3):
        raise ValueError("not an encoded value")
    if "float" in value:
        return float(str(value["float"]))
    if "tuple" in value:
        return tuple(_decode(v, depth + 1) for v in value["tuple"])
    if "dict" in value:
        return {_decode(k, depth + 1): _decode(v, depth + 1) for k, v in value["dict"]}
    if "rng" in value:
        generator = np.random.Generator(np.random.PCG64())
        generator.bit_generator.state = value["rng"]
        return generator
    if str(value.get("dtype")) not in DTYPES:
        raise ValueError("an array of an unknown type")
    numbers = [float(x) if type(x) is str else x for x in value["array"]]
    return np.array(numbers, dtype=value["dtype"]).reshape([int(n) for n in value["shape"]])
