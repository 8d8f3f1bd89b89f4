"""Notice when learner code rebinds the tools the checks rely on.

A learner's module can write `numpy.allclose = lambda *a, **k: True`, replace a
`numpy.testing` function, a builtin, a function of the checker's own toolkit, or
a method pytest uses to report results.  Before the learner's file is loaded the
check process records which object every name of those modules (and of the
classes they define) is bound to; afterwards, any name bound to another object,
or removed, is reported and the run cannot pass.

This guards against module-scope monkeypatching and patches left in place.  It
runs inside the learner's process, so code written to defeat it (patch, then
restore before the check ends; or edit this guard itself) can: see the README's
honesty section.
"""

from __future__ import annotations

import sys
import types

# Top-level packages whose names the checks (and pytest's reporting) depend on.
WATCHED = (
    "builtins", "numpy", "checker", "pytest", "_pytest", "pluggy",
    "math", "json", "os", "time", "signal", "traceback", "inspect", "importlib", "warnings",
)

# Names that pytest and the standard library rebind themselves while a session runs.
VOLATILE = {
    "warnings": {"filters", "_showwarnmsg_impl", "showwarning", "_filters_version", "_onceregistry"},
}

Snapshot = dict[str, tuple[int, dict[str, int]]]


def _snapshot(keep: list | None = None) -> Snapshot:
    """owner (module, or module.Class) -> (its id, {name: id of the bound object})."""
    taken: Snapshot = {}
    for name, module in list(sys.modules.items()):
        if not isinstance(module, types.ModuleType) or name.split(".")[0] not in WATCHED:
            continue
        namespace = dict(vars(module))
        volatile = VOLATILE.get(name, ())
        taken[name] = (id(module), {key: id(value) for key, value in namespace.items() if key not in volatile})
        if keep is not None:
            keep.append(namespace)
        for key, value in namespace.items():
            if isinstance(value, type) and getattr(value, "__module__", None) == name:
                members = dict(vars(value))
                taken[f"{name}.{key}"] = (id(value), {attr: id(v) for attr, v in members.items()})
                if keep is not None:
                    keep.append(members)
    return taken


class Guard:
    """Remembers the bindings now; `changes()` lists what was rebound or removed since."""

    def __init__(self) -> None:
        # Keep every original object alive, so its id can never be reused by an impostor.
        self._keep: list = []
        self._before = _snapshot(self._keep)

    def changes(self, limit: int = 5) -> list[str]:
        found: list[str] = []
        now = _snapshot()
        for owner, (owner_id, names) in self._before.items():
            if owner not in now:
                found.append(f"{owner} was removed or replaced")
                continue
            current_id, current = now[owner]
            if current_id != owner_id:
                found.append(f"{owner} was replaced")
                continue
            for key, value_id in names.items():
                if key not in current:
                    found.append(f"{owner}.{key} was deleted")
                elif current[key] != value_id:
                    found.append(f"{owner}.{key} was replaced")
            if owner not in sys.modules:  # a class: a new name that shadows a base class's is a patch
                found.extend(
                    f"{owner}.{key} was replaced"
                    for key in current
                    if key not in names and not key.startswith("_") and _inherited(owner, key)
                )  # (private names: pytest itself marks classes with flags at run time)
            if len(found) >= limit:
                break
        return found[:limit]


def _inherited(owner: str, key: str) -> bool:
    """Whether `key` is defined by a base class of the class named `owner` ("module.Class")."""
    module, _, name = owner.rpartition(".")
    cls = getattr(sys.modules.get(module), name, None)
    return isinstance(cls, type) and any(key in vars(base) for base in cls.__mro__[1:])


def describe(changes: list[str]) -> str:
    """The learner-facing message for a run whose tools were changed."""
    listed = "\n".join(f"  • {change}" for change in changes)
    return (
        "Your code changed the tools the checks use, so this run cannot count as a pass:\n"
        f"{listed}\n"
        "Do not assign to attributes of numpy, builtins, pytest or dlx's checker (monkeypatching); "
        "write your function so it is right, and the real checks will say so."
    )
