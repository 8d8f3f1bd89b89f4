"""Finding submissions and unpacking them safely.

A submission is one student's work: a workspace folder (`exercises/week1/01_mse.py`),
a folder of exercise files (`week1/01_mse.py` or just `01_mse.py`), or a zip of either.
A folder whose own level holds no exercise file is a *class*: each folder or zip in it
is one student's submission, named after it.

What is graded is never the submitted tree itself: each exercise file found is copied
alone into a fresh folder of its own, so nothing shipped next to it (a `conftest.py`, a
`numpy.py`, another exercise) is beside it when its checks run.  Zips are read member
by member: no path outside the destination (absolute, `..`, drive letters), no
symlinks, and caps on the unpacked size and the number of files; a bad archive gets one
clear error and its student a zero, and the batch goes on.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from checker.course.catalog import Exercise

MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # one student's archive, unpacked
MAX_FILES = 2000  # members of one archive
MAX_EXERCISE_BYTES = 1024 * 1024  # one exercise file: far above any honest solution
_SKIPPED_DIRS = {"__MACOSX", "__pycache__", ".git", ".dlx", "node_modules", ".venv", "venv"}


class SubmissionError(Exception):
    """A submission that cannot be graded at all; the message says why, for the instructor."""


@dataclass
class Submission:
    """One student's files, ready to grade: exercise name -> the private copy to check."""

    student: str
    source: Path  # what the instructor named: a folder or a zip
    files: dict[str, Path] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # exercise name -> why it has no file
    error: str | None = None  # the whole submission could not be read


def student_id(path: Path) -> str:
    """A student's id from a folder or archive name, safe as a file name."""
    name = path.name[: -len(".zip")] if path.name.lower().endswith(".zip") else path.name
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]+", "_", name).strip("._") or "submission"
    return cleaned[:100]


def _is_zip(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip"


def _holds_exercises(folder: Path, exercises: list[Exercise]) -> bool:
    """Whether `folder` itself is one submission: an exercise file at its own level,
    under weekN/, or under exercises/."""
    for exercise in exercises:
        relative = Path(exercise.file)
        for candidate in (folder / relative.name, folder / relative, folder / "exercises" / relative):
            if candidate.is_file() and not candidate.is_symlink():
                return True
    return (folder / "exercises").is_dir() and not (folder / "exercises").is_symlink()


def discover(paths: list[Path], exercises: list[Exercise], *, as_one: bool = False) -> list[tuple[str, Path]]:
    """(student id, path) for every submission named by `paths`, in a stable order.

    A zip is one submission; a folder is one submission when it holds exercise files
    (or `as_one` says so), else a class folder of submissions.
    """
    found: list[tuple[str, Path]] = []
    for path in paths:
        path = Path(path)
        if as_one or _is_zip(path) or not path.is_dir() or _holds_exercises(path, exercises):
            found.append((student_id(path), path))
            continue
        for child in sorted(path.iterdir()):
            if child.name.startswith(".") or child.name in _SKIPPED_DIRS or child.is_symlink():
                continue
            if child.is_dir() or _is_zip(child):
                found.append((student_id(child), child))
    seen: dict[str, int] = {}
    unique = []
    for student, path in found:  # two `alice` (a folder and a zip): alice, alice-2
        seen[student] = seen.get(student, 0) + 1
        unique.append((student if seen[student] == 1 else f"{student}-{seen[student]}", path))
    return unique


# --------------------------------------------------------------------------- zips


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why one archive member may not be unpacked, or None."""
    name = info.filename
    if "\x00" in name:
        return f"the entry {name!r} has a NUL byte in its name"
    unix_mode = info.external_attr >> 16
    if stat.S_ISLNK(unix_mode):
        return f"the entry {name!r} is a symbolic link (archives may hold only files and folders)"
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        return f"the entry {name!r} has an absolute path"
    if ".." in PurePosixPath(posix).parts:
        return f"the entry {name!r} would land outside the folder it is unpacked into"
    return None


def unpack_zip(archive: Path, destination: Path, *, max_bytes: int = MAX_UNPACKED_BYTES, max_files: int = MAX_FILES) -> Path:
    """Unpack `archive` into `destination` (which must not exist yet), or raise SubmissionError.

    Every member is checked before anything is written; sizes are counted while
    writing too, so an archive that lies about its sizes is stopped at the cap.
    """
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            if len(members) > max_files:
                raise SubmissionError(f"{archive.name}: {len(members)} entries, more than the {max_files} allowed")
            for info in members:
                problem = _member_problem(info)
                if problem:
                    raise SubmissionError(f"{archive.name}: {problem}; the archive was not unpacked")
            declared = sum(info.file_size for info in members)
            if declared > max_bytes:
                raise SubmissionError(f"{archive.name}: unpacks to {declared} bytes, more than the {max_bytes} allowed")
            destination.mkdir(parents=True)
            root = destination.resolve()
            written = 0
            for info in members:
                target = (destination / info.filename.replace("\\", "/")).resolve()
                if target != root and root not in target.parents:  # belt and braces after _member_problem
                    raise SubmissionError(f"{archive.name}: the entry {info.filename!r} would land outside its folder")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(info) as source, open(target, "xb") as sink:
                    while chunk := source.read(1 << 16):
                        written += len(chunk)
                        if written > max_bytes:
                            raise SubmissionError(f"{archive.name}: unpacks to more than the {max_bytes} bytes allowed")
                        sink.write(chunk)
    except SubmissionError:
        shutil.rmtree(destination, ignore_errors=True)
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        shutil.rmtree(destination, ignore_errors=True)
        raise SubmissionError(f"{archive.name}: not a readable zip archive ({exc})") from None
    except OSError as exc:
        shutil.rmtree(destination, ignore_errors=True)
        raise SubmissionError(f"{archive.name}: could not be unpacked ({exc.strerror or exc})") from None
    return destination


# --------------------------------------------------------------------------- exercise files


def _walk_files(root: Path) -> list[Path]:
    """Regular files under `root`, never through a symlink, shallowest first."""
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        for name in files:
            path = Path(folder) / name
            if name.endswith(".py") and not path.is_symlink() and path.is_file():
                found.append(path)
    return sorted(found, key=lambda p: (len(p.relative_to(root).parts), str(p)))


def locate(root: Path, exercise: Exercise, files: list[Path]) -> Path | None:
    """The student's file for `exercise`: exercises/<file>, <file>, or the file's name anywhere (shallowest)."""
    relative = Path(exercise.file)
    for candidate in (root / "exercises" / relative, root / relative):
        if candidate in files:
            return candidate
    return next((f for f in files if f.name == relative.name), None)


def prepare(student: str, source: Path, exercises: list[Exercise], scratch: Path) -> Submission:
    """Read one submission into private copies under `scratch/<student>`; never raises for the student's files."""
    submission = Submission(student, source)
    home = scratch / student
    try:
        if _is_zip(source):
            root = unpack_zip(source, home / "unpacked")
        elif source.is_dir() and not source.is_symlink():
            root = source
        else:
            raise SubmissionError(f"{source.name}: neither a folder nor a .zip archive")
        files = _walk_files(root)
    except SubmissionError as exc:
        submission.error = str(exc)
        return submission
    except OSError as exc:
        submission.error = f"{source.name}: could not be read ({exc.strerror or exc})"
        return submission
    for exercise in exercises:
        found = locate(root, exercise, files)
        if found is None:
            submission.problems[exercise.name] = f"no file {Path(exercise.file).name} in the submission"
            continue
        try:
            size = found.stat().st_size
            if size > MAX_EXERCISE_BYTES:
                submission.problems[exercise.name] = f"{found.name} is {size} bytes, more than the {MAX_EXERCISE_BYTES} allowed"
                continue
            private = home / "graded" / exercise.name / Path(exercise.file).name
            private.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(found, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))  # a link swapped in since is refused
            with os.fdopen(descriptor, "rb") as original:
                data = original.read(MAX_EXERCISE_BYTES + 1)
            private.write_bytes(data[:MAX_EXERCISE_BYTES])
            submission.files[exercise.name] = private
        except OSError as exc:
            submission.problems[exercise.name] = f"{found.name} could not be read ({exc.strerror or exc})"
    if not submission.files and not submission.problems:
        submission.error = "the submission holds no exercise file"
    return submission
