"""The warm spare: a check process that imports its modules while the learner types.

Each process runs one job and is never reused, so the spare is replaced after
every run; it is the right kind for the exercise at hand (with TensorFlow, or
without), and is swapped when the learner moves to an exercise of the other kind.
"""

from __future__ import annotations

from typing import Callable

from checker.course.catalog import Exercise
from checker.course.course import Course
from checker.engine.supervisor import CheckProcess


class Spare:
    def __init__(self, course: Course, on_start: Callable[[CheckProcess], None] = lambda process: None):
        self.course = course
        self.process: CheckProcess | None = None
        self._on_start = on_start

    def warm(self, exercise: Exercise) -> None:
        """Have a spare of the right kind for `exercise` ready (start one, or swap the wrong kind)."""
        wanted = self.course.preload_for(exercise)
        if self.process is not None and (self.process.preload != wanted or not self.process.alive()):
            self.process.kill()
            self.process = None
        if self.process is None:
            self.process = self.course.start_process(exercise)
            self._on_start(self.process)

    def take(self, exercise: Exercise) -> CheckProcess:
        """A warm process for `exercise` (the spare if it is the right kind and alive, else a new one)."""
        process, self.process = self.process, None
        if process is not None and process.preload == self.course.preload_for(exercise) and process.alive():
            return process
        if process is not None:
            process.kill()
        return self.course.start_process(exercise)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process = None
