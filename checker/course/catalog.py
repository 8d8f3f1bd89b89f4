"""Reads `exercises/info.toml` into Exercise objects, and validates it.

The catalog is the ordered list of exercises: name, week, file, title, hints,
timeout and flags.  Everything else (check file, solution file) is derived from
it by convention, so adding an exercise is one table in one file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CHECKS_DIR = Path(__file__).resolve().parents[1] / "checks"  # the hidden checks, weekN/test_<name>.py
DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_MB = 2048  # address space of one check process, unless info.toml says otherwise
DEFAULT_TENSORFLOW_MEMORY_MB = 6144  # TensorFlow alone reserves ~1.5 GiB of address space
DEFAULT_POINTS = 1.0  # an exercise's worth in `dlx grade`, unless [grading] or the exercise says otherwise
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")  # Gradescope's words
TODO_PATTERN = re.compile(r"#\s*TODO\b|raise\s+NotImplementedError")


class CatalogError(Exception):
    """info.toml is missing or malformed; the message says where."""


@dataclass(frozen=True)
class Exercise:
    """One exercise as the catalog describes it."""

    name: str
    week: int
    file: str  # relative to the exercises folder
    title: str
    hints: tuple[str, ...]
    timeout: float = DEFAULT_TIMEOUT
    check: str = ""  # relative to checker/checks; default weekN/test_<name>.py
    tensorflow: bool = False  # the checks import TensorFlow (a warm worker may preload it)
    memory_mb: int = DEFAULT_MEMORY_MB  # the check process's address-space limit
    # The checks train a model and hold its accuracy to a threshold: `dlx verify` runs them
    # alone, with nothing beside them, so their speed (and time guard) is that of `dlx run`.
    training: bool = False
    # Grading (`dlx grade`): what the exercise is worth, who sees it when, and whether
    # a failing run earns the share of its passed checks.  Per-check weights and
    # visibilities are (check function name, value) pairs, kept as tuples so that an
    # Exercise stays hashable.
    points: float = DEFAULT_POINTS
    visibility: str = "visible"
    partial_credit: bool = False
    check_points: tuple[tuple[str, float], ...] = ()
    check_visibility: tuple[tuple[str, str], ...] = ()

    @property
    def check_path(self) -> str:
        return self.check or f"week{self.week}/test_{self.name}.py"

    @property
    def week_name(self) -> str:
        return f"week{self.week}"


@dataclass
class Catalog:
    """The course: title, texts shown by the runner, weeks and exercises in order."""

    title: str
    welcome: str
    finished: str
    weeks: dict[int, str]
    exercises: list[Exercise] = field(default_factory=list)

    def get(self, name: str) -> Exercise | None:
        return next((e for e in self.exercises if e.name == name), None)

    def index(self, name: str) -> int:
        return next(i for i, e in enumerate(self.exercises) if e.name == name)

    def in_week(self, week: int) -> list[Exercise]:
        return [e for e in self.exercises if e.week == week]

    def select(self, selector: str) -> list[Exercise]:
        """`all`, `weekN`, or an exercise name (also `01`, or the file's stem)."""
        selector = selector.strip().lower()
        if selector == "all":
            return list(self.exercises)
        match = re.fullmatch(r"(?:week|w)(\d+)", selector)
        if match:
            return self.in_week(int(match.group(1)))
        exercise = self.get(selector)
        if exercise is None:
            exercise = next(
                (
                    e
                    for e in self.exercises
                    if Path(e.file).stem == selector or Path(e.file).stem.split("_", 1)[0] == selector.zfill(2)
                ),
                None,
            )
        return [exercise] if exercise else []

    def names(self) -> list[str]:
        return [e.name for e in self.exercises]


def load(info_path: Path) -> Catalog:
    """Parse info.toml; raise CatalogError with a readable reason."""
    try:
        data = tomllib.loads(Path(info_path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{info_path} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{info_path} is not valid TOML: {exc}") from None
    course = data.get("course", {})
    weeks = {int(k): str(v) for k, v in data.get("weeks", {}).items()}
    limits = data.get("limits", {})
    try:
        course_memory = int(limits.get("memory_mb", DEFAULT_MEMORY_MB))
        tensorflow_memory = int(limits.get("tensorflow_memory_mb", DEFAULT_TENSORFLOW_MEMORY_MB))
        week_memory = {int(k): int(v) for k, v in limits.get("weeks", {}).items()}
    except (TypeError, ValueError, AttributeError) as exc:
        raise CatalogError(f"{info_path}: [limits] is malformed ({exc!r})") from None
    grading = data.get("grading", {})
    exercises = []
    for position, raw in enumerate(data.get("exercises", []), start=1):
        try:
            exercises.append(
                Exercise(
                    name=str(raw["name"]),
                    week=int(raw["week"]),
                    file=str(raw["file"]),
                    title=str(raw.get("title", raw["name"])),
                    hints=tuple(str(h) for h in raw.get("hints", [])),
                    timeout=float(raw.get("timeout", DEFAULT_TIMEOUT)),
                    check=str(raw.get("check", "")),
                    tensorflow=bool(raw.get("tensorflow", False)),
                    training=bool(raw.get("training", False)),
                    memory_mb=int(
                        raw.get("memory_mb")
                        or max(
                            week_memory.get(int(raw["week"]), 0),
                            tensorflow_memory if raw.get("tensorflow") else course_memory,
                        )
                    ),
                    **_grading_fields(raw, grading),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CatalogError(f"{info_path}: exercise #{position} is malformed ({exc!r})") from None
    return Catalog(
        title=str(course.get("title", "dlx")),
        welcome=str(course.get("welcome", "")),
        finished=str(course.get("finished", "")),
        weeks=weeks,
        exercises=exercises,
    )


def _grading_fields(raw: dict, defaults: dict) -> dict:
    """An exercise's grading keys, falling back on the course's [grading] table."""
    visibility = str(raw.get("visibility", defaults.get("visibility", "visible")))
    check_visibility = tuple((str(k), str(v)) for k, v in raw.get("check_visibility", {}).items())
    for value in (visibility, *(v for _, v in check_visibility)):
        if value not in VISIBILITIES:
            raise ValueError(f"visibility {value!r} is not one of {', '.join(VISIBILITIES)}")
    points = float(raw.get("points", defaults.get("points", DEFAULT_POINTS)))
    check_points = tuple((str(k), float(v)) for k, v in raw.get("check_points", {}).items())
    if points < 0 or any(v < 0 for _, v in check_points):
        raise ValueError("points cannot be negative")
    return {
        "points": points,
        "visibility": visibility,
        "partial_credit": bool(raw.get("partial_credit", defaults.get("partial_credit", False))),
        "check_points": check_points,
        "check_visibility": check_visibility,
    }


def first_todo_line(path: Path) -> int | None:
    """The line of the first TODO (or NotImplementedError) in a file, if any."""
    from checker.course.workspace import read_source  # (workspace imports this module)

    try:  # bounded and non-blocking: the learner's code may have made its file a FIFO or a link to /dev/zero
        text = read_source(Path(path)).decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if TODO_PATTERN.search(line):
                return number
    except OSError:
        return None
    return None


def validate(catalog: Catalog, exercises_dir: Path, solutions_dir: Path, checks_dir: Path) -> list[str]:
    """Every problem with the catalog, as one sentence each (empty when valid)."""
    problems = []
    seen: set[str] = set()
    if not catalog.exercises:
        problems.append("the catalog lists no exercises")
    for exercise in catalog.exercises:
        where = f"exercise `{exercise.name}`"
        if exercise.name in seen:
            problems.append(f"{where}: the name is used twice")
        seen.add(exercise.name)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", exercise.name):
            problems.append(f"{where}: names are lower_snake_case")
        if exercise.name in ("all",) or re.fullmatch(r"w(eek)?\d+", exercise.name):
            problems.append(f"{where}: the name clashes with a selector (all, weekN)")
        if exercise.week not in catalog.weeks:
            problems.append(f"{where}: week {exercise.week} has no title under [weeks]")
        stub = exercises_dir / exercise.file
        if not stub.is_file():
            problems.append(f"{where}: stub {stub} is missing")
        elif first_todo_line(stub) is None:
            problems.append(f"{where}: stub {stub} has no TODO / NotImplementedError")
        if not (solutions_dir / exercise.file).is_file():
            problems.append(f"{where}: solution {solutions_dir / exercise.file} is missing")
        if not (checks_dir / exercise.check_path).is_file():
            problems.append(f"{where}: check module {checks_dir / exercise.check_path} is missing")
        if len(exercise.hints) < 2:
            problems.append(f"{where}: needs at least two hints, has {len(exercise.hints)}")
        if exercise.timeout <= 0:
            problems.append(f"{where}: timeout must be positive")
    order = [(e.week) for e in catalog.exercises]
    if order != sorted(order):
        problems.append("exercises are not in week order")
    return problems
