"""Reading a check process's pipes without trusting them: capped, and never waiting forever.

Two pipes come back from a judge: its output (what the learner's code printed,
shown on the screen) and its report (the event records, graded).  Each is
drained to its end by a thread that keeps at most `cap` bytes, so megabytes of
output cannot fill dlx's memory, and that stops once told the writer is dead
and the pipe stays quiet, so a process that escaped the kill and still holds
the pipe open can neither hang dlx nor keep the thread forever.
"""

from __future__ import annotations

import os
import select
import threading
import time

OUTPUT_CAP = 16 * 1024  # bytes of learner output kept for the screen
_POSIX = os.name == "posix"


class CappedReader(threading.Thread):
    """Drains a pipe (a file descriptor it owns and closes) to its end, keeping the first `cap` bytes."""

    def __init__(self, fd: int, cap: int):
        super().__init__(daemon=True)
        self.fd, self.cap = fd, cap
        self.kept = bytearray()
        self.total = 0
        self._deadline: float | None = None

    def run(self) -> None:
        try:
            while True:
                if _POSIX:
                    readable, _, _ = select.select([self.fd], [], [], 0.05)
                    if not readable:
                        if self._deadline is not None and time.monotonic() > self._deadline:
                            break
                        continue
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    break
                self.total += len(chunk)
                room = self.cap - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]
        except (OSError, ValueError):
            pass
        finally:
            try:
                os.close(self.fd)
            except OSError:
                pass

    def finish(self, grace: float = 0.3) -> None:
        """The writer was killed: drain what is left, then stop even if the pipe never closes."""
        self._deadline = time.monotonic() + grace
        self.join(timeout=grace + 1.0)

    @property
    def overflowed(self) -> bool:
        return self.total > len(self.kept)

    def text(self) -> str:
        return self.kept.decode("utf-8", "replace")
