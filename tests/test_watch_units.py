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
