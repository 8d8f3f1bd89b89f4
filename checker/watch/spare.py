"""The warm spares: check processes that import their modules while the learner types.

Each process runs one job and is never reused, so a spare is replaced after
every run.  There is one spare of the kind the current exercise needs (with
TensorFlow, or without) and, when TensorFlow is coming soon (the next exercise
or the one after uses it, or the learner is in week 2 or later), a TensorFlow
spare as well, so the first TensorFlow check does not pay TensorFlow's ~15 s
import while the learner watches.
"""

from __future__ import annotations

from typing import Callable

from checker.course.catalog import Exercise
from checker.course.course import Course
from checker.engine.supervisor import CheckProcess

LOOKAHEAD = 2  # exercises ahead that make dlx warm TensorFlow
TENSORFLOW_WEEK = 2  # from this week on, a TensorFlow spare is always kept warm (if any exercise needs it)


class Spare:
    def __init__(self, course: Course, on_start: Callable[[CheckProcess], None] = lambda process: None):
        self.course = course
        self.processes: dict[tuple[str, ...], CheckProcess] = {}
        self._on_start = on_start

    @property
    def process(self) -> CheckProcess | None:
        """Any spare (None when none is warm)."""
        return next(iter(self.processes.values()), None)

    def kinds_for(self, exercise: Exercise) -> list[tuple[str, ...]]:
        """The preloads worth having warm while the learner works on `exercise`."""
        kinds = [self.course.preload_for(exercise)]
        exercises = self.course.catalog.exercises
        try:
            at = self.course.catalog.index(exercise.name)
        except StopIteration:
            return kinds
        soon = exercises[at + 1 : at + 1 + LOOKAHEAD]
        uses_tensorflow = [e for e in exercises if e.tensorflow]
        if any(e.tensorflow for e in soon) or (uses_tensorflow and exercise.week >= TENSORFLOW_WEEK):
            tensorflow = self.course.preload_for(uses_tensorflow[0] if uses_tensorflow else exercise)
            if tensorflow not in kinds:
                kinds.append(tensorflow)
        return kinds

    def warm(self, exercise: Exercise) -> None:
        """Have spares of the right kinds for `exercise` ready (start them, drop the kinds not needed)."""
        wanted = self.kinds_for(exercise)
        for kind, process in list(self.processes.items()):
            if kind not in wanted or not process.alive():
                process.kill()
                del self.processes[kind]
        for kind in wanted:
            if kind not in self.processes:
                self.processes[kind] = process = CheckProcess(preload=kind)
                self._on_start(process)

    def take(self, exercise: Exercise) -> CheckProcess:
        """A process for `exercise`: the warm spare of its kind if alive, else a new one."""
        kind = self.course.preload_for(exercise)
        process = self.processes.pop(kind, None)
        if process is not None and process.alive():
            return process
        if process is not None:
            process.kill()
        return self.course.start_process(exercise)

    def kill(self) -> None:
        for process in self.processes.values():
            process.kill()
        self.processes.clear()
