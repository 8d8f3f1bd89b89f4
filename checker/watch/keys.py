"""Single key presses without Enter, for watch mode.

On a POSIX terminal, stdin is switched to cbreak mode (no line buffering, no
echo, Ctrl-C still interrupts) and restored on stop.  On Windows, msvcrt reads
keys directly.  When stdin is not a terminal, keys are read as they come.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from typing import Callable

try:
    import select
    import termios
    import tty
except ImportError:  # pragma: no cover - Windows
    termios = tty = select = None


_SEQUENCES = {
    "\x1b[A": "up", "\x1b[B": "down", "\x1b[C": "right", "\x1b[D": "left",
    "\x1bOA": "up", "\x1bOB": "down", "\x1bOC": "right", "\x1bOD": "left",
    "\x1b[5~": "pageup", "\x1b[6~": "pagedown", "\x1b[H": "home", "\x1b[F": "end",
}
_NAMED = {"\r": "enter", "\n": "enter", "\x7f": "backspace", "\x08": "backspace", "\x1b": "escape"}


def decode_keys(data: str) -> list[str]:
    """Printable characters as themselves; arrows, Enter, Backspace and Escape by name; other sequences dropped."""
    keys: list[str] = []
    position = 0
    while position < len(data):
        if data[position] == "\x1b" and position + 1 < len(data):
            match = re.match(r"\x1b(\[[0-9;]*[ -/]*[@-~]|O[A-Za-z])", data[position:])
            if match:
                sequence = match.group(0)
                if sequence in _SEQUENCES:
                    keys.append(_SEQUENCES[sequence])
                position += len(sequence)
                continue
        char = data[position]
        if char in _NAMED:
            keys.append(_NAMED[char])
        elif char.isprintable():
            keys.append(char)
        position += 1
    return keys


class KeyReader:
    """Calls `on_key(char)` for each key pressed, from a background thread."""

    def __init__(self, on_key: Callable[[str | None], None], stream=None):
        self.on_key = on_key
        self.stream = stream or sys.stdin
        self._stop = threading.Event()
        self._saved_mode = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="keys")

    def start(self) -> None:
        if termios is not None and self._isatty():
            fd = self.stream.fileno()
            try:
                self._saved_mode = termios.tcgetattr(fd)
                tty.setcbreak(fd)
            except termios.error:
                self._saved_mode = None
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._saved_mode is not None:
            try:
                termios.tcsetattr(self.stream.fileno(), termios.TCSANOW, self._saved_mode)
            except (termios.error, ValueError, OSError):
                pass
            self._saved_mode = None

    def _isatty(self) -> bool:
        try:
            return self.stream.isatty()
        except (ValueError, OSError):
            return False

    def _run(self) -> None:
        if termios is None:  # pragma: no cover - Windows
            self._run_windows()
            return
        try:
            fd = self.stream.fileno()
        except (ValueError, OSError):
            return
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([fd], [], [], 0.2)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                data = os.read(fd, 32)
            except OSError:
                return
            if not data:
                self.on_key(None)
                return
            for key in decode_keys(data.decode("utf-8", "ignore")):
                self.on_key(key)

    def _run_windows(self) -> None:  # pragma: no cover - Windows
        import msvcrt
        import time

        while not self._stop.is_set():
            if msvcrt.kbhit():
                self.on_key(msvcrt.getwch())
            else:
                time.sleep(0.05)
