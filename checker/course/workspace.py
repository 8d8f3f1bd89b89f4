"""Where things are: the learner's workspace and the packaged course.

A *workspace* is a folder with `exercises/info.toml` in it: a clone of the
repository, or a folder made by `dlx init`.  The *course* is the pristine copy
that ships with the package (inside the wheel under `checker/_course`, or the
repository itself in a development install); `reset` and `init` copy from it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from checker.course import catalog as catalog_mod
from checker.datasets.shipped import course_root
from checker.engine import reaper

STATE_DIR = ".dlx"


class WorkspaceError(Exception):
    """No workspace here, or a file operation on it failed; message for the learner."""


@dataclass
class Workspace:
    root: Path

    @property
    def exercises_dir(self) -> Path:
        return self.root / "exercises"

    @property
    def info_path(self) -> Path:
        return self.exercises_dir / "info.toml"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def solutions_dir(self) -> Path:
        """Reference solutions: the workspace's own (a clone), else the packaged ones."""
        local = self.root / "solutions"
        return local if local.is_dir() else course_root() / "solutions"

    def catalog(self) -> catalog_mod.Catalog:
        return catalog_mod.load(self.info_path)

    def path_of(self, exercise: catalog_mod.Exercise) -> Path:
        return self.exercises_dir / exercise.file

    def display_path(self, exercise: catalog_mod.Exercise) -> str:
        """The exercise's path relative to the current directory when below it, else absolute."""
        path = self.path_of(exercise)
        try:
            relative = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            return str(path)
        return str(path) if relative.startswith("..") else relative

    # ------------------------------------------------------------------ reset
    def pristine_stub(self, exercise: catalog_mod.Exercise) -> bytes:
        """The original stub's bytes, from the packaged course or, in a dev clone, from git."""
        mine = self.path_of(exercise)
        original = course_root() / "exercises" / exercise.file
        if original.is_file() and not _same_file(original, mine):
            return original.read_bytes()
        # Development install: the packaged course *is* this workspace; ask git.
        relative = mine.relative_to(self.root).as_posix()
        try:
            shown = reaper.run(["git", "show", f"HEAD:{relative}"], timeout=20, cwd=self.root)
            if shown.returncode != 0:
                raise subprocess.CalledProcessError(shown.returncode, shown.args)
            return shown.stdout
        except (OSError, subprocess.SubprocessError):
            raise WorkspaceError(
                f"Cannot find the original of {relative}: this workspace is the course's source tree and git has no copy of it."
            ) from None

    def reset_state(self, exercise: catalog_mod.Exercise) -> str:
        """"missing" (no file), "untouched" (the original stub, byte for byte) or "changed"."""
        mine = self.path_of(exercise)
        if not mine.is_file():
            return "missing"
        try:
            return "untouched" if read_source(mine) == self.pristine_stub(exercise) else "changed"
        except (WorkspaceError, OSError):
            return "changed"

    def backup(self, exercise: catalog_mod.Exercise) -> Path | None:
        """Copy the learner's version aside before a reset; return where it went."""
        mine = self.path_of(exercise)
        if not mine.is_file():
            return None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.state_dir / "backups" / stamp / exercise.file
        counter = 1
        while target.exists():
            target = self.state_dir / "backups" / f"{stamp}-{counter}" / exercise.file
            counter += 1
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(mine, target)
        return target

    def reset(self, exercise: catalog_mod.Exercise) -> Path | None:
        """Restore the original stub, after backing up the learner's version (None: nothing to back up)."""
        original = self.pristine_stub(exercise)
        mine = self.path_of(exercise)
        try:
            untouched = read_source(mine) == original
        except OSError:
            untouched = False  # missing or unreadable: backup() copies what it can
        backup = None if untouched else self.backup(exercise)
        mine.parent.mkdir(parents=True, exist_ok=True)
        temporary = mine.with_name(f".{mine.name}.dlx-reset")
        temporary.write_bytes(original)
        os.replace(temporary, mine)
        return backup


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def find(start: Path | None = None) -> Workspace:
    """The workspace containing `start` (default: $DLX_WORKSPACE or the current directory)."""
    env = os.environ.get("DLX_WORKSPACE")
    here = Path(start or env or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "exercises" / "info.toml").is_file():
            return Workspace(folder)
    raise WorkspaceError(
        f"No dlx workspace at {here} or above it (looked for exercises/info.toml).\n"
        "Run `dlx init my-course` to make one, then `cd my-course`."
    )


def init(target: Path) -> Workspace:
    """Make a fresh learner workspace at `target` from the packaged course."""
    target = Path(target).resolve()
    if (target / "exercises").exists():
        raise WorkspaceError(f"{target / 'exercises'} already exists; dlx init never overwrites exercises.")
    target.mkdir(parents=True, exist_ok=True)
    source = course_root() / "exercises"
    shutil.copytree(source, target / "exercises", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (target / ".gitignore").write_text(f"{STATE_DIR}/\n__pycache__/\n", encoding="utf-8")
    return Workspace(target)


# --------------------------------------------------------------------------- history

MAX_SOURCE_BYTES = 4 << 20  # an exercise file bigger than this is not kept in the history


def read_source(path: Path, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The bytes of a learner's file, read without ever waiting or reading without end (else OSError).

    The learner's code runs as the user and may replace its own file while it runs: by a FIFO (a plain read
    then waits for a writer forever), a symlink to /dev/zero (a read that never ends) or a huge sparse file.
    Only a regular file of at most `limit` bytes is read; it is opened non-blocking, so a FIFO opens at once.
    """
    import errno
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            total += len(chunk)
        raise OSError(errno.EFBIG, f"bigger than {limit} bytes", str(path))
    finally:
        os.close(fd)


HISTORY_DIR = "history"
HISTORY_KEEP = 50  # saves kept per exercise (the oldest go first, but the last passing one is always kept)


@dataclass
class Snapshot:
    number: int  # 1, 2, ... in the order they were saved; never reused
    time: float
    status: str
    path: Path

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def _history_index(workspace: Workspace, exercise: catalog_mod.Exercise) -> tuple[Path, list[dict]]:
    folder = workspace.state_dir / HISTORY_DIR / exercise.name
    try:
        import json

        entries = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        if not isinstance(entries, list):
            entries = []
    except (OSError, ValueError):
        entries = []
    return folder, [e for e in entries if isinstance(e, dict) and {"number", "time", "status", "file"} <= e.keys()]


def record_save(workspace: Workspace, exercise: catalog_mod.Exercise, content: bytes, status: str) -> Snapshot | None:
    """Keep `content` (what was checked) with its verdict; a save identical to the last one kept is not kept twice."""
    import json

    folder, entries = _history_index(workspace, exercise)
    if entries:
        try:
            if (folder / entries[-1]["file"]).read_bytes() == content:
                if entries[-1]["status"] != status:
                    entries[-1]["status"] = status
                    _write_index(folder, entries, json)
                return None
        except OSError:
            pass
    number = (entries[-1]["number"] + 1) if entries else 1
    name = f"{number:05d}.py"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    entries.append({"number": number, "time": time.time(), "status": str(status), "file": name})
    while len(entries) > HISTORY_KEEP:
        last_pass = max((i for i, e in enumerate(entries) if e["status"] == "passed"), default=-1)
        drop = 1 if last_pass == 0 else 0
        gone = entries.pop(drop)
        try:
            (folder / gone["file"]).unlink()
        except OSError:
            pass
    _write_index(folder, entries, json)
    return Snapshot(number, entries[-1]["time"], str(status), folder / name)


def _write_index(folder: Path, entries: list[dict], json) -> None:
    temporary = folder / ".index.json.tmp"
    temporary.write_text(json.dumps(entries, indent=1), encoding="utf-8")
    os.replace(temporary, folder / "index.json")


def history(workspace: Workspace, exercise: catalog_mod.Exercise) -> list[Snapshot]:
    folder, entries = _history_index(workspace, exercise)
    return [Snapshot(int(e["number"]), float(e["time"]), str(e["status"]), folder / e["file"]) for e in entries]


def restore(workspace: Workspace, exercise: catalog_mod.Exercise, number: int) -> tuple[Snapshot, Path | None]:
    """Bring back save `number`, after backing up the file as it is now; returns (the save, the backup)."""
    chosen = next((s for s in history(workspace, exercise) if s.number == number), None)
    if chosen is None:
        raise WorkspaceError(f"{exercise.name} has no save number {number}; `dlx history {exercise.name}` lists them.")
    try:
        content = chosen.path.read_bytes()
    except OSError as exc:
        raise WorkspaceError(f"save {number} of {exercise.name} cannot be read ({exc.strerror or exc}).") from None
    mine = workspace.path_of(exercise)
    try:
        same = read_source(mine) == content
    except OSError:
        same = False
    backup = None if same else workspace.backup(exercise)
    mine.parent.mkdir(parents=True, exist_ok=True)
    temporary = mine.with_name(f".{mine.name}.dlx-restore")
    temporary.write_bytes(content)
    os.replace(temporary, mine)
    return chosen, backup
