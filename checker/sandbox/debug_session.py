"""The process of `dlx debug`: `python -i -m checker.sandbox.debug_session FILE [CALL.json]`.

The learner's own Python, in their terminal, with their file loaded and numpy
as `np`; given the failing check's call (checker.engine.calls), it makes that
call once, where breakpoint() and print() work, shows what came back, and
leaves `args`, `kwargs`, `result` and `again()` for the interactive prompt.
Nothing here is a check: what happens here never counts as a verdict.
"""

from __future__ import annotations

import json
import runpy
import sys
import traceback

import numpy as np


def _shown(value, prefix: str) -> str:
    """`prefix` and the value, an array's rows aligned under its first."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=6, separator=", ", prefix=prefix)
    else:
        text = repr(value)
    return prefix + (text if len(text) < 2000 else text[:2000] + " …")


def main(argv: list[str]) -> dict:
    """The names the interactive prompt starts with."""
    names: dict = {"np": np}
    names.update(runpy.run_path(argv[0], run_name="__dlx_debug__"))
    if len(argv) < 2:
        return names
    from checker.engine.calls import decode

    try:
        function, args, kwargs = decode(json.loads(open(argv[1], encoding="utf-8").read()))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        print(f"(the check's call could not be read back: {exc})")
        return names
    if not callable(names.get(function)):
        print(f"Your file has no function `{function}` now.")
        return names
    print(f"The failing check called {function} with:")
    for number, value in enumerate(args):
        print(_shown(value, f"  args[{number}] = "))
    for key, value in kwargs.items():
        print(_shown(value, f"  kwargs[{key!r}] = "))
    print(f">>> result = {function}(*args, **kwargs)")
    names.update(args=args, kwargs=kwargs, again=lambda: names[function](*args, **kwargs))
    try:
        names["result"] = names[function](*args, **kwargs)
        print(_shown(names["result"], ""))
    except Exception:  # noqa: BLE001 - the learner's own error, shown as Python shows it
        traceback.print_exc()
    print(f"`result`, `args` and `kwargs` are yours to look at; again() calls {function} once more "
          "(after you edit the file, restart dlx debug to load it anew).")
    return names


if __name__ == "__main__":
    globals().update(main(sys.argv[1:]))
