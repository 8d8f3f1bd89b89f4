"""Pieces of watch mode that need no terminal: noise filter, watcher fallback."""

import errno
import time

import pytest
import watchdog.observers

from checker.watch.observer import is_editor_noise, start_observer


@pytest.mark.parametrize(
    "name",
    [".01_mse.py.swp", ".01_mse.py.swx", "01_mse.py~", "4913", "01_mse.py___jb_tmp___", "01_mse.py___jb_old___",
     "#01_mse.py#", ".#01_mse.py", "01_mse.py.tmp", "__pycache__/01_mse.cpython-311.pyc"],
)
def test_editor_temp_files_are_noise(name):
    assert is_editor_noise(f"/ws/exercises/week1/{name}")


def test_real_exercise_files_are_not_noise():
    assert not is_editor_noise("/ws/exercises/week1/01_mse.py")


class _NoInotify(watchdog.observers.Observer):
    def start(self):
        raise OSError(errno.ENOSPC, "inotify watch limit reached")


def test_falls_back_to_polling_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(watchdog.observers, "Observer", _NoInotify)
    seen = []
    observer, notice = start_observer(tmp_path, seen.append, force_poll=False)
    try:
        assert "inotify watch limit reached" in notice and "polling" in notice
        (tmp_path / "01_mse.py").write_text("x = 1\n")
        deadline = time.time() + 5
        while not seen and time.time() < deadline:
            time.sleep(0.05)
        assert any(path.endswith("01_mse.py") for path in seen)
    finally:
        observer.stop()
        observer.join(2)


# --------------------------------------------------------------------------- keys, spares, the lock, screens that fit

from checker.course.course import Course  # noqa: E402
from checker.course.progress import Progress  # noqa: E402
from checker.watch.keys import decode_keys  # noqa: E402
from checker.watch.lock import WatchLock, WatchRunning  # noqa: E402
from tests.helpers import CATALOG  # noqa: E402


def test_arrow_keys_enter_and_escape_are_named():
    assert decode_keys("\x1b[Aj\r\x1b[B\n/\x7f\x1b[1;5Cq\x1b") == ["up", "j", "enter", "down", "enter", "/", "backspace", "q", "escape"]


def test_the_tensorflow_spare_is_warmed_before_it_is_needed(workspace):
    from checker.watch.spare import Spare

    course = Course.open(workspace)
    spare = Spare(course)
    exercises = CATALOG.exercises
    first_tf = next(i for i, e in enumerate(exercises) if e.tensorflow)
    numpy_only = ()
    tensorflow = course.preload_for(exercises[first_tf])
    assert spare.kinds_for(exercises[0]) == [numpy_only]  # week 1, TensorFlow far away: nothing extra
    assert tensorflow in spare.kinds_for(exercises[first_tf - 1])  # the next one needs it
    assert tensorflow in spare.kinds_for(exercises[first_tf - 2])  # the one after
    week2 = next(e for e in exercises if e.week == 2)
    assert tensorflow in spare.kinds_for(week2)  # week 2 has started
    assert spare.kinds_for(exercises[first_tf])[0] == tensorflow


def test_a_second_watch_is_refused_with_the_first_ones_pid(tmp_path):
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from checker.watch.lock import WatchLock; "
         f"lock = WatchLock({str(tmp_path)!r}); lock.acquire(); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WatchRunning) as refused:
            WatchLock(tmp_path).acquire()
        assert refused.value.pid == holder.pid
        mine = WatchLock(tmp_path)
        mine.acquire(take_over=True)  # the holder is sent SIGTERM (it dies: it has no handler), the lock is ours
        assert holder.wait(10) != 0
        mine.release()
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_is_free_again_after_release(tmp_path):
    first = WatchLock(tmp_path)
    first.acquire()
    first.release()
    second = WatchLock(tmp_path)
    second.acquire()
    second.release()


@pytest.mark.parametrize("width", [60, 80, 100, 200])
@pytest.mark.parametrize("height", [12, 24, 40])
def test_the_list_fits_the_screen_and_shows_the_selected_one(width, height):
    from rich.console import Console

    from checker.ui import tables

    exercises = CATALOG.exercises
    rows = height - 8
    for selected in (0, len(exercises) // 2, len(exercises) - 1):
        text = tables.exercise_lines(exercises, Progress(), exercises[selected].name, selected, rows, width)
        console = Console(width=width, record=True, no_color=True)
        console.print(text)
        lines = console.export_text().splitlines()
        assert len(lines) <= rows + 1
        assert max(len(line) for line in lines) <= width
        assert any(line.startswith("▶") and f" {exercises[selected].name} " in line for line in lines)


def test_no_mid_word_cuts():
    from checker.ui.console import cut
    from checker.ui.screens import keys_line

    assert cut("Gradients with tf.GradientTape, and a custom training step", 30) == "Gradients with…"
    for width in (40, 60, 80):
        for line in keys_line(True, width, solution=True).plain.splitlines():
            assert len(line) <= width
            assert line.startswith("[")  # every line starts with a key: no `[c] check` / `all` split


def test_breakpoint_and_input_are_explained_in_a_learners_words():
    from checker.ui.verdicts import debugging_note

    mse = CATALOG.get("mse")
    assert "breakpoint()" in debugging_note(mse, 'File "x.py", line 9\nBdbQuit:') and "dlx debug mse" in debugging_note(mse, "BdbQuit:")
    assert "input()" in debugging_note(mse, "EOFError: EOF when reading a line")
    assert debugging_note(mse, "ValueError: shapes (3,2) and (3,) not aligned") == ""


@pytest.mark.parametrize("width", [60, 80, 100, 200])
def test_the_check_all_summary_fits_the_screen(width):
    from rich.console import Console

    from checker.engine.records import Status
    from checker.engine.verdict import Verdict
    from checker.ui import tables

    statuses = [Status.PASSED, Status.NOT_STARTED, Status.FAILED]
    rows = [(e, Verdict(e.name, statuses[i % 3], message="x is not right: " + "expected 2, got 6 " * 5))
            for i, e in enumerate(CATALOG.exercises)]
    console = Console(width=width, record=True, no_color=True)
    console.print(tables.results_fit(rows, 12, width))
    lines = console.export_text().splitlines()
    assert len(lines) <= 12 and max(len(line) for line in lines) <= width
    assert lines[0].startswith(f"All exercises: {len(CATALOG.exercises[::3])}/{len(rows)} pass")
