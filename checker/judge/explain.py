"""An exception from a check, in a learner's words: what happened, where in their file, and why it is not a pass.

The one place that turns what a check raised into a `Problem` record: a
check's own failure (its message is already written for the learner), the
learner's code raising (a traceback trimmed to their frames), a stub's
NotImplementedError ("not written yet"), a refused allocation, an attempt to
stop the process.
"""

from __future__ import annotations

from checker.channel import errors
from checker.engine.records import Problem, ProblemKind
from checker.sandbox.loader import memory_record
from checker.testing import CheckFailure


def explain(exc: BaseException, target_path: str, memory_mb: int | None) -> Problem:
    """The learner-facing problem for an exception raised while a check ran."""
    frames = errors.frames_of(exc, target_path)
    line = frames[-1].lineno if frames else None
    if isinstance(exc, errors.LearnerStopped):
        where = f"\n{errors.format_frames(frames)}" if frames else ""
        return Problem(ProblemKind.ERROR, errors.clip(
            f"Your code raised {exc} while this check was running: it tried to stop the program.{where}\n"
            "A function must return its result; do not call sys.exit() or exit() in an exercise."), line)
    if isinstance(exc, MemoryError):
        record = memory_record(frames, memory_mb)
        return Problem(ProblemKind.MEMORY, record["message"], record["line"])
    if isinstance(exc, NotImplementedError) and frames:
        return Problem(ProblemKind.NOT_IMPLEMENTED,
                       f"`{frames[-1].name}` is not written yet (it raises NotImplementedError at line {line}).", line)
    if isinstance(exc, CheckFailure):
        return Problem(ProblemKind.CHECK, errors.clip(str(exc)), line)
    if isinstance(exc, AssertionError) and not frames:
        return Problem(ProblemKind.CHECK, errors.clip(str(exc) or "A check's assertion failed."))
    headline = f"{getattr(exc, 'remote_name', '') or type(exc).__name__}: {errors.safe_text(lambda: exc)}"
    if frames:
        message = f"Your code raised an error:\n{errors.format_frames(frames)}\n{headline}"
    else:
        message = (f"An error occurred while checking your result:\n{headline}\n"
                   "Look at what your function returns (type, shape, dtype).")
    return Problem(ProblemKind.ERROR, errors.clip(message), line)
