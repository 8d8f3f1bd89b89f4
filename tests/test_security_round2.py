"""White-box attacks on the check engine, second round: each test asserts the SAFE outcome.

The attacker is an ordinary learner who has read dlx's source (not the reference
solutions).  Their exercise file runs in the sandbox; everything there is theirs
(threads, child processes, the numpy of that process, the objects they return).
Each test runs a learner file through the real engine and asserts what must
happen: no pass for wrong code, the memory limit held, nothing left running.
Every wait is bounded and every process the learner's code starts is killed by
the test itself, even when its assertion fails.  See tests/test_security.py for
the first round (kept there).
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
from tests.test_security import IM2COL_IN_A_THREAD, WRONG

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the attacks use Linux fork and /proc"),
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


def _speed_check(verdict):
    speed = [c for c in verdict.checks if c.name == "test_conv_fast_is_at_least_20x_faster_than_loops"]
    assert speed, (verdict.status, verdict.message[:300])
    return speed[0]


# --------------------------------------------------------------------------- R2-1. work in a child process

# The loops of IM2COL_IN_A_THREAD (correct values, as slow as a loop convolution can be)...
_LOOPS = IM2COL_IN_A_THREAD.split("def conv2d_forward_fast")[0]

# ...run by a worker process forked on the first call.  learner_cpu_time() is the CPU clock of the sandbox
# PROCESS (all its threads), which never counts a child's time: the sandbox only pickles the arguments and
# waits on a pipe, so "20x faster than loops" holds for loops.
IM2COL_IN_A_CHILD = _LOOPS + r'''
import os, pickle, struct
_PIPES = {}

def _serve(rfd, wfd):
    r, w = os.fdopen(rfd, "rb"), os.fdopen(wfd, "wb")
    while True:
        head = r.read(8)
        if len(head) < 8:
            os._exit(0)  # the sandbox is gone: so is its worker
        args = pickle.loads(r.read(struct.unpack("<Q", head)[0]))
        out = pickle.dumps(_loops(*args))
        w.write(struct.pack("<Q", len(out)) + out)
        w.flush()

def _start():
    a_r, a_w = os.pipe()
    b_r, b_w = os.pipe()
    if os.fork() == 0:
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


def test_r2_1_loops_in_a_child_process_do_not_pass_the_speed_check(tmp_path):
    """Attack: conv2d_forward_fast hands the loop convolution to a forked worker and waits on a pipe.  The
    speed check's clock (the sandbox process's CPU time) never counts a child's CPU: loops pass as 20x faster."""
    verdict = run_source("im2col", IM2COL_IN_A_CHILD, tmp_path)
    assert not _speed_check(verdict).passed, "a loop convolution run in a child process passed the 20x speed check"
    assert verdict.status != V.PASSED


# --------------------------------------------------------------------------- R2-2. the reference runs learner-side

# The speed check's yardstick, the loop convolution `_naive_conv`, runs in the learner's process
# (on_learner_side) and is timed by that process's CPU clock, which counts every thread.  A learner thread
# watches the main thread's stack and, while `_naive_conv` is on it, burns CPU in long C calls (sum over a
# range keeps the GIL): the reference looks several times slower than it is, and a Python loop over the
# images (the mistake the check names) "beats" it by 20x.
IM2COL_SLOWER_REFERENCE = _LOOPS + r'''
import sys, threading, time
_MAIN = threading.main_thread().ident

def _in_reference():
    frame = sys._current_frames().get(_MAIN)
    while frame is not None:
        if frame.f_code.co_name == "_naive_conv":
            return True
        frame = frame.f_back
    return False

def _slow_down_the_reference():
    while True:
        if _in_reference():
            spent = time.thread_time()
            while _in_reference() and time.thread_time() - spent < 0.4:
                sum(range(2_000_000))  # one C call: it keeps the GIL, and the process's CPU clock runs on
            while _in_reference():
                time.sleep(0.001)
        else:
            time.sleep(0.0005)

threading.Thread(target=_slow_down_the_reference, daemon=True).start()

def conv2d_forward_fast(x, w, b, stride, pad):
    # A Python loop over the images (the mistake the speed check names), one matrix product per image.
    from numpy.lib.stride_tricks import sliding_window_view
    KH, KW, C, CO = w.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    out = []
    for image in xp:
        windows = sliding_window_view(image, (KH, KW), axis=(0, 1))[::stride, ::stride]  # (Ho, Wo, C, KH, KW)
        out.append(np.einsum("ijckl,klcm->ijm", windows, w) + b)
    return np.array(out)
'''


def test_r2_2_the_learner_cannot_slow_down_the_speed_checks_yardstick(tmp_path):
    """Attack: a learner thread burns CPU (holding the GIL) whenever the check's loop convolution runs in the
    sandbox.  The yardstick is timed where the learner's code runs, so a loop over images passes the 20x check."""
    verdict = run_source("im2col", IM2COL_SLOWER_REFERENCE, tmp_path)
    assert not _speed_check(verdict).passed, "a loop over the images passed the 20x speed check against a slowed reference"
    assert verdict.status != V.PASSED


# --------------------------------------------------------------------------- R2-3. memory outside the tree

# The supervisor holds the learner's processes to the memory limit together by summing the resident memory
# of the sandbox's process TREE (reaper.tree_resident_mb).  A double fork takes a process out of that tree:
# its parent exits, so it is re-parented to dlx (the subreaper), no longer below the sandbox.  Three such
# grandchildren of 800 MB each hold 2.4 GB, over the 2048 MiB limit, and are never counted.
ESCAPED_MEMORY = r'''
import os, time
import numpy as np
for k in range(3):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:  # the grandchild: its parent exits at once, it leaves the sandbox's tree
            try:
                block = bytearray(800 << 20)  # zero-filled: resident
                open(f"{REPORT}.{k}", "w").write(str(os.getpid()))
                time.sleep(8)
            finally:
                os._exit(0)
        os._exit(0)
    os.wait()
deadline = time.time() + 8
while time.time() < deadline and sum(os.path.exists(f"{REPORT}.{k}") for k in range(3)) < 3:
    time.sleep(0.05)
time.sleep(1.0)  # ten looks of the memory watcher
'''


def test_r2_3_processes_that_leave_the_tree_still_count_against_the_memory_limit(tmp_path):
    """Attack: double-fork three grandchildren of 800 MB each (they are re-parented out of the sandbox's tree).
    The watcher sums only the tree below the sandbox, so 2.4 GB go unseen under a 2048 MiB limit."""
    report = tmp_path / "rss"
    try:
        verdict = run_source("mse", f"REPORT = {str(report)!r}\n" + ESCAPED_MEMORY + WRONG, tmp_path)
    finally:
        for k in range(3):
            path = Path(f"{report}.{k}")
            if path.exists():
                _kill(int(path.read_text() or 0) or -1)
    # dlx adopts a process that leaves the check's tree and kills it within a tenth of a second, while the run
    # goes on: the grandchildren hold their memory for no longer than that (or never get to), and none survives.
    assert verdict.status != V.PASSED, verdict.status
    for k in range(3):
        path = Path(f"{report}.{k}")
        if path.exists() and path.read_text().strip():
            assert not pid_alive(int(path.read_text())), "an escaped grandchild outlived the run"


# --------------------------------------------------------------------------- R2-4. the learner answers `==`

# test_adam checks config['t'] with assert_true(t == k + 1): `t` came from the learner's config, and an int
# subclass crosses as a proxy, so `==` is a request the learner's __eq__ answers.  This adam keeps t one step
# behind in config (0 after the first step) and passes every check.  (Any check that compares a learner value
# with `==`, `in`, `bool()` or `len()` before converting it to a plain value is open the same way.)
ADAM_T_BEHIND = r'''
import numpy as np

DEFAULTS = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}

class _Count(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__

def adam(w, dw, config=None):
    config = {} if config is None else config
    for key, value in DEFAULTS.items():
        config.setdefault(key, value)
    t = int(config.get("t", -1)) + 2  # config["t"] is kept one step behind: wrong
    m = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    v = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw**2
    m_hat, v_hat = m / (1 - config["beta1"] ** t), v / (1 - config["beta2"] ** t)
    config["m"], config["v"], config["t"] = m, v, _Count(t - 1)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config
'''


def test_r2_4_a_learner_value_cannot_answer_a_checks_comparison(tmp_path):
    """Attack: store config['t'] = 0 after the first step (wrong) as an int subclass whose __eq__ says True.
    The check's `assert_true(config['t'] == 1)` is answered by the learner's __eq__ across the channel."""
    verdict = run_source("adam", ADAM_T_BEHIND, tmp_path)
    state = [c for c in verdict.checks if c.name == "test_state_after_the_first_step"]
    assert state and not state[0].passed, "config['t'] == 0 after one step passed as t == 1"
    assert verdict.status != V.PASSED


# --------------------------------------------------------------------------- R2-5. np.linalg.inv, out of sight

# test_solves_does_not_invert counts inv/pinv calls by swapping the functions in numpy.linalg and in the
# learner module's globals, in the learner's process.  A reference kept anywhere else -- a default argument,
# a tuple, a closure, an attribute -- is never swapped: inverting passed as solving.  Fixed by behaviour: on
# nearly singular systems with exact A and b the check measures the residual, which an inverse leaves huge.
NORMAL_EQUATION_WITH_INV = r'''
import numpy as np

def fit_linear_regression(X, y, l2=0.0, _tools=(np.linalg.inv,)):
    A = X.T @ X + l2 * np.eye(X.shape[1])
    return _tools[0](A) @ (X.T @ y)
'''


def test_r2_5_an_inverse_kept_in_a_default_argument_is_noticed(tmp_path):
    """Attack: call np.linalg.inv through a tuple held in a default argument.  The spy only replaces inv in
    numpy.linalg and in the module's globals, so the 'solve, do not invert' check passes an inverse."""
    verdict = run_source("normal_equation", NORMAL_EQUATION_WITH_INV, tmp_path)
    solve = [c for c in verdict.checks if c.name == "test_solves_does_not_invert"]
    assert solve and not solve[0].passed, "np.linalg.inv passed the 'solve, do not invert' check"
    assert verdict.status != V.PASSED


# --------------------------------------------------------------------------- R2-6. predictions are the learner's

# keras_mlp grades the test accuracy "reckoned here", but from model.predict(x_test): outputs computed by the
# learner's object, in the learner's process, where the shipped test set can be read (checker.datasets is
# importable there, and data/ is the learner's).  A real Sequential MLP (it passes every contract check) that
# never trains and answers predict by looking each image up in the shipped test labels scored 100%.  Fixed:
# the checks score a copy rebuilt in the judge from to_json() and the weights (a class of the learner's own,
# like this Sequential subclass, fails saying it cannot be scored; a predict replaced on the instance is
# simply not called).
KERAS_MLP_LOOKUP = r'''
import numpy as np
import keras

class Memorised(keras.Sequential):
    def fit(self, *args, **kwargs):
        return None  # no training at all

    def predict(self, x, *args, **kwargs):
        from checker.datasets import FASHION_MNIST_SUBSET, data_dir, load_fashion_mnist

        _, (x_test, y_test) = load_fashion_mnist(data_dir() / FASHION_MNIST_SUBSET)
        answers = {image.tobytes(): label for image, label in zip(x_test, y_test)}
        x = np.asarray(x, dtype=np.float32)
        return np.eye(10, dtype=np.float32)[[answers.get(image.tobytes(), 0) for image in x]]

def build_mlp(input_shape, n_classes):
    model = Memorised([keras.Input(shape=input_shape), keras.layers.Flatten(),
                       keras.layers.Dense(32, activation="relu"), keras.layers.Dense(n_classes)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model
'''


@pytest.mark.slow
def test_r2_6_an_untrained_model_that_looks_up_the_test_labels_does_not_pass(tmp_path):
    """Attack: a Sequential subclass whose fit does nothing and whose predict looks each test image up in the
    shipped test set.  The accuracy is computed in the judge, but from outputs the learner's object made."""
    verdict = run_source("keras_mlp", KERAS_MLP_LOOKUP, tmp_path)
    accuracy = [c for c in verdict.checks if c.name == "test_reaches_84_percent_on_fashion_mnist"]
    assert accuracy and not accuracy[0].passed, "a model that never trained passed the 84% accuracy check"
    assert verdict.status != V.PASSED


# --------------------------------------------------------------------------- R2-7. code planted for the next judge

# The judge runs `python -I -B -m checker.judge`: -I drops the user's site folder and PYTHON* variables, but
# the environment's own site-packages is still processed at start-up, .pth files included, and the learner's
# code (same user) may write there.  One run plants a .pth whose code runs in every later JUDGE (it alone has
# DLX_REPORT_FD) and makes assert_close accept anything: the next run of a wrong mse passes.
PLANT_FOR_THE_NEXT_JUDGE = r'''
import os
import numpy as np
_site = os.path.dirname(os.path.dirname(np.__file__))
with open(os.path.join(_site, PTH), "w") as handle:
    handle.write(
        "import os; exec(\"if os.environ.get('DLX_REPORT_FD'):\\n"
        " import checker.testing as t, checker.testing.asserts as a, checker.testing.gradients as g\\n"
        " t.assert_close = a.assert_close = g.assert_close = lambda *args, **kwargs: None\")\n"
    )
''' + WRONG


def test_r2_7_learner_code_cannot_plant_code_that_a_later_judge_runs(tmp_path):
    """Attack: at import, write a .pth file into the environment's site-packages; every later judge executes
    it at start-up (before any check), and it disables assert_close there.  The next wrong mse passes."""
    import numpy

    pth = f"zz_dlx_round2_{os.getpid()}.pth"
    planted = Path(numpy.__file__).resolve().parent.parent / pth
    try:
        first = run_source("mse", f"PTH = {pth!r}\n" + PLANT_FOR_THE_NEXT_JUDGE, tmp_path)
        assert first.status == V.FAILED, (first.status, first.message[:300])
        later = run_source("mse", "import numpy as np\n" + WRONG, tmp_path)
    finally:
        planted.unlink(missing_ok=True)
    assert later.status == V.FAILED, (
        f"a wrong mse {later.status.value} after learner code planted {pth}: the judge ran it at start-up")


# --------------------------------------------------------------------------- R2-8. straight to the terminal

# Every learner string dlx draws goes through ui.console.sanitize, and the judge gets a new session (no
# controlling terminal).  But the learner's code need not go through dlx: /proc/<dlx>/stat (readable even for a
# non-dumpable process) names dlx's controlling terminal, and /dev/pts/N belongs to the same user, so the
# sandbox opens it and writes escape sequences (a window title, a green "All 8 checks passed") on the screen.
WRITE_TO_THE_TERMINAL = r'''
import os
import numpy as np

def _stat(pid):
    stat = open(f"/proc/{pid}/stat").read()
    return stat[stat.rfind(")") + 2:].split()

_dlx = int(_stat(os.getppid())[1])  # the judge's parent
_tty = int(_stat(_dlx)[4])  # dlx's controlling terminal
_fd = os.open(f"/dev/pts/{os.minor(_tty) + 256 * (os.major(_tty) - 136)}", os.O_WRONLY | os.O_NOCTTY)
os.write(_fd, b"\x1b]0;owned\x07\x1b[32mAll 8 checks passed\x1b[0m\n")
os.close(_fd)
''' + WRONG


@pytest.mark.xfail(strict=True, reason='cannot be prevented by a runner of the same user: the terminal device belongs to the learner')
def test_r2_8_learner_code_cannot_write_escape_sequences_to_dlx_terminal(tmp_path):
    """Attack: find dlx's terminal from /proc/<dlx>/stat (tty_nr) and write escape sequences to /dev/pts/N
    directly.  Nothing dlx sanitizes is involved: the fake verdict and title change reach the screen."""
    import pty
    import select

    pid, master = pty.fork()  # the child plays dlx, with this pseudo-terminal as its controlling terminal
    if pid == 0:
        try:
            verdict = run_source("mse", WRITE_TO_THE_TERMINAL, tmp_path)
            os.write(1, f"verdict: {verdict.status.value}\n".encode())
        finally:
            os._exit(0)
    screen = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            readable, _, _ = select.select([master], [], [], 0.2)
            if readable:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child is gone and the terminal closed
                    break
                if not chunk:
                    break
                screen += chunk
            elif os.waitpid(pid, os.WNOHANG)[0]:
                pid = 0
                break
    finally:
        if pid:
            _kill(pid)
        os.close(master)
    assert b"verdict: failed" in screen, screen[-300:]
    assert b"\x1b" not in screen, f"learner code wrote escape sequences to dlx's terminal: {screen[:120]!r}"


# --------------------------------------------------------------------------- R2-9. another run's judge, hijacked

# `dlx verify` and "check all" run several exercises at once (check_many, `jobs` processes).  A judge is
# dumpable from its exec until main() calls make_undumpable(): tens of milliseconds in which any process of the
# same user may open its pipes through /proc/<judge>/fd (a pipe opened there gives a new end of the same pipe).
# Learner code of one exercise watches for the next judge dlx starts, opens its stdin (the job, with the run's
# token), its ready pipe and its report pipe, stops it, says "ready" in its name, reads the token from the
# job, writes a complete passing report and kills it: the other exercise passes with wrong code.
HIJACK_THE_NEXT_JUDGE = r'''
import json, os, signal, threading, time
import numpy as np

def _stat(pid):
    stat = open(f"/proc/{pid}/stat").read()
    return stat[stat.rfind(")") + 2:].split()

def _hijack(pid, log):
    os.kill(pid, signal.SIGSTOP)  # first freeze it, inside its dumpable instant if we are in time
    try:
        env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        fds = {e.split(b"=")[0].decode(): int(e.split(b"=")[1]) for e in env
               if e.startswith((b"DLX_READY_FD=", b"DLX_REPORT_FD="))}
        job = os.open(f"/proc/{pid}/fd/0", os.O_RDWR)  # its stdin pipe, both ends
        ready = os.open(f"/proc/{pid}/fd/{fds['DLX_READY_FD']}", os.O_WRONLY)
        report = os.open(f"/proc/{pid}/fd/{fds['DLX_REPORT_FD']}", os.O_WRONLY)
    except (OSError, KeyError, ValueError):
        os.kill(pid, signal.SIGCONT)  # too late (already non-dumpable): let it be
        raise
    os.write(ready, b"R%d\n" % pid)  # dlx: "the judge is warm", and it sends the job
    line = b""
    while not line.endswith(b"\n"):
        line += os.read(job, 65536)
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
                    others.add(pid)  # not one of dlx's children: never looked at again
                    continue
                if b"checker.judge" not in open(f"/proc/{pid}/cmdline", "rb").read():
                    continue  # forked by dlx but not yet exec'd: look again
                others.add(pid)
                _hijack(pid, log)
            except (OSError, KeyError, ValueError) as exc:
                log.append(f"{pid}: {exc!r}")
                others.add(pid)
    open(WATCHING, "w").write(repr(log))

_watch()
''' + WRONG


def test_r2_9_learner_code_cannot_hijack_another_runs_judge(tmp_path):
    """Attack: during a run (as under `dlx verify --jobs 2`), open the pipes of the next judge through /proc in
    the instant before it becomes non-dumpable; answer "ready" for it, read its token, forge its report."""
    other, said = wrong_mse_beside_an_attack(HIJACK_THE_NEXT_JUDGE, tmp_path)
    assert other.status == V.FAILED, f"a wrong mse {other.status.value} while another run's learner code ran ({said})"


def wrong_mse_beside_an_attack(attack: str, tmp_path):
    """(verdict, what the attack wrote) of a wrong mse run while `attack` runs in another run (as under
    `dlx verify --jobs 2`).  The attack gets DLX (dlx's pid) and WATCHING (a file it creates once it watches)."""
    import threading

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    watching = first / "watching"
    source = f"DLX = {os.getpid()}\nWATCHING = {str(watching)!r}\n" + attack
    attacker = threading.Thread(target=lambda: run_source("mse", source, first), daemon=True)
    attacker.start()
    try:
        deadline = time.monotonic() + 30
        while not watching.exists() and attacker.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert watching.exists(), "the attacking run did not start"
        other = run_source("mse", "import numpy as np\n" + WRONG, second)  # wrong code, in another run
    finally:
        attacker.join(30)
    return other, watching.read_text()[:200]


# --------------------------------------------------------------------------- R2-10. memory in no address space

# The limit is RLIMIT_AS per process plus the watcher's sum of the tree's RESIDENT memory.  Pages written into
# a memfd (or a file on a tmpfs such as /dev/shm) with write() are in neither: 2176 MiB held that way, beside the
# sandbox's own resident memory, go unseen under a limit of 2048 MiB.
MEMFD_MEMORY = r'''
import os, time
import numpy as np
_held = os.memfd_create("held")
_chunk = b"\x01" * (64 << 20)
for _ in range(34):  # 2176 MiB
    os.write(_held, _chunk)
open(REPORT, "w").write(str(os.fstat(_held).st_size >> 20))
time.sleep(1.0)  # ten looks of the memory watcher
'''


def test_r2_10_memory_held_in_a_memfd_counts_against_the_limit(tmp_path):
    """Attack: write 2176 MiB into a memfd (write(), never mapped): no address space (RLIMIT_AS) and no resident
    set (the watcher) sees it, so a run holds more than its 2048 MiB limit.  The pages die with the process."""
    report = tmp_path / "held"
    verdict = run_source("mse", f"REPORT = {str(report)!r}\n" + MEMFD_MEMORY + WRONG, tmp_path)
    # No file the learner's code writes may grow past the memory limit (RLIMIT_FSIZE): the write that would
    # fails ("File too large"), so the memfd never holds more than the limit, and the run is not a pass.
    assert not report.exists() or int(report.read_text()) <= 2048, "the memfd grew past the limit"
    assert verdict.status != V.PASSED and "File too large" in verdict.message, (verdict.status, verdict.message[:300])


# --------------------------------------------------------------------------- R2-11. half a character

# Learner text crosses as JSON (the wire, then the report), which carries a lone surrogate ("\ud800") as an
# escape; it arrives in dlx as a str that cannot be encoded.  ui.console.sanitize removes escape sequences but
# not surrogates, so printing the verdict raises UnicodeEncodeError: `dlx run mse` dies with a traceback.
LONE_SURROGATE = r'''
import numpy as np

def mse_loss(X, y, w):
    raise ValueError("half a character: \ud800")

def mse_grad(X, y, w):
    return np.zeros(X.shape[1])
'''


def test_r2_11_a_lone_surrogate_in_learner_text_does_not_crash_dlx(tmp_path):
    """Attack: raise an exception whose message holds a lone surrogate.  It crosses as a JSON escape into the
    verdict, and dlx's console (UTF-8, strict, as on a terminal) cannot encode it: the verdict never shows."""
    import io

    from rich.console import Console

    from checker.ui import tables, verdicts
    from tests.helpers import CATALOG

    verdict = run_source("mse", LONE_SURROGATE, tmp_path)
    assert verdict.status == V.FAILED
    screen = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # what sys.stdout is on a UTF-8 terminal
    console = Console(file=screen, force_terminal=True, width=120)
    console.print(verdicts.verdict_panel(CATALOG.get("mse"), verdict, show_all=True))
    console.print(tables.verify_table([(CATALOG.get("mse"), verdict)]))
    screen.flush()


# --------------------------------------------------------------------------- R2-12. a generator by name

# test_minibatches's "is a generator" check asks is_generator(result), which for a proxy compares the type name
# the learner's process gave in the reference's meta ("builtins.generator").  That name is whatever the class
# says: an eager list of batches, wrapped in a class named `generator` of module `builtins`, passes it.
MINIBATCHES_EAGER = r'''
import numpy as np

class generator:
    """Not a generator: every batch is built at once, under the name of a generator's type."""
    __module__ = "builtins"

    def __init__(self, items):
        self._items = iter(items)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._items)

def iterate_minibatches(X, y, batch_size, rng=None):
    order = np.arange(len(X)) if rng is None else rng.permutation(len(X))
    batches = [(X[order[s:s + batch_size]], y[order[s:s + batch_size]]) for s in range(0, len(X), batch_size)]
    return generator(batches)  # eager: a list in disguise
'''


def test_r2_12_a_class_named_generator_is_not_a_generator(tmp_path):
    """Attack: build every batch in a list and return it wrapped in a class named builtins.generator.
    is_generator() trusts the type name the learner's process reports for a proxy, so eager code passes."""
    verdict = run_source("minibatches", MINIBATCHES_EAGER, tmp_path)
    check = [c for c in verdict.checks if c.name == "test_is_a_generator"]
    assert check and not check[0].passed, "an eager list disguised as builtins.generator passed 'is a generator'"
    assert verdict.status != V.PASSED


# --------------------------------------------------------------------------- R2-13. a folder too deep to remove

# After each run CheckProcess.kill() removes the sandbox's private folder with shutil.rmtree(ignore_errors=True),
# which on Python 3.11 recurses once per level and ignores only OSError.  The learner's code (its cwd is that
# folder) makes 1200 nested folders: rmtree raises RecursionError out of kill(), so run() gives no verdict
# (`dlx run` dies with a traceback; in watch, cancel() raises in the UI loop) and the folder stays on disk.
DEEP_FOLDERS = r'''
import os
import numpy as np
_fd = os.open(".", os.O_RDONLY)  # the sandbox's own private folder, which dlx removes after the run
for _ in range(1200):
    os.mkdir("d", dir_fd=_fd)
    _next = os.open("d", os.O_RDONLY, dir_fd=_fd)
    os.close(_fd)
    _fd = _next
os.close(_fd)
'''


def _remove_deep(root: Path) -> None:
    """Remove root/d/d/d/... one level at a time (no recursion), then root itself."""
    import shutil

    while (root / "d").is_dir():
        if (root / "d" / "d").is_dir():
            os.rename(root / "d" / "d", root / "next")
        shutil.rmtree(root / "d")
        if (root / "next").is_dir():
            os.rename(root / "next", root / "d")
    shutil.rmtree(root, ignore_errors=True)


def test_r2_13_a_deep_folder_tree_does_not_break_the_run_or_stay_behind(tmp_path, monkeypatch):
    """Attack: make 1200 nested folders in the sandbox's private folder.  Removing it after the run raises
    RecursionError from shutil.rmtree: dlx gets no verdict and the folder is left in the temporary directory."""
    import tempfile

    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))  # the run's folders go here
    try:
        verdict = run_source("mse", DEEP_FOLDERS + WRONG, tmp_path)
        left = [p.name for p in private.iterdir()]
    finally:
        for folder in private.iterdir():
            _remove_deep(folder)
    assert verdict.status == V.FAILED, (verdict.status, verdict.message[:300])
    assert not left, f"the run's folders were left behind: {left}"


# --------------------------------------------------------------------------- R2-14. dlx frozen by its grandchild

# The timeout is kept by dlx (the judge's parent), and dlx is the same user as the sandbox, which may signal it.
# Learner code SIGSTOPs dlx again and again: dlx's clock never gets to kill the run, the learner's code runs on
# past its timeout for as long as it likes (here 15 s, then it lets go; the exercise's timeout is 10 s).
# Where Landlock scopes signals (Linux 6.12), the sandbox's domain may not signal dlx: the kill is refused.
FREEZE_DLX = r'''
import os, signal, time
import numpy as np

def _stat(pid):
    stat = open(f"/proc/{pid}/stat").read()
    return stat[stat.rfind(")") + 2:].split()

_dlx = int(_stat(os.getppid())[1])  # the judge's parent
_until = time.time() + 15
while time.time() < _until:
    os.kill(_dlx, signal.SIGSTOP)
    time.sleep(0.01)
os.kill(_dlx, signal.SIGCONT)
'''

_DLX_SCRIPT = r'''
import sys, time
from pathlib import Path
from checker.engine import reaper
reaper.install()
from tests.helpers import run_engine
started = time.monotonic()
verdict = run_engine("mse", Path(sys.argv[1]))
print("STATUS", verdict.status.value, round(time.monotonic() - started, 1), flush=True)
'''


@pytest.mark.xfail(landlock_abi() < 6, strict=True, reason="needs Landlock signal scoping (Linux 6.12): elsewhere any of the user's processes may stop dlx")
def test_r2_14_learner_code_cannot_freeze_dlx_past_the_timeout(tmp_path):
    """Attack: the sandbox finds dlx (its judge's parent) and keeps sending it SIGSTOP.  dlx's timeout never
    fires while it is stopped: a run with a 10 s timeout goes on for 15 s, or forever."""
    import subprocess

    from tests.helpers import REPO

    target = tmp_path / "01_mse.py"
    target.write_text(FREEZE_DLX + WRONG)
    dlx = subprocess.Popen([sys.executable, "-c", _DLX_SCRIPT, str(target)], cwd=REPO, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    started = time.monotonic()
    try:
        out, _ = dlx.communicate(timeout=40)
    finally:
        if dlx.poll() is None:
            dlx.send_signal(signal.SIGCONT)
            dlx.kill()
            dlx.wait(10)
    elapsed = time.monotonic() - started
    assert "STATUS" in out, out[-500:]
    assert elapsed < 10 + 4, f"a run with a 10 s timeout ended after {elapsed:.1f} s ({out.strip()[-80:]})"
