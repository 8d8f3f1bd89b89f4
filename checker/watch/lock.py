"""One `dlx watch` per workspace: an advisory lock on `.dlx/watch.lock` holding the watcher's pid.

A second watch on the same workspace would check every save twice and both
would write the state file; it is refused with the first one's pid, unless
it is told to take over (then the first is asked to quit, as Ctrl-C would).
The lock goes with the process, so a watch that crashed never blocks the next.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, as before
    fcntl = None

LOCK_FILE = "watch.lock"


class WatchRunning(Exception):
    """Another watch holds the workspace; `pid` is its process id (0 when unknown)."""

    def __init__(self, pid: int):
        super().__init__(pid)
        self.pid = pid


class WatchLock:
    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / LOCK_FILE
        self._handle = None

    def acquire(self, take_over: bool = False, wait: float = 10.0) -> None:
        """Hold the lock, or raise WatchRunning; with `take_over`, stop the other watch first."""
        if fcntl is None:  # pragma: no cover
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the life of the watch
        try:
            if not self._try(handle):
                pid = self._holder(handle)
                if not take_over:
                    raise WatchRunning(pid)
                if pid > 0 and pid != os.getpid():
                    try:
                        os.kill(pid, signal.SIGTERM)  # the other watch quits cleanly (it treats SIGTERM as Ctrl-C)
                    except OSError:
                        pass
                deadline = time.monotonic() + wait
                while not self._try(handle):
                    if time.monotonic() > deadline:
                        raise WatchRunning(pid)
                    time.sleep(0.1)
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
        except BaseException:
            handle.close()
            raise
        self._handle = handle

    @staticmethod
    def _try(handle) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    @staticmethod
    def _holder(handle) -> int:
        handle.seek(0)
        try:
            return int(handle.read().strip() or 0)
        except ValueError:
            return 0

    def release(self) -> None:
        if self._handle is not None:
            try:
                self._handle.seek(0)
                self._handle.truncate()
                fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            except OSError:
                pass
            self._handle.close()
            self._handle = None
