"""Runs the pictures process (`checker.training.pictures`) on a learner's file and reads its arrays back.

The learner's code runs in that process, never in dlx: a crash, an endless
loop, a fork or megabytes of output stay there.  Its process group is killed
after TIME_LIMIT (or when the caller asks to stop); what it printed is kept in
a file and only its tail is read back; the arrays come back from an .npz read
without pickle.  The result is a picture, never a verdict.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from checker.training.pictures import CAPTIONS, ROWS, UNALIGNED

TIME_LIMIT = 300.0  # seconds for the whole run of the learner's code
MAX_IMAGES = 64  # per row: a picture, not a data dump
SAID_TAIL = 2000  # characters of the process's output kept for the message


_LIVE: set[subprocess.Popen] = set()  # pictures processes running now (watch draws in a thread)


def kill_all() -> None:
    """Kill every pictures process still running (watch quits, dlx exits): none outlives dlx."""
    for child in list(_LIVE):
        _kill_group(child)


class PicturesFailed(Exception):
    """The learner's code could not make the pictures; the message says what it printed last."""


@dataclass
class Pictures:
    exercise: str
    rows: list[list[np.ndarray]]
    caption: str
    aligned: bool  # columns belong together (originals above reconstructions): cut together to fit a terminal


def has_pictures(exercise: str) -> bool:
    return exercise in ROWS


def make_pictures(target: Path, exercise: str, should_stop: Callable[[], bool] = lambda: False,
                  time_limit: float = TIME_LIMIT) -> Pictures:
    """Run the learner's `target` for `exercise` in its own process and return its pictures."""
    from checker.engine import reaper

    with tempfile.TemporaryDirectory(prefix="dlx-pictures-") as folder:
        out = Path(folder) / "pictures.npz"
        said = Path(folder) / "said.txt"
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        with open(said, "wb") as log:
            child = reaper.spawn([sys.executable, "-I", "-m", "checker.training.pictures", str(target), exercise, str(out)],
                                 env=env, cwd=folder, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                 start_new_session=True)
        reaper.on_exit(kill_all)
        _LIVE.add(child)
        deadline = time.monotonic() + time_limit
        try:
            while child.poll() is None:
                if should_stop():
                    raise PicturesFailed("stopped")
                if time.monotonic() > deadline:
                    raise PicturesFailed(f"Your code ran for more than {time_limit:.0f} s; stopped.")
                time.sleep(0.05)
        finally:
            _kill_group(child)
            _LIVE.discard(child)
            reaper.forget(child.pid)
        if child.returncode != 0 or not out.is_file():
            raise PicturesFailed(f"Your code could not make the pictures:\n{_tail(said)}")
        return Pictures(exercise, _read_rows(out, exercise), CAPTIONS[exercise], exercise not in UNALIGNED)


def _kill_group(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    child.wait()


def _tail(path: Path) -> str:
    with open(path, "rb") as said:
        said.seek(max(0, os.path.getsize(path) - 4 * SAID_TAIL))
        return said.read().decode("utf-8", "replace").strip()[-SAID_TAIL:]


def _read_rows(path: Path, exercise: str) -> list[list[np.ndarray]]:
    """The rows of images, each checked to be small float images; anything else is a failure, not a crash."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            rows = []
            for name in ROWS[exercise]:
                row = np.asarray(arrays[name], dtype=np.float64)
                if row.ndim not in (3, 4) or not 0 < len(row) <= MAX_IMAGES or max(row.shape[1:3]) > 256:
                    raise PicturesFailed(f"the pictures of {exercise} came back with the shape {row.shape}")
                rows.append(list(row))
            return rows
    except (OSError, ValueError, KeyError) as exc:
        raise PicturesFailed(f"the pictures of {exercise} could not be read back: {exc}") from None
