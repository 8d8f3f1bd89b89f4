"""Records -> Verdict: the grade, decided in dlx from the judge's report alone.

Only complete evidence passes: a report that says the learner's file loaded,
how many checks were collected, a passing record for each of them, and that
the run was done.  A crash, a timeout, an exit code, a missing, partial,
damaged or oversized report is never a pass.
"""

from __future__ import annotations

import signal

from checker.engine.records import (
    CheckRecord,
    Collected,
    CollectError,
    Done,
    Loaded,
    Malformed,
    ProblemKind,
    Started,
    Status,
    Tampered,
    parse_record,
)
from checker.engine.verdict import CheckResult, Verdict

_ABORT_SIGNALS = {getattr(signal, name) for name in ("SIGABRT", "SIGSEGV", "SIGBUS") if hasattr(signal, name)}
_LOAD_STATUS = {
    ProblemKind.SYNTAX_ERROR: Status.SYNTAX_ERROR,
    ProblemKind.NOT_IMPLEMENTED: Status.NOT_STARTED,
    ProblemKind.MEMORY: Status.MEMORY,
    ProblemKind.CRASHED: Status.CRASHED,
}


def read_report(data: bytes, token: str) -> tuple[list, str | None]:
    """This run's records in a report, and why the report is damaged (None if it is not)."""
    records, damage = [], None
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            record = parse_record(line, token)
        except Malformed as exc:
            damage = damage or str(exc)
            continue
        if record is not None:
            records.append(record)
    return records, damage


def damaged(exercise: str, why: str) -> Verdict:
    return Verdict(
        exercise,
        Status.CRASHED,
        message=f"The report of the checks was damaged ({why[:200]}), so nothing in it counts and this is not a pass.\n"
        "If your code did nothing unusual, please report this as a bug in dlx.",
    )


def grade(
    exercise: str,
    records: list,
    *,
    timed_out: bool,
    timeout: float,
    returncode: int | None,
    memory_mb: int | None = None,
) -> Verdict:
    """Decide the verdict from the judge's records.  Only complete evidence passes."""
    checks: list[CheckResult] = []
    loaded: Loaded | None = None
    collected: Collected | None = None
    collect_error: CollectError | None = None
    tampered: Tampered | None = None
    done = False
    running: str | None = None
    for record in records:
        if isinstance(record, Loaded):
            loaded = record
        elif isinstance(record, Collected):
            collected = record
        elif isinstance(record, Started):
            running = record.name
        elif isinstance(record, CheckRecord):
            problem = record.problem
            checks.append(CheckResult(
                name=record.name, title=record.title or record.name, passed=record.passed,
                kind=problem.kind if problem else None, message=problem.message if problem else "",
                line=problem.line if problem else None, seconds=record.seconds,
                figures=dict(record.figures),
                call=record.call,
            ))
        elif isinstance(record, Tampered):
            tampered = record
        elif isinstance(record, CollectError):
            collect_error = record
        elif isinstance(record, Done):
            done = True
        # A Progress record is what a long check showed while it ran: never evidence of anything.

    if tampered is not None:  # nothing that ran after the tools were changed can be trusted
        return Verdict(exercise, Status.TAMPERED, checks, message=tampered.message)
    memory = next((c for c in checks if c.kind == ProblemKind.MEMORY), None)
    if memory is not None:  # before a timeout: the refused allocation is the cause worth showing
        return Verdict(exercise, Status.MEMORY, checks, message=memory.message, line=memory.line)
    crashed = next((c for c in checks if c.kind == ProblemKind.CRASHED), None)
    if crashed is not None:  # the learner's process ended: the checks after it never ran
        return Verdict(exercise, Status.CRASHED, checks, message=crashed.message, line=crashed.line)
    if timed_out:
        during = next((c.title for c in checks if c.name == running), None) or running
        where = f" (it was running the check `{during}`)" if during else ""
        return Verdict(
            exercise,
            Status.TIMEOUT,
            checks,
            message=f"Your code took longer than {timeout:g} s{where} and was stopped.\n"
            "Look for an infinite loop (a `while` whose condition never changes) or far too much work.",
        )
    if collect_error is not None:
        return Verdict(
            exercise,
            Status.CRASHED,
            checks,
            message="The hidden checks themselves could not be loaded: this is a bug in the course, not in your code.\n"
            "Please report it with the text below.\n" + collect_error.message,
        )
    if loaded is not None and loaded.error is not None:
        error = loaded.error
        status = _LOAD_STATUS.get(error.kind, Status.IMPORT_ERROR)
        return Verdict(exercise, status, checks, message=error.message, line=error.line)
    if not done or collected is None or loaded is None:
        how = f"exit code {returncode}" if returncode is None or returncode >= 0 else f"killed by signal {-returncode}"
        hint = "Did your code call sys.exit() / os._exit(), or crash Python?"
        if memory_mb and returncode is not None and returncode < 0 and -returncode in _ABORT_SIGNALS:
            hint += f" It may also have run out of memory (the limit is {memory_mb} MiB)."
        return Verdict(
            exercise,
            Status.CRASHED,
            checks,
            message=f"The check process stopped before it finished ({how}).\n{hint} Nothing was graded, so this is not a pass.",
        )
    names = {c.name for c in checks}
    if collected.count == 0 or len(names) != collected.count or (collected.names and names != set(collected.names)):
        during = f" while the check `{running}` was running" if running and running not in names else ""
        return Verdict(
            exercise,
            Status.CRASHED,
            checks,
            message=f"The checks were stopped{during}: only {len(names)} of {collected.count} reported a result, "
            "so this is not a pass.\n"
            "Did your code raise KeyboardInterrupt or SystemExit, or call sys.exit()? Let your function return its result instead.",
        )
    failures = [c for c in checks if not c.passed]
    if not failures and returncode != 0:
        # pytest ends with 0 exactly when every check passed.  A complete passing report from a judge that was
        # killed (or that never got its job) was written by someone else: a process that took the judge's
        # report socket, read the token from its job, then killed it.
        how = f"exit code {returncode}" if returncode is None or returncode >= 0 else f"killed by signal {-returncode}"
        return Verdict(exercise, Status.CRASHED, checks, message=(
            f"The check process did not end as it does after a passing run ({how}), so its report cannot be "
            "trusted and this is not a pass.\nIs code from another exercise (or another dlx) still running?"))
    if not failures:
        return Verdict(exercise, Status.PASSED, checks)
    first = failures[0]
    if all(c.kind == ProblemKind.NOT_IMPLEMENTED for c in failures) and not any(c.passed for c in checks):
        return Verdict(exercise, Status.NOT_STARTED, checks, message=first.message, line=first.line)
    return Verdict(exercise, Status.FAILED, checks, message=first.message, line=first.line)
