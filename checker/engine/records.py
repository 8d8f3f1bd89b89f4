"""THE protocol between dlx and its judge: the job, the event records, the problem kinds, the statuses.

dlx (the parent) sends the judge one `Job`; the judge answers with a stream of
event records, one JSON object a line, each carrying the run's token; the
parent's grading reads them back through `parse_record`, which trusts nothing:
a line that is not exactly one of the records below, with fields of the right
types and sizes, is dropped (it is no evidence of anything).

Read by both sides, so it imports the standard library only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Union

MAX_RECORD_CHARS = 64 * 1024  # a longer line is not a record the judge wrote
MAX_TEXT_CHARS = 8000  # a message longer than this is cut, whoever sent it
MAX_NAMES = 2000  # checks in one run, at most
MAX_FIGURES = 8  # figures one check may report (an accuracy, a loss...)
MAX_FIGURE_NAME = 40  # characters of a figure's name
MAX_LABEL = 40  # characters of a progress record's label ("epoch", "step")
MAX_STEPS = 1_000_000_000  # a progress record's total, at most


class Status(StrEnum):
    """The verdict on one run of an exercise's checks.  Only PASSED is a pass."""

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
    PENDING = "pending"  # never run (progress only)


class ProblemKind(StrEnum):
    """Why one check (or the loading of the learner's file) did not pass."""

    CHECK = "check"  # a check's assertion: the learner's answer is wrong
    NOT_IMPLEMENTED = "not_implemented"  # a stub's NotImplementedError
    ERROR = "error"  # the learner's code raised
    SYNTAX_ERROR = "syntax_error"
    IMPORT_ERROR = "import_error"
    MEMORY = "memory"  # an allocation refused by the memory limit
    CRASHED = "crashed"  # the sandbox ended
    SKIPPED = "skipped"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


class Event(StrEnum):
    LOADED = "loaded"
    COLLECTED = "collected"
    STARTED = "start"
    CHECK = "check"
    TAMPERED = "tampered"
    COLLECT_ERROR = "collect_error"
    PROGRESS = "progress"
    DONE = "done"


@dataclass
class Job:
    """What the parent asks of a judge: run the checks `check` on the learner's file `target`."""

    target: str
    check: str
    module_name: str
    token: str
    workdir: str
    memory_mb: int | None = None

    def to_line(self) -> str:
        return json.dumps(asdict(self)) + "\n"

    @classmethod
    def from_line(cls, line: str) -> "Job":
        return cls(**json.loads(line))


@dataclass
class Problem:
    kind: ProblemKind
    message: str
    line: int | None = None


@dataclass
class Loaded:
    """The learner's file was imported (error is None) or could not be."""

    error: Problem | None
    seconds: float = 0.0
    event: Event = field(default=Event.LOADED, init=False)


@dataclass
class Collected:
    count: int
    names: list[str]
    event: Event = field(default=Event.COLLECTED, init=False)


@dataclass
class Started:
    name: str
    event: Event = field(default=Event.STARTED, init=False)


@dataclass
class CheckRecord:
    """One check's result; `problem` is None exactly when it passed."""

    name: str
    title: str
    outcome: Outcome
    seconds: float = 0.0
    problem: Problem | None = None
    figures: dict[str, float] = field(default_factory=dict)  # what the check measured: {"accuracy": 0.861}
    call: dict | None = None  # a failing check's last call of the learner's function (checker.engine.calls), for `dlx debug`
    event: Event = field(default=Event.CHECK, init=False)

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED and self.problem is None


@dataclass
class Tampered:
    what: list[str]
    message: str
    event: Event = field(default=Event.TAMPERED, init=False)


@dataclass
class CollectError:
    message: str
    event: Event = field(default=Event.COLLECT_ERROR, init=False)


@dataclass
class Progress:
    """How far a long check (a training run) has come: shown while it runs, never graded.

    Written by the judge alone, which bounds and rate-limits what the sandbox's
    code reports (`checker.testing.progress`): `step` of `total` units of
    `label` ("epoch", "step") done, a few figures (loss, accuracy), seconds since
    the check started, and the judge's estimate of the seconds left (None when it
    cannot tell yet).
    """

    name: str
    title: str
    step: float
    total: int
    label: str = ""
    figures: dict[str, float] = field(default_factory=dict)
    elapsed: float = 0.0
    remaining: float | None = None
    event: Event = field(default=Event.PROGRESS, init=False)


@dataclass
class Done:
    collected: int
    event: Event = field(default=Event.DONE, init=False)


Record = Union[Loaded, Collected, Started, CheckRecord, Tampered, CollectError, Progress, Done]


# --------------------------------------------------------------------------- writing


def record_line(record: Record, token: str) -> str:
    """One record as the judge writes it: a JSON object with the token, on one line."""
    data = asdict(record)
    data["token"] = token
    return json.dumps(data) + "\n"


# --------------------------------------------------------------------------- reading


class Malformed(ValueError):
    """A line that is not a record of this protocol."""


def _text(data: dict, key: str, *, optional: bool = False) -> str:
    value = data.get(key)
    if value is None and optional:
        return ""
    if type(value) is not str:
        raise Malformed(f"{key} is not text")
    return _printable(value[:MAX_TEXT_CHARS])


def _printable(text: str) -> str:
    """`text` as valid UTF-8 (a lone surrogate, which JSON can carry, becomes "?")."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _number(data: dict, key: str) -> float:
    value = data.get(key, 0.0)
    if type(value) not in (int, float) or value != value or value < 0:
        raise Malformed(f"{key} is not a number")
    return float(value)


def _count(data: dict, key: str) -> int:
    value = data.get(key)
    if type(value) is not int or not 0 <= value <= MAX_NAMES:
        raise Malformed(f"{key} is not a count")
    return value


def _line_number(value: Any) -> int | None:
    if value is None:
        return None
    if type(value) is not int or value < 0:
        raise Malformed("line is not a line number")
    return value


def _problem(value: Any) -> Problem | None:
    if value is None:
        return None
    if type(value) is not dict:
        raise Malformed("a problem is not an object")
    return Problem(ProblemKind(_text(value, "kind")), _text(value, "message", optional=True),
                   _line_number(value.get("line")))


def _figures(value: Any) -> dict[str, float]:
    """A check's figures: at most MAX_FIGURES names of text, each a finite number."""
    if value is None:
        return {}
    if type(value) is not dict or len(value) > MAX_FIGURES:
        raise Malformed("figures are not a small object")
    figures = {}
    for name, number in value.items():
        if type(name) is not str or type(number) not in (int, float) or number != number or abs(number) == float("inf"):
            raise Malformed("a figure is not a name and a finite number")
        figures[name[:MAX_FIGURE_NAME]] = float(number)
    return figures


def _call(value: Any) -> dict | None:
    """A call as checker.engine.calls encodes it; its values are checked when `dlx debug` decodes them."""
    if value is None:
        return None
    if type(value) is not dict or type(value.get("function")) is not str or len(value["function"]) > 100:
        raise Malformed("a call is not a function name and its arguments")
    return value


def _progress(data: dict) -> Progress:
    total = data.get("total")
    if type(total) is not int or not 0 < total <= MAX_STEPS:
        raise Malformed("total is not a count of steps")
    step = _number(data, "step")
    if step > total:
        raise Malformed("step is past total")
    remaining = data.get("remaining")
    if remaining is not None:
        remaining = _number(data, "remaining")
        if remaining == float("inf"):
            raise Malformed("remaining is not a finite number")
    label = _text(data, "label", optional=True)
    if len(label) > MAX_LABEL:
        raise Malformed("the label is too long")
    return Progress(_text(data, "name")[:500], _text(data, "title", optional=True)[:500], step, total, label,
                    _figures(data.get("figures")), _number(data, "elapsed"), remaining)


def _names(value: Any) -> list[str]:
    if type(value) is not list or len(value) > MAX_NAMES or any(type(n) is not str for n in value):
        raise Malformed("names are not a list of text")
    return [_printable(n[:500]) for n in value]


def parse_record(line: str, token: str) -> Record | None:
    """The record on `line`; None if it is not this run's (no token, another token).

    Raises Malformed for a line that carries this run's token but is not a well-formed
    record: the report is damaged, and the grading treats it as no evidence at all.
    """
    if len(line) > MAX_RECORD_CHARS:
        if token in line:
            raise Malformed("an oversized record")
        return None
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        if token in line:
            raise Malformed("a record that is not JSON") from None
        return None
    if type(data) is not dict or data.get("token") != token:
        return None
    try:
        event = Event(data.get("event"))
        if event is Event.LOADED:
            return Loaded(_problem(data.get("error")), _number(data, "seconds"))
        if event is Event.COLLECTED:
            return Collected(_count(data, "count"), _names(data.get("names", [])))
        if event is Event.STARTED:
            return Started(_text(data, "name"))
        if event is Event.CHECK:
            return CheckRecord(_text(data, "name"), _text(data, "title"), Outcome(data.get("outcome")),
                               _number(data, "seconds"), _problem(data.get("problem")),
                               _figures(data.get("figures")), _call(data.get("call")))
        if event is Event.TAMPERED:
            return Tampered(_names(data.get("what")), _text(data, "message"))
        if event is Event.COLLECT_ERROR:
            return CollectError(_text(data, "message"))
        if event is Event.PROGRESS:
            return _progress(data)
        return Done(_count(data, "collected"))
    except (ValueError, TypeError, KeyError) as exc:  # Malformed is a ValueError
        raise Malformed(f"a malformed {str(data.get('event'))[:20]!r} record ({exc})") from None
