"""The sandbox process: `python -I -B -m checker.sandbox`, the only place the learner's code runs.

The judge (checker.worker) starts it with one end of a socket pair.  It imports
numpy (and TensorFlow/Keras for those exercises) while the learner types, says
it is ready, and then serves the judge's requests: load the learner's file,
call a function, read an attribute, apply an operator.  It holds no result
file, no token and no pipe to dlx: whatever the learner's code does here, the
grade is decided in the judge, from the values that crossed.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

from checker import wire
from checker.remote import Connection
from checker.worker import warm_up

_STATE: dict = {}  # the tamper guard and the channel (a dict, so setting them rebinds no module name)


# numpy.testing before the learner's file, so that the tamper guard's snapshot holds it
SANDBOX_MODULES = ("numpy", "numpy.testing", "checker.learner", "checker.tamper")


def _limit_memory(memory_mb: int | None) -> None:
    """Cap the address space, so a runaway allocation fails with MemoryError here, not on the machine."""
    if not memory_mb:
        return
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: no rlimits
        return
    limit = int(memory_mb) * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass


def load(path: str, module_name: str, workdir: str, memory_mb: Any, judge_has_tensorflow: bool) -> list:
    """Import the learner's file; returns [module or None, load-error record or None, tampering found]."""
    from checker.learner import TargetLoadError, load_target
    from checker.tamper import Guard

    connection = _STATE["connection"]
    os.chdir(workdir)
    connection.learner_path = os.path.realpath(path)
    connection.peer_tensors = bool(judge_has_tensorflow)
    _limit_memory(memory_mb if isinstance(memory_mb, int) else None)
    _STATE["guard"] = Guard()
    try:
        module = load_target(path, module_name)
        error = None
    except TargetLoadError as exc:
        module, error = None, exc.record
    return [module, error, tamper_changes()]


def tamper_changes() -> list:
    """What the learner's code rebound in numpy, builtins, the checker (see checker.tamper); [] if nothing."""
    guard = _STATE.get("guard")
    return list(guard.changes()) if guard is not None else []


def main() -> None:
    sys.modules.setdefault("checker.sandbox", sys.modules[__name__])  # one module, run as __main__ or imported
    fd = int(os.environ.pop("DLX_RPC_FD"))
    sock = socket.socket(fileno=fd)
    preload = [m for m in os.environ.get("DLX_PRELOAD", "").split(",") if m]
    warm_up(SANDBOX_MODULES, preload)
    connection = _STATE["connection"] = Connection(sock, "sandbox", on_load=load)
    wire.send_message(sock, {"k": "ready", "nbuf": 0}, [])
    connection.serve_forever()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)  # no atexit or __del__ of the learner's runs after the judge is done


if __name__ == "__main__":
    main()
