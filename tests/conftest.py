import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.course import workspace as ws  # noqa: E402


@pytest.fixture
def workspace(tmp_path):
    """A fresh learner workspace made the way `dlx init` makes one."""
    return ws.init(tmp_path / "course")


@pytest.fixture(autouse=True)
def _no_inherited_workspace(monkeypatch):
    monkeypatch.delenv("DLX_WORKSPACE", raising=False)
    monkeypatch.delenv("DLX_EVENT_LOG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def reaper():
    """This test process adopts and kills what a check leaves behind, as the `dlx` command does."""
    from checker.engine import reaper as engine_reaper

    installed = engine_reaper.install()
    yield installed
    engine_reaper.kill_leftovers()
    engine_reaper.uninstall()


def signal_state(pid: int) -> str:
    """How each thread of `pid` treats SIGINT (bit 2 of the /proc masks): for a Ctrl-C test's failure message."""
    lines = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*")):
        try:
            fields = dict(line.split(":\t", 1) for line in (task / "status").read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        masks = {name: int(fields.get(name, "0"), 16) >> 1 & 1 for name in ("SigBlk", "SigIgn", "SigCgt")}
        lines.append(f"thread {task.name} ({fields.get('Name', '?')}, {fields.get('State', '?')}): SIGINT "
                     + " ".join(f"{name}={bit}" for name, bit in masks.items()))
    return "\n".join(lines) or f"process {pid} is gone"


@pytest.fixture(autouse=True)
def _sigint_left_as_found():
    """No test may leave this test process ignoring or blocking SIGINT: every process it starts later inherits that."""
    import signal

    before = (signal.getsignal(signal.SIGINT), signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))
    yield
    after = (signal.getsignal(signal.SIGINT), signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))
    if after != before:
        signal.signal(signal.SIGINT, before[0])
        signal.pthread_sigmask(signal.SIG_UNBLOCK if not before[1] else signal.SIG_BLOCK, {signal.SIGINT})
        pytest.fail(f"this test left SIGINT changed in the test process: (handler, blocked) {before} -> {after}")


def as_a_shell_starts_it() -> None:
    """preexec_fn for a dlx started by a test that then presses Ctrl-C: SIGINT handled by default and not
    blocked, as a shell starts a program, whatever the test process inherited or earlier tests left."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
