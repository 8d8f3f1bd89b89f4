"""`dlx watch` shows a training check's progress while it runs, and a flood of it neither floods the screen nor
changes the verdict (in a real pseudo-terminal, with the watch's event log)."""

import re

import pytest

from tests.helpers import CATALOG, SOLUTIONS

pexpect = pytest.importorskip("pexpect", reason="watch tests need a POSIX pseudo-terminal")
from tests.test_watch import watch  # noqa: E402,F401 - the fixture

pytestmark = pytest.mark.slow

TRAIN = CATALOG.get("train_logreg")
# train_logistic_regression that first floods the progress it can reach: the optimizer step of the long checks
# (wrapped to count iterations) called thousands of times on copies, which changes nothing it returns.
FLOOD = '''
import time as _time


def _flood(step, w, n_iter):
    if n_iter != 200:
        return
    started = _time.time()
    while _time.time() - started < 2.0:
        step(w.copy(), w.copy(), None)


_solution = train_logistic_regression


def train_logistic_regression(X, y, step, config, n_iter, batch_size, rng):
    _flood(step, np.zeros(X.shape[1]), n_iter)
    return _solution(X, y, step, config, n_iter, batch_size, rng)
'''


def _start_on_training(workspace, source: str) -> None:
    from checker.course import progress as state

    (workspace.exercises_dir / TRAIN.file).write_text(source, encoding="utf-8")
    # A generous timeout: this is about the screen, and the machine running the tests may be loaded.
    info = workspace.exercises_dir / "info.toml"
    text = info.read_text(encoding="utf-8")
    at = text.index(f'name = "{TRAIN.name}"')
    end = text.index("[[exercises]]", at)
    info.write_text(text[:end].rstrip() + "\ntimeout = 120\n\n" + text[end:], encoding="utf-8")
    state.update(workspace.state_dir, lambda p: (setattr(p, "current", TRAIN.name), setattr(p, "welcomed", True)))


def test_a_training_check_shows_its_progress_under_its_title(workspace, watch):
    _start_on_training(workspace, (SOLUTIONS / TRAIN.file).read_text())
    session = watch()
    seen = session.wait_for(lambda e: e["event"] == "progress" and e["exercise"] == TRAIN.name, timeout=90)
    assert seen["label"] == "iteration" and seen["total"] == 200 and 0 <= seen["step"] <= 200
    session.wait_for(lambda e: e["event"] == "redraw", since=session.events().index(seen) + 1)
    session.wait_for(lambda e: e["event"] == "verdict" and e["exercise"] == TRAIN.name, timeout=120)
    session.pump()
    lines = [line for line in session.screen.splitlines() if "training: iteration" in line]
    assert lines and all(re.search(r"training: iteration \d+/200", line) for line in lines)
    assert all(len(line.rstrip()) <= 100 for line in lines)
    assert "each optimizer reaches" in session.screen or "the minibatch loss goes down" in session.screen
    verdict = [e for e in session.events() if e["event"] == "verdict"][-1]
    assert verdict["status"] == "passed"
    assert session.quit() == 0


def test_a_flood_of_progress_neither_floods_the_screen_nor_changes_the_verdict(workspace, watch):
    _start_on_training(workspace, (SOLUTIONS / TRAIN.file).read_text() + FLOOD)
    session = watch()
    session.wait_for(lambda e: e["event"] == "verdict" and e["exercise"] == TRAIN.name, timeout=150)
    events = session.events()
    start = next(e for e in events if e["event"] == "run_start")
    verdict = next(e for e in events if e["event"] == "verdict")
    seconds = verdict["t"] - start["t"]
    shown = [e for e in events if e["event"] == "progress"]
    redraws = [e for e in events if e["event"] == "redraw" and start["t"] <= e["t"] <= verdict["t"]]
    assert verdict["status"] == "passed"
    assert shown and len(shown) <= 4 * seconds + 10  # thousands of steps in the flood, a few records
    assert len(redraws) <= 3.5 * seconds + 5  # a tick a second, progress at most twice a second
    assert session.quit() == 0
