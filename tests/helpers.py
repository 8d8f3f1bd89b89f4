"""Shared helpers for the project's own tests."""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import textwrap
from pathlib import Path

from checker.course import catalog
from checker.course.catalog import CHECKS_DIR
from checker.engine.supervisor import run_exercise
from checker.engine.verdict import Verdict

REPO = Path(__file__).resolve().parents[1]
EXERCISES = REPO / "exercises"
SOLUTIONS = REPO / "solutions"
# DLX_TEST_INFO lets an exercise author test a catalog entry before it is merged.
CATALOG = catalog.load(Path(os.environ.get("DLX_TEST_INFO", EXERCISES / "info.toml")))
_counter = itertools.count()


def load_module(path: Path):
    """Import a Python file as a fresh module (a solution or a stub)."""
    name = f"dlx_test_module_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def solution(name: str):
    """The reference solution module of the catalog exercise `name`."""
    return load_module(SOLUTIONS / CATALOG.get(name).file)


def run_engine(name: str, target: Path) -> Verdict:
    """Run the hidden checks of exercise `name` against `target` through the real engine."""
    exercise = CATALOG.get(name)
    preload = ("tensorflow",) if exercise.tensorflow else ()
    return run_exercise(name, Path(target), CHECKS_DIR / exercise.check_path, exercise.timeout, preload, exercise.memory_mb)


def run_source(name: str, source: str, tmp_path: Path) -> Verdict:
    """Write `source` (dedented) to a file and run exercise `name`'s checks on it."""
    target = tmp_path / Path(CATALOG.get(name).file).name
    target.write_text(textwrap.dedent(source), encoding="utf-8")
    return run_engine(name, target)


def mutate(name: str, tmp_path: Path, old: str, new: str) -> Verdict:
    """Run exercise `name`'s checks on its reference solution with `old` replaced by `new`.

    The replacement must happen (so a renamed solution line cannot silently make
    a mutant test vacuous).
    """
    text = (SOLUTIONS / CATALOG.get(name).file).read_text(encoding="utf-8")
    assert old in text, f"mutation anchor {old!r} not found in the solution of {name}"
    return run_source(name, text.replace(old, new, 1), tmp_path)


def load_check(name: str):
    """The hidden check module of exercise `name`, imported as a plain module.

    Lets the project's tests call a check's own training helper with other seeds
    (to show a training check is not flaky) without going through pytest.
    """
    return load_module(CHECKS_DIR / CATALOG.get(name).check_path)


def keep_only(workspace, names: list[str]) -> None:
    """Cut the workspace's catalog down to `names`: for tests of flows over the whole course
    (check all, the final message) that need not train every model again: `dlx dev check`
    already runs every stub and every solution once per test run."""
    path = workspace.exercises_dir / "info.toml"
    head, *blocks = path.read_text(encoding="utf-8").split("\n[[exercises]]\n")  # the tables come first
    kept = [block for block in blocks if _name_of(block) in names]
    assert sorted(_name_of(b) for b in kept) == sorted(names), "an exercise name not in the catalog"
    path.write_text(head + "".join("\n[[exercises]]\n" + block for block in kept), encoding="utf-8")


def _name_of(block: str) -> str:
    for line in block.splitlines():
        if line.strip().startswith("name ="):
            return line.split("=", 1)[1].strip().strip('"')
    return ""
