"""The structured result of one exercise's checks, as the parent sees it."""

from __future__ import annotations

from dataclasses import dataclass, field

# Statuses, from best to worst.  Only PASSED is a pass.
PASSED = "passed"
FAILED = "failed"
NOT_STARTED = "not_started"
SYNTAX_ERROR = "syntax_error"
IMPORT_ERROR = "import_error"
TIMEOUT = "timeout"
MEMORY = "memory"
TAMPERED = "tampered"
CRASHED = "crashed"
MISSING = "missing"
CANCELLED = "cancelled"


@dataclass
class CheckResult:
    """One hidden check: its title for the learner and what happened."""

    name: str
    title: str
    passed: bool
    kind: str | None = None  # check, not_implemented, error, syntax_error, ...
    message: str = ""
    line: int | None = None
    seconds: float = 0.0


@dataclass
class Verdict:
    """What the parent concluded about one run of an exercise's checks."""

    exercise: str
    status: str
    checks: list[CheckResult] = field(default_factory=list)
    message: str = ""
    line: int | None = None
    output: str = ""
    output_bytes: int = 0  # all the learner printed, of which `output` is the head
    output_truncated: bool = False
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def n_passed(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def n_total(self) -> int:
        return len(self.checks)

    @property
    def first_failure(self) -> CheckResult | None:
        return next((c for c in self.checks if not c.passed), None)

    def summary(self) -> str:
        """One line: the first failing check's title, or why nothing ran."""
        if self.status == PASSED:
            return f"all {self.n_total} checks pass"
        failure = self.first_failure
        if self.status in (FAILED, NOT_STARTED) and failure is not None:
            return failure.title
        return self.message.splitlines()[0] if self.message else self.status
