"""Guards: the learner's function must not modify its inputs."""

from __future__ import annotations

import copy
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from checker.testing.asserts import fail


def snapshot(values: Iterable[Any]) -> list[Any]:
    """Deep copies of `values`, to compare with after a call."""
    return [copy.deepcopy(v) for v in values]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and bool(
            np.array_equal(a, b, equal_nan=True)
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - exotic objects: treat as unchanged
        return True


def assert_unchanged(before: Mapping[str, Any], after: Mapping[str, Any], *, what: str) -> None:
    """Fail if any named input differs from its snapshot."""
    for name, old in before.items():
        if not _same(old, after[name]):
            fail(
                f"{what} changed its input `{name}` in place.\n"
                "A function must not modify the arrays it is given: the caller still needs them. "
                f"Work on a copy ({name} = {name}.copy()) or avoid in-place updates like `{name} -= ...`."
            )


def call_unchanged(fn: Callable[..., Any], *args: Any, what: str, names: Iterable[str] | None = None, **kwargs: Any) -> Any:
    """Call `fn` and fail if it modified any array argument; return its result.

    `names` labels the positional arguments in the message (default arg0, arg1...).
    Only numpy arrays are guarded: dict arguments such as an optimizer's `config`
    are meant to carry state and may be updated.
    """
    labels = list(names) if names is not None else [f"arg{i}" for i in range(len(args))]
    guarded = {label: arg for label, arg in zip(labels, args) if isinstance(arg, np.ndarray)}
    guarded.update({k: v for k, v in kwargs.items() if isinstance(v, np.ndarray)})
    before = dict(zip(guarded, snapshot(guarded.values())))
    result = fn(*args, **kwargs)
    assert_unchanged(before, guarded, what=what)
    return result
