"""The learner's progress: one JSON file in the workspace, written atomically.

A missing, truncated or garbled state file is rebuilt from scratch (progress is
cheap to recompute with `dlx verify all`); it never stops the runner.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from checker.engine.records import Status

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

STATE_FILE = "state.json"
VERSION = 1


@dataclass
class Progress:
    current: str | None = None
    done: set[str] = field(default_factory=set)
    hints_seen: dict[str, int] = field(default_factory=dict)
    last_status: dict[str, str] = field(default_factory=dict)
    welcomed: bool = False
    recovered: bool = False  # the file was unreadable and has been rebuilt

    # ------------------------------------------------------------------ updates
    def record(self, exercise: str, status: str) -> None:
        """Remember a run's outcome; a pass marks the exercise done, a failure undoes it."""
        self.last_status[exercise] = str(status)
        if status == Status.PASSED:
            self.done.add(exercise)
        elif status != Status.CANCELLED:
            self.done.discard(exercise)

    def forget(self, exercise: str) -> None:
        """Drop what is known of an exercise (after a reset to its stub)."""
        self.done.discard(exercise)
        self.last_status.pop(exercise, None)

    def record_results(self, results) -> None:
        """`record` each (exercise, verdict) pair of a run of several exercises."""
        for exercise, result in results:
            self.record(exercise.name, result.status)

    def next_hint(self, exercise: str, available: int) -> int:
        """Reveal one more hint; return how many are now revealed."""
        shown = min(self.hints_seen.get(exercise, 0) + 1, available)
        self.hints_seen[exercise] = shown
        return shown

    def status_of(self, exercise: str) -> Status:
        if exercise in self.done:
            return Status.PASSED
        try:
            return Status(self.last_status.get(exercise, Status.PENDING))
        except ValueError:  # a status this version does not know
            return Status.PENDING

    # ------------------------------------------------------------------ io
    def to_json(self) -> dict:
        return {
            "version": VERSION,
            "current": self.current,
            "done": sorted(self.done),
            "hints_seen": self.hints_seen,
            "last_status": self.last_status,
            "welcomed": self.welcomed,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Progress":
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("unknown state format")
        hints = {str(k): int(v) for k, v in dict(data.get("hints_seen", {})).items()}
        return cls(
            current=data.get("current") if isinstance(data.get("current"), str) else None,
            done={str(x) for x in data.get("done", [])},
            hints_seen=hints,
            last_status={str(k): str(v) for k, v in dict(data.get("last_status", {})).items()},
            welcomed=bool(data.get("welcomed", False)),
        )


def state_path(state_dir: Path) -> Path:
    return Path(state_dir) / STATE_FILE


def load(state_dir: Path) -> Progress:
    """The saved progress, or a fresh one (flagged `recovered`) if the file is unusable."""
    path = state_path(state_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Progress()
    except OSError:
        return Progress(recovered=True)
    try:
        return Progress.from_json(json.loads(text))
    except (ValueError, TypeError, AttributeError):
        return Progress(recovered=True)


def save(state_dir: Path, progress: Progress) -> None:
    """Write atomically: a temp file in the same folder, fsync, then rename over the old one.

    If the disk is full the old file is left as it was and OSError propagates.
    """
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(progress.to_json(), indent=2, sort_keys=True)
    fd, temporary = tempfile.mkstemp(prefix=".state-", suffix=".tmp", dir=state_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, state_path(state_dir))
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


@contextlib.contextmanager
def _locked(state_dir: Path):
    """An advisory lock, so two dlx processes on one workspace don't lose each other's updates."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / "lock", "a+") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def update(state_dir: Path, change) -> Progress:
    """Load the latest progress, apply `change(progress)`, save, and return it.

    Reading just before writing, under a lock, keeps the updates of another dlx
    process running on the same workspace (say, `dlx hint` beside `dlx watch`).
    """
    with _locked(state_dir):
        progress = load(state_dir)
        change(progress)
        save(state_dir, progress)
        return progress
