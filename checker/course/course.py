"""A learner's course: workspace, catalog and progress, and the operations the
commands share (which exercise is current, run and record, run many at once)."""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from checker.course import progress as state
from checker.course.catalog import CHECKS_DIR, Catalog, Exercise, first_todo_line
from checker.course.workspace import Workspace
from checker.engine import supervisor
from checker.engine.records import Progress as CheckProgress, Status
from checker.engine.verdict import Verdict


def default_jobs() -> int:
    """Parallel check processes: one per core."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


@dataclass
class Course:
    workspace: Workspace
    catalog: Catalog

    @classmethod
    def open(cls, workspace: Workspace) -> "Course":
        return cls(workspace, workspace.catalog())

    # ------------------------------------------------------------------ progress
    def progress(self) -> state.Progress:
        return state.load(self.workspace.state_dir)

    def update(self, change: Callable[[state.Progress], None]) -> state.Progress:
        return state.update(self.workspace.state_dir, change)

    def current(self, progress: state.Progress) -> Exercise:
        """The exercise the learner is on: the saved one, else the first not done."""
        chosen = self.catalog.get(progress.current) if progress.current else None
        return chosen or self.next_pending(progress, after=None) or self.catalog.exercises[-1]

    def next_pending(self, progress: state.Progress, after: Exercise | None) -> Exercise | None:
        """The first exercise not done, looking after `after` first, then from the start."""
        order = self.catalog.exercises
        start = self.catalog.index(after.name) + 1 if after else 0
        for exercise in order[start:] + order[:start]:
            if exercise.name not in progress.done:
                return exercise
        return None

    def all_done(self, progress: state.Progress) -> bool:
        return all(e.name in progress.done for e in self.catalog.exercises)

    # ------------------------------------------------------------------ paths
    def path(self, exercise: Exercise) -> Path:
        return self.workspace.path_of(exercise)

    def display(self, exercise: Exercise) -> str:
        return self.workspace.display_path(exercise)

    def todo_line(self, exercise: Exercise) -> int | None:
        return first_todo_line(self.path(exercise))

    @functools.cached_property
    def _by_path(self) -> dict[Path, Exercise]:
        return {self.path(e).resolve(): e for e in self.catalog.exercises}

    def exercise_for(self, path: str | os.PathLike) -> Exercise | None:
        """The catalog exercise a file path belongs to, if any (called for every file event)."""
        try:
            return self._by_path.get(Path(path).resolve())
        except OSError:
            return None

    # ------------------------------------------------------------------ running
    def preload_for(self, exercise: Exercise) -> tuple[str, ...]:
        """What a check process imports before its job: TensorFlow only where the checks use it."""
        return ("tensorflow",) if exercise.tensorflow else ()

    def start_process(self, exercise: Exercise) -> supervisor.CheckProcess:
        return supervisor.CheckProcess(preload=self.preload_for(exercise))

    def check(
        self,
        exercise: Exercise,
        target: Path | None = None,
        process: supervisor.CheckProcess | None = None,
        threads: int | None = None,
        on_progress: Callable[[CheckProgress], None] | None = None,
    ) -> Verdict:
        """Run one exercise's checks (on the learner's file unless `target` is given).

        `threads` is accepted and ignored: every check process has `supervisor.THREADS`,
        in every command, so that one file gets one verdict.  `on_progress` gets what a
        training check reports while it runs (its epochs), from the waiting thread.
        """
        process = process or self.start_process(exercise)
        return process.run(
            exercise.name,
            target or self.path(exercise),
            CHECKS_DIR / exercise.check_path,
            exercise.timeout,
            exercise.memory_mb,
            on_progress if exercise.training else None,  # only training checks report: the others pay nothing
        )

    def record(self, results: Iterable[tuple[Exercise, Verdict]]) -> state.Progress:
        """Save the outcome of runs on the learner's files."""
        results = list(results)
        return self.update(lambda progress: progress.record_results(results))

    def check_many(
        self,
        exercises: list[Exercise],
        jobs: int,
        target_for: Callable[[Exercise], Path] | None = None,
        should_stop: Callable[[], bool] | None = None,
        on_done: Callable[[Exercise, Verdict], None] | None = None,
        on_progress: Callable[[Exercise, CheckProgress], None] | None = None,
    ) -> list[tuple[Exercise, Verdict]]:
        """Run several exercises' checks in catalog order: `jobs` processes at a time,
        except the training exercises, each run alone with nothing beside it.

        Every check process has the same maths threads (`supervisor.THREADS`) in every
        command, so what a check computes never depends on `jobs`; a training check
        also gets the machine to itself, so its speed (and its time guard) is that of
        `dlx run`.  Only the order in which the others run changes with `jobs`.
        `on_done(exercise, verdict)` is called (from a worker thread) as each one finishes;
        `on_progress(exercise, progress)` while a training check reports how far it has come.
        """

        def one(exercise: Exercise) -> tuple[Exercise, Verdict]:
            if should_stop and should_stop():
                return exercise, Verdict(exercise.name, Status.CANCELLED, message="Stopped before it ran.")
            shown = (lambda record: on_progress(exercise, record)) if on_progress else None
            result = self.check(exercise, target_for(exercise) if target_for else None, on_progress=shown)
            if on_done is not None:
                on_done(exercise, result)
            return exercise, result

        pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        try:
            futures = []
            for exercise in exercises:
                if exercise.training:  # alone: wait for what runs, run it, then go on
                    for future in futures:
                        future.exception()
                    futures.append(pool.submit(one, exercise))
                    futures[-1].exception()
                else:
                    futures.append(pool.submit(one, exercise))
            return [future.result() for future in futures]
        except BaseException:  # Ctrl-C: stop every check now rather than wait for them
            pool.shutdown(wait=False, cancel_futures=True)
            supervisor.kill_all()
            raise
        finally:
            pool.shutdown(wait=True)
