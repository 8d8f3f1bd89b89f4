"""Progress is written atomically and survives a broken state file or a full disk."""

import errno
import json
import os

import pytest

from checker.course import progress as state


def test_round_trip(tmp_path):
    progress = state.Progress(current="adam", done={"mse", "sigmoid"}, hints_seen={"mse": 2})
    progress.record("adam", "failed")
    state.save(tmp_path, progress)
    again = state.load(tmp_path)
    assert again.current == "adam" and again.done == {"mse", "sigmoid"}
    assert again.hints_seen == {"mse": 2} and again.last_status == {"adam": "failed"}
    assert not again.recovered


@pytest.mark.parametrize("garbage", ["", "{", "\x00\x01binary", "[1, 2, 3]", '{"version": 99}', '{"version": 1, "hints_seen": 5}'])
def test_corrupt_state_is_rebuilt_not_a_crash(tmp_path, garbage):
    (tmp_path / state.STATE_FILE).write_text(garbage)
    progress = state.load(tmp_path)
    assert progress.done == set() and progress.recovered
    state.save(tmp_path, progress)  # and the next save repairs the file
    assert json.loads((tmp_path / state.STATE_FILE).read_text())["version"] == state.VERSION


def test_missing_state_is_a_fresh_start(tmp_path):
    progress = state.load(tmp_path / "nowhere")
    assert progress.done == set() and not progress.recovered


def test_disk_full_keeps_the_old_state(tmp_path, monkeypatch):
    state.save(tmp_path, state.Progress(done={"mse"}))
    before = (tmp_path / state.STATE_FILE).read_bytes()

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError):
        state.save(tmp_path, state.Progress(done={"mse", "adam"}))
    assert (tmp_path / state.STATE_FILE).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_pass_marks_done_and_a_later_failure_undoes_it():
    progress = state.Progress()
    progress.record("mse", "passed")
    assert "mse" in progress.done
    progress.record("mse", "cancelled")
    assert "mse" in progress.done
    progress.record("mse", "failed")
    assert "mse" not in progress.done


def test_update_keeps_another_processs_changes(tmp_path):
    state.update(tmp_path, lambda p: p.done.add("mse"))
    state.update(tmp_path, lambda p: p.hints_seen.update(adam=1))
    progress = state.load(tmp_path)
    assert progress.done == {"mse"} and progress.hints_seen == {"adam": 1}


def test_hints_never_exceed_the_available_count():
    progress = state.Progress()
    assert [progress.next_hint("mse", 2) for _ in range(4)] == [1, 2, 2, 2]
