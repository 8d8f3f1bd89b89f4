"""The structured result of one exercise's checks, as the parent concludes it from the judge's records."""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.engine.records import ProblemKind, Status


@dataclass
class CheckResult:
    """One hidden check: its title for the learner and what happened."""

    name: str
    title: str
    passed: bool
    kind: ProblemKind | None = None
    message: str = ""
    line: int | None = None
    seconds: float = 0.0
    figures: dict[str, float] = field(default_factory=dict)  # what a training check reached: {"accuracy": 0.861}
    call: dict | None = None  # the failing check's last call of the learner's function (checker.engine.calls)


@dataclass
class Verdict:
    """What the parent concluded about one run of an exercise's checks."""

    exercise: str
    status: Status
    checks: list[CheckResult] = field(default_factory=list)
    message: str = ""
    line: int | None = None
    output: str = ""
    output_bytes: int = 0  # all the learner printed, of which `output` is the head
    output_truncated: bool = False
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    @property
    def n_passed(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def n_total(self) -> int:
        return len(self.checks)

    @property
    def first_failure(self) -> CheckResult | None:
        return next((c for c in self.checks if not c.passed), None)

    @property
    def figures(self) -> dict[str, float]:
        """Every figure the checks reported (a training check's accuracy), by name.

        A name several checks report (train_logreg's accuracy with each optimizer) keeps
        the lowest value: the weakest run is the one worth showing.
        """
        merged: dict[str, float] = {}
        for check in self.checks:
            for name, value in check.figures.items():
                merged[name] = min(value, merged.get(name, value))
        return merged

    def summary(self) -> str:
        """One line: the first failing check's title, or why nothing ran."""
        if self.status is Status.PASSED:
            return f"all {self.n_total} checks pass"
        failure = self.first_failure
        if self.status in (Status.FAILED, Status.NOT_STARTED) and failure is not None:
            return failure.title
        return self.message.splitlines()[0] if self.message else self.status.value
