"""In-place changes across the channel: the learner's code changes an argument there, the check sees it here.

Arguments cross by value, so a function that modifies its input in place would
modify a copy.  The serving side fingerprints every mutable argument before a
call and sends back those whose contents changed; the requesting side writes
the new contents into the very objects it sent (`write_back`), so a guard such
as "your function must not modify its input" still sees the change.  A result
that *is* one of the arguments (or a view of one) comes back as that argument.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from checker.channel import wire

class ArgDecoder(wire.Decoder):
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


MUTABLE = (np.ndarray, list, dict, set, bytearray)


def aliases(args: list) -> dict[int, tuple[list, Any]]:
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


def mirror(args: tuple, mutated: Any) -> None:
    """Copy back the in-place changes the other side made to the arguments of a call."""
    if not mutated:
        return
    if not isinstance(mutated, list) or len(args) < 3:
        raise wire.ProtocolError("mirrored changes without arguments")
    positional, keywords = args[-2], args[-1]
    for change in mutated:
        if not (isinstance(change, list) and len(change) == 2):
            raise wire.ProtocolError("a malformed mirrored change")
        where, value = change
        if type(where) is int and 0 <= where < len(positional):
            write_back(positional[where], value)
        elif type(where) is str and where in keywords:
            write_back(keywords[where], value)
        else:
            raise wire.ProtocolError("a mirrored change to no argument")


def slots_of(positional: tuple, keywords: dict) -> list[list]:
    """[where, value, fingerprint] for each mutable argument of a call (fingerprints taken by `changes`)."""
    slots = [[i, v, None] for i, v in enumerate(positional) if issubclass(type(v), MUTABLE)]
    slots += [[k, v, None] for k, v in keywords.items() if issubclass(type(v), MUTABLE)]
    return slots


def changes(slots: list, fingerprint: Callable[[Any], Any]) -> list:
    """[where, value] for each argument whose contents changed since its last fingerprint (which is updated)."""
    changed = []
    for slot in slots:
        now = fingerprint(slot[1])
        if now != slot[2]:
            changed.append([slot[0], slot[1]])
            slot[2] = now
    return changed
