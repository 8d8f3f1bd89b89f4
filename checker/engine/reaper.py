"""No process started under a check outlives it.

On Linux dlx makes itself a *child subreaper*: a process orphaned anywhere
below it (its parent died: a double fork, a `setsid()` escapee, the sandbox
once its judge is killed) is re-parented to dlx instead of to init.  dlx knows
every child it started itself (`spawn` records them), so any other child it
finds is a leftover of a check, and is killed and reaped -- whatever it did to
its environment, session or name.

Nothing happens at import: the CLI entry point (and the tests that need it)
call `install()`.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

PR_SET_CHILD_SUBREAPER = 36

_LOCK = threading.Lock()  # a child being started is never mistaken for a leftover
_OWN: set[int] = set()  # every child dlx started itself and has not reaped yet
_STATE = {"subreaper": False, "installed": False}
_AT_EXIT: list[Callable[[], None]] = []


def install() -> bool:
    """Become a child subreaper (Linux) and kill leftovers at exit; True if orphans will be adopted."""
    if not _STATE["installed"]:
        _STATE["installed"] = True
        atexit.register(_cleanup_at_exit)
    if not _STATE["subreaper"] and sys.platform.startswith("linux"):
        _STATE["subreaper"] = _prctl_subreaper(1)
    return _STATE["subreaper"]


def uninstall() -> None:
    """Stop adopting orphans (for tests that installed the reaper for one case)."""
    if _STATE["subreaper"]:
        _prctl_subreaper(0)
        _STATE["subreaper"] = False


def is_subreaper() -> bool:
    return _STATE["subreaper"]


def on_exit(cleanup: Callable[[], None]) -> None:
    """Run `cleanup` at exit (before leftovers are killed), once the reaper is installed; once however often asked."""
    if cleanup not in _AT_EXIT:
        _AT_EXIT.append(cleanup)


def _cleanup_at_exit() -> None:
    for cleanup in _AT_EXIT:
        try:
            cleanup()
        except Exception:  # noqa: BLE001 - exiting anyway
            pass
    kill_leftovers()


def _prctl_subreaper(on: int) -> bool:
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, on, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def spawn(args: list[str], **popen_kwargs) -> subprocess.Popen:
    """subprocess.Popen, with the child recorded as dlx's own (never taken for a leftover)."""
    with _LOCK:
        process = subprocess.Popen(args, **popen_kwargs)
        _OWN.add(process.pid)
    return process


def run(args: list[str], timeout: float, **popen_kwargs) -> subprocess.CompletedProcess:
    """subprocess.run for dlx's own short helpers (git), recorded like `spawn`."""
    process = spawn(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen_kwargs)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise
    finally:
        forget(process.pid)
    return subprocess.CompletedProcess(args, process.returncode, out, err)


def forget(pid: int) -> None:
    """`pid`, one of dlx's own children, has been waited for."""
    with _LOCK:
        _OWN.discard(pid)


def kill_leftovers() -> int:
    """Kill and reap every child of dlx that dlx did not start itself; return how many.

    A process's children are re-parented before it becomes a zombie, so once a
    found process is reaped, its own children are already dlx's: look again
    until a round finds nothing.
    """
    if not _STATE["subreaper"]:
        return 0
    killed = 0
    for _ in range(50):
        with _LOCK:
            found = [pid for pid in _children_of(os.getpid()) if pid not in _OWN]
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        for pid in found:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return killed


def _children_of(parent: int) -> list[int]:
    children = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return children
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[1] == str(parent):
            children.append(int(entry))  # zombies too: they are reaped
    return children
