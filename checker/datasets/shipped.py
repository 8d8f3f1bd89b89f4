"""Where the shipped data lives, and the error for a data file that is not there.

The course (exercises, solutions, data) travels inside the wheel under
`checker/_course`; in a clone of the repository it is the tree around the
package.  Both the parent and the check processes ask this module, so it imports
nothing of either.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]


class DataNotFound(FileNotFoundError):
    """A data file the learner pointed at (or the shipped one) is missing."""


def course_root() -> Path:
    """The pristine course: the packaged copy first, else the source tree around the package."""
    packaged = PACKAGE_DIR / "_course"
    if (packaged / "exercises" / "info.toml").is_file():
        return packaged
    return PACKAGE_DIR.parent


def data_dir() -> Path:
    """The folder of shipped data sets (`data/` of the course)."""
    return course_root() / "data"
