"""Training progress: the Progress record, the judge's bounds and rate limit, the engine's live feed, the screen line."""

import json
import math
import re
import time

import pytest

from checker.course.catalog import CHECKS_DIR
from checker.engine import records as R
from checker.engine.grading import grade, read_report
from checker.engine.records import Malformed, Progress, parse_record, record_line
from checker.engine.supervisor import run_exercise
from checker.testing import ProgressReporter, progress, report_progress, with_progress
from checker.ui.training import plain_progress_line, progress_block, progress_text, time_left
from tests.helpers import CATALOG, SOLUTIONS

TOKEN = "t" * 32


def _progress(**changes):
    fields = dict(name="test_fit", title="trains to 84%", step=2.5, total=20, label="epoch",
                  figures={"loss": 0.41, "accuracy": 0.81}, elapsed=12.0, remaining=41.0)
    fields.update(changes)
    return Progress(**fields)


# ---------------------------------------------------------------- the record


def test_a_progress_record_round_trips():
    record = _progress()
    assert parse_record(record_line(record, TOKEN), TOKEN) == record
    assert parse_record(record_line(_progress(remaining=None, figures={}), TOKEN), TOKEN).remaining is None


@pytest.mark.parametrize("field, value", [
    ("step", 21), ("step", -1), ("step", "3"), ("step", float("nan")), ("total", 0), ("total", 2.5),
    ("total", True), ("total", 10**12), ("label", "x" * 41), ("label", 3), ("name", None),
    ("figures", {"loss": "0.4"}), ("figures", {f"f{i}": 1 for i in range(20)}), ("remaining", float("inf")),
    ("remaining", -1), ("elapsed", "soon"),
])
def test_a_malformed_progress_record_is_no_evidence(field, value):
    data = json.loads(record_line(_progress(), TOKEN))
    data[field] = value
    line = json.dumps(data)
    with pytest.raises(Malformed):
        parse_record(line, TOKEN)
    _, damage = read_report(line.encode(), TOKEN)
    assert damage is not None  # graded as a damaged report, like any other malformed record


def test_grading_ignores_progress_records():
    plain = [R.Loaded(None), R.Collected(1, ["test_fit"]), R.Started("test_fit"),
             R.CheckRecord("test_fit", "trains", R.Outcome.PASSED), R.Done(1)]
    shown = plain[:3] + [_progress(), _progress(step=20.0)] + plain[3:]
    verdicts = [grade("x", records, timed_out=False, timeout=10, returncode=0) for records in (plain, shown)]
    assert verdicts[0] == verdicts[1] and verdicts[0].status is R.Status.PASSED
    failing = plain[:3] + [_progress()] + plain[4:]  # a progress record is no check result
    assert grade("x", failing, timed_out=False, timeout=10, returncode=0).status is R.Status.CRASHED


# ---------------------------------------------------------------- the judge's side: bounds and rate limit


@pytest.fixture
def sink():
    written = []
    progress.begin(lambda *fields: written.append(fields))
    yield written
    progress.begin(None)


def test_report_progress_is_rate_limited_but_the_last_step_shows(sink):
    for step in range(1, 1001):
        report_progress(step, 1000, "step")
    assert [w[0] for w in sink] == [1.0, 1000.0]  # the first, then (however soon) the last
    time.sleep(progress.MIN_INTERVAL + 0.05)
    report_progress(999, 1000, "step")
    report_progress(998, 1000, "step")
    assert len(sink) == 3


def test_at_most_four_records_a_second_whatever_the_flood(sink):
    started = time.perf_counter()
    while time.perf_counter() - started < 1.0:
        report_progress(5, 10, "epoch")
    assert 1 <= len(sink) <= 5


def test_what_the_learners_side_says_is_bounded(sink):
    reporter = ProgressReporter("epoch")
    junk = [((float("nan"), 10), {}), ((3, float("inf")), {}), ((True, 10), {}), (("3", 10), {}),
            ((3, 0), {}), ((3, 10**12), {}), ((3, 2.5), {}), (([3], 10), {}), ((None, None), {})]
    for args, kwargs in junk:
        assert reporter(*args, **kwargs) is None
    assert sink == []
    reporter(50, 10, **{"loss": float("nan"), "x\x1b[2J": 1.0, "accuracy": 0.5, "note": "text",
                       **{f"f{i}": i for i in range(10)}})
    (step, total, label, figures, elapsed, remaining), = sink
    assert (step, total, label) == (10.0, 10, "epoch")  # clipped to the total
    assert list(figures) == ["accuracy", "f0", "f1", "f2"]  # plain names, finite numbers, four at most
    assert remaining is None and elapsed >= 0


def test_a_reporter_kept_past_its_check_says_nothing(sink):
    reporter = ProgressReporter("epoch", total=5)
    progress.begin(lambda *fields: sink.append(fields))  # the next check starts
    reporter(1)
    assert sink == []
    ProgressReporter("epoch", total=5)(1)
    assert len(sink) == 1


def test_the_estimate_counts_from_the_first_report(sink):
    report_progress(0, 4, "epoch")
    time.sleep(0.3)
    report_progress(1, 4, "epoch")
    remaining = sink[-1][5]
    assert 0.6 < remaining < 30.0  # 3 epochs left at ~0.3 s each (a loaded machine may be slower)


def test_with_progress_counts_calls_and_returns_what_the_function_returns(sink):
    counted = with_progress(lambda a, b: a + b, 3, "iteration")
    assert [counted(1, 2), counted(3, 4), counted(5, 6)] == [3, 7, 11]
    assert [w[0] for w in sink] == [1.0, 3.0]


def test_without_a_judge_nothing_is_written():
    progress.begin(None)
    report_progress(1, 2, "epoch")  # in-process (the project's tests, pytest_dlx): a no-op
    ProgressReporter("epoch")(1, 2)


# ---------------------------------------------------------------- the screen line


@pytest.mark.parametrize("width", [40, 60, 80, 100])
def test_the_progress_line_fits_the_terminal(width):
    record = _progress()
    line = progress_text(record, width).plain
    assert len(line) <= width and line.startswith("training: epoch 3/20")  # 2.5 epochs done: the third under way
    block = progress_block(record, width).plain.splitlines()
    assert all(len(row) <= width for row in block) and "trains to 84%" in block[0]
    if width >= 80:
        assert "loss 0.410" in line and "accuracy 0.81" in line and "~40 s left" in line


def test_the_plain_line_and_the_time_left():
    assert plain_progress_line("keras_mlp", _progress()) == \
        "keras_mlp: training: epoch 3/20 · loss 0.410 · accuracy 0.81 · ~40 s left"
    assert [time_left(s) for s in (None, 0.2, 4.4, 42, 150)] == ["", "", "~4 s left", "~40 s left",
                                                                 "~2 min left"]
    assert "\x1b" not in progress_text(_progress(label="epoch", figures={"loss": 1.0})).plain
    long = _progress(title="each optimizer reaches ≥ 95% test accuracy on the circle data [sgd_momentum]")
    assert progress_block(long, 60).plain.splitlines()[0] == "  each optimizer reaches ≥ 95% test… [sgd_momentum]"


def test_once_every_epoch_is_done_the_line_says_the_check_goes_on():
    """The last epoch's line stays until the verdict: it must not read as a run about to end in "~0 s"."""
    done = _progress(step=20, remaining=0.0)
    assert plain_progress_line("keras_mlp", done) == \
        "keras_mlp: trained: epoch 20/20 · loss 0.410 · accuracy 0.81 · checking the result…"
    assert progress_text(_progress(step=19.5, remaining=0.6)).plain.startswith("training: epoch 20/20")


# ---------------------------------------------------------------- through the engine

# Generous timeouts: these tests are about what is shown, and the machine running them may be loaded.


def test_a_training_check_streams_progress_and_keeps_its_verdict():
    exercise = CATALOG.get("train_logreg")
    args = (exercise.name, SOLUTIONS / exercise.file, CHECKS_DIR / exercise.check_path, 120.0)
    seen = []
    shown = run_exercise(*args, on_progress=seen.append)
    plain = run_exercise(*args)
    assert shown.status == plain.status == R.Status.PASSED
    assert [(c.name, c.passed, c.figures) for c in shown.checks] == [(c.name, c.passed, c.figures) for c in plain.checks]
    assert len(seen) >= 7 and all(isinstance(r, Progress) for r in seen)
    by_check = {}
    for record in seen:
        by_check.setdefault(record.name, []).append(record.step)
    assert len(by_check) == 7  # the loss check and one per optimizer
    for name, steps in by_check.items():
        assert steps == sorted(steps) and steps[-1] == 200, (name, steps)
    assert all(r.label == "iteration" and r.total == 200 for r in seen)


HOSTILE_CHECK = '''
from checker.testing import ProgressReporter


def test_trains(ex):
    """the learner's loop reports through a reporter it is handed"""
    assert ex.train(ProgressReporter("epoch")) == 42
'''

HOSTILE_LEARNER = '''
import time


def train(report):
    started = time.time()
    n = 0
    while time.time() - started < 1.5:
        report(n % 10, 10, loss=float("nan"), accuracy=1e308 * 10, **{"x\\x1b[2J": 1.0, "a": "text", "b": [1, 2]})
        report("\\x1b[2J", 10**12)
        report(5, True)
        report(3, 10, **{f"f{i}": i for i in range(50)})
        n += 1
    report(10, 10, loss=0.5)
    return 42
'''


def test_a_sandbox_flooding_progress_changes_neither_the_screen_nor_the_verdict(tmp_path):
    check, target = tmp_path / "test_flood.py", tmp_path / "flood.py"
    check.write_text(HOSTILE_CHECK)
    target.write_text(HOSTILE_LEARNER)
    seen = []
    started = time.perf_counter()
    verdict = run_exercise("flood", target, check, 60.0, on_progress=seen.append)
    seconds = time.perf_counter() - started
    assert verdict.status == R.Status.PASSED, verdict.message
    assert 2 <= len(seen) <= 4 * seconds + 2  # thousands of calls, a few records
    for record in seen:
        assert 0 <= record.step <= record.total == 10 and record.label == "epoch"
        assert all(re.fullmatch(r"[A-Za-z_]\w*", name) and math.isfinite(v) for name, v in record.figures.items())
    assert seen[-1].step == 10 and seen[-1].figures == {"loss": 0.5}


# ---------------------------------------------------------------- the watch screen, without a terminal


def test_the_watch_screen_shows_the_progress_of_the_run_and_of_a_check_all(workspace):
    import io

    from rich.console import Console

    from checker.course.course import Course
    from checker.watch.app import ALL_RUNS, WatchApp

    output = io.StringIO()
    app = WatchApp(Course.open(workspace), console=Console(file=output, width=60, height=40, no_color=True))
    exercise = CATALOG.get("keras_mlp")
    app.current = exercise
    app.running = (7, exercise, None)
    app._on_progress(6, _progress(step=1.0))  # a superseded run's: ignored
    assert app.run_progress is None
    app._on_progress(7, _progress())
    screen = output.getvalue()
    assert "  trains to 84%\n  training: epoch 3/20 · loss 0.410 · ~40 s left\n" in screen  # accuracy: no room
    app.running = None
    app.checking_all = True
    app._progress_drawn = 0.0
    app._on_progress(ALL_RUNS, ("mlp_numpy", _progress(step=4.0, figures={"loss": 0.5}, remaining=None)))
    screen = output.getvalue()
    assert "  mlp_numpy\n    trains to 84%\n    training: epoch 4/20 ━━╌╌╌╌╌╌╌╌╌╌ · loss 0.500" in screen
    assert all(len(line) <= 60 for line in screen.splitlines() if "training:" in line or "trains to" in line)


def test_outside_a_terminal_a_plain_line_at_most_every_ten_seconds():
    import io

    from rich.console import Console

    from checker.ui.training import PLAIN_INTERVAL, LiveProgress

    output = io.StringIO()
    shown = LiveProgress(Console(file=output, width=100, no_color=True))
    assert not shown.live and PLAIN_INTERVAL >= 5
    with shown:
        shown.show("keras_mlp", _progress())
        assert output.getvalue() == ""  # a short run prints nothing extra
        shown._last_plain -= PLAIN_INTERVAL
        for _ in range(50):
            shown.show("keras_mlp", _progress())
    assert output.getvalue() == "keras_mlp: training: epoch 3/20 · loss 0.410 · accuracy 0.81 · ~40 s left\n"
