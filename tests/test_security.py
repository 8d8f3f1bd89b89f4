"""White-box attacks on the check engine, each asserting the SAFE outcome.

The attacker is an ordinary learner: their exercise file runs in the sandbox
(checker.sandbox), as the same user as dlx, and they have read dlx's source
(not the reference solutions).  Each test runs a learner file through the real
engine (or, for the grading function, feeds it forged records) and asserts what
must happen: no false pass, no process left behind, a verdict in bounded time,
no crash of dlx, bounded memory in the trusted processes, and nothing of the
learner's text that can drive the terminal.

Every run writes its temporary folders into a private directory (the
`private_tmp` fixture), so an attack that searches for other runs' folders can
only ever find this test's own, never those of other dlx processes on the
machine.  Every wait is bounded, and every process a test makes the learner's
code start is killed by the test, even when the assertion fails.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

import json

from rich.console import Console

from checker.course.catalog import CHECKS_DIR
from checker.engine import grading
from checker.engine import supervisor as runner
from checker.engine.records import Status as V
from checker.ui import tables, verdicts
from tests.conftest import pid_alive
from tests.helpers import CATALOG, EXERCISES, REPO, run_engine, run_source

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the attacks use Linux /proc and fork"),
    pytest.mark.usefixtures("reaper"),  # the test process adopts escapees, as the dlx command does
]

# A wrong mse: only an attack on the engine can make it pass.
WRONG = """
def mse_loss(X, y, w):
    return 0.0

def mse_grad(X, y, w):
    return np.zeros(X.shape[1])
"""

# Learner code that forges a complete, passing report for the run it is part of.
# The sandbox's working directory is the run's temporary folder, which also
# holds the judge's result.jsonl; every record there carries the run's token in
# clear.  The forger reads the token and the check names, writes a passing
# report to a new file and renames it over result.jsonl: the judge keeps
# appending its real (failing) records to the old, now unlinked file, and the
# parent reads the forged one.
FORGE = r'''
import json, os

def _forge(path, broken=None):
    records = [json.loads(line) for line in open(path)]
    token = records[0]["token"]
    names = next(r["names"] for r in records if r.get("event") == "collected")
    forged = [{"event": "loaded", "error": None, "seconds": 0.0},
              {"event": "collected", "count": len(names), "names": names}]
    forged += [{"event": "check", "name": n, "title": n, "phase": "call", "outcome": "passed", "seconds": 0.0}
               for n in names]
    if broken is not None:
        forged.append(broken)
    forged.append({"event": "done", "collected": len(names)})
    with open(path + ".new", "w") as handle:
        for record in forged:
            handle.write(json.dumps(dict(record, token=token)) + "\n")
    os.replace(path + ".new", path)
    if "FORGED" in globals():
        open(FORGED, "w").write("forged")
'''


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The runner's temporary folders go here (tempfile.mkdtemp in the parent), not to the shared /tmp."""
    base = tmp_path / "tmp"
    base.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    return base


def _kill(pid: int) -> None:
    """Kill a process the learner's code started, and reap it if it became our child (dlx is a subreaper)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            break
        if done:
            break
        time.sleep(0.02)


def _wait_gone(pid: int, limit: float = 3.0) -> bool:
    deadline = time.monotonic() + limit
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not pid_alive(pid)


def _pids_in(path: Path) -> list[int]:
    return [int(p) for p in path.read_text().split()] if path.exists() else []


# --------------------------------------------------------------------------- 1. forged report


def test_1_a_report_forged_through_the_shared_temp_dir_is_not_a_pass(tmp_path, private_tmp):
    """Attack: the learner's function reads the token from ./result.jsonl (the sandbox runs in the run's
    temporary folder) and renames a complete passing report over it.  Wrong answers must not pass."""
    source = "import numpy as np\n" + FORGE + WRONG.replace(
        "    return 0.0", "    _forge(os.path.join(os.getcwd(), 'result.jsonl'))\n    return 0.0", 1)
    verdict = run_source("mse", source, tmp_path)
    assert verdict.status != V.PASSED, f"forged report accepted: {verdict.status}, {len(verdict.checks)} checks"


# --------------------------------------------------------------------------- 2. escaped process

ESCAPE = r'''
import os, sys

def _escape(program, argv):
    """setsid + double fork + execve with an empty environment: no process group, no worker mark."""
    child = os.fork()
    if child == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                with open(PIDS, "a") as handle:
                    handle.write(f"{os.getpid()}\n")
                fd = os.open(os.devnull, os.O_RDWR)
                for std in (0, 1, 2):
                    os.dup2(fd, std)
                os.closerange(3, 4096)
                os.execve(program, argv, {})
        finally:
            os._exit(0)
    os.waitpid(child, 0)
'''


def test_2_a_process_that_leaves_the_group_and_drops_the_mark_is_killed(tmp_path, private_tmp):
    """Attack: at import, the learner's file starts `sleep 30` via setsid, a double fork and execve with an
    empty environment (so neither the group kill nor the DLX_CHECK_PROCESS mark finds it).  After the run,
    nothing the learner's code started may be left running."""
    pids = tmp_path / "pids"
    sleep = "/bin/sleep" if os.path.exists("/bin/sleep") else "/usr/bin/sleep"
    source = (f"import numpy as np\nPIDS = {str(pids)!r}\n" + ESCAPE
              + f"_escape({sleep!r}, ['sleep', '30'])\n" + WRONG)
    try:
        verdict = run_source("mse", source, tmp_path)
        assert verdict.status != V.PASSED
        started = _pids_in(pids)
        assert started, "the attack did not run (no pid written)"
        alive = [pid for pid in started if not _wait_gone(pid)]
        assert not alive, f"processes started by the learner's code outlived the run: {alive}"
    finally:
        for pid in _pids_in(pids):
            _kill(pid)


# The escaped process of attack 2, as a daemon: it watches for later runs' temporary folders (here only in
# this test's private directory) and forges each one's report with attack 1.  It exits by itself after 20 s.
DAEMON = r'''
import glob, json, os, sys, time
BASE, = sys.argv[1:]
done = set()
end = time.time() + 20
while time.time() < end:
    for path in glob.glob(os.path.join(BASE, "dlx-check-*", "result.jsonl")):
        if path in done:
            continue
        try:
            records = [json.loads(line) for line in open(path)]
        except (OSError, ValueError):
            continue
        names = next((r["names"] for r in records if r.get("event") == "collected"), None)
        if not names:
            continue
        token = records[0]["token"]
        forged = [{"event": "loaded", "error": None}, {"event": "collected", "count": len(names), "names": names}]
        forged += [{"event": "check", "name": n, "title": n, "outcome": "passed", "seconds": 0.0} for n in names]
        forged.append({"event": "done"})
        with open(path + ".new", "w") as handle:
            handle.write("".join(json.dumps(dict(r, token=token)) + "\n" for r in forged))
        os.replace(path + ".new", path)
        done.add(path)
    time.sleep(0.001)
'''


def test_2_an_escaped_process_cannot_forge_a_later_run(tmp_path, private_tmp):
    """Attacks 2 + 1: a run's learner code leaves a daemon behind (setsid, double fork, empty environment);
    the daemon forges the report of the NEXT run, whose file is the untouched stub: it must not pass."""
    pids = tmp_path / "pids"
    daemon = tmp_path / "daemon.py"
    daemon.write_text(DAEMON)
    first = tmp_path / "first"
    first.mkdir()
    source = (f"import numpy as np\nPIDS = {str(pids)!r}\n" + ESCAPE
              + f"_escape(sys.executable, [sys.executable, '-I', {str(daemon)!r}, {str(private_tmp)!r}])\n" + WRONG)
    try:
        assert run_source("mse", source, first).status != V.PASSED
        assert _pids_in(pids), "the attack did not run (no pid written)"
        time.sleep(0.5)  # the daemon's interpreter starts
        stub = tmp_path / "01_mse.py"
        stub.write_text((EXERCISES / CATALOG.get("mse").file).read_text())
        verdict = run_engine("mse", stub)
        assert verdict.status == V.NOT_STARTED, f"the untouched stub got {verdict.status} ({verdict.n_passed} passed)"
    finally:
        for pid in _pids_in(pids):
            _kill(pid)


# --------------------------------------------------------------------------- 3. impostor values

# dense: every array the learner returns is an IMPOSTOR with the right shape and dtype and all zeros.  It
# crosses as a proxy (not by value) because its type is not exactly np.ndarray; the judge believes the class
# list the sandbox sends, so isinstance(proxy, np.ndarray) holds there.  Its astype() returns a second
# impostor that claims to be a float, which makes np.isclose use it as is (not np.asarray(it)), so that
# `x - y` and `x == y` inside the judge's np.allclose are answered by the learner's code: "all equal".
IMPOSTOR_SUBCLASS = r'''
import numpy as np

class _Yes(float):
    """Claims to be a float (a real float subclass); answers every comparison with "equal"."""
    def __new__(cls, shape):
        self = super().__new__(cls, 0.0)
        self._shape = shape
        return self
    @property
    def shape(self):
        return self._shape
    def _same(self, *other):
        return np.ones(self._shape, bool)
    def _zero(self, *other):
        return np.zeros(self._shape)
    __eq__ = __le__ = __ge__ = _same
    __sub__ = __rsub__ = __add__ = __radd__ = _zero
    __hash__ = float.__hash__
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc.__name__ in ("isnan", "isinf"):
            return np.zeros(self._shape, bool)
        return np.ones(self._shape, bool)

class Liar(np.ndarray):
    def astype(self, *args, **kwargs):
        return _Yes(self.shape)

def _liar(*shape):
    return np.zeros(shape).view(Liar)
'''

IMPOSTOR_FORGED_NAME = IMPOSTOR_SUBCLASS.replace(
    "class Liar(np.ndarray):\n    def astype",
    "class Liar:\n    # not an ndarray at all: a class whose module and name SAY numpy.ndarray\n"
    "    __module__, __qualname__ = 'numpy', 'ndarray'\n"
    "    def __init__(self, shape):\n        self.shape, self.dtype = shape, np.dtype(float)\n"
    "    def astype",
).replace("return np.zeros(shape).view(Liar)", "return Liar(shape)")

DENSE_IMPOSTOR = """
def dense_forward(x, W, b):
    return _liar(x.shape[0], W.shape[1]), (x, W)

def dense_backward(dout, cache):
    x, W = cache
    return _liar(*x.shape), _liar(*W.shape), _liar(W.shape[1])
"""


@pytest.mark.parametrize("impostor", [IMPOSTOR_SUBCLASS, IMPOSTOR_FORGED_NAME], ids=["ndarray_subclass", "forged_class_name"])
def test_3_impostor_values_do_not_pass(tmp_path, impostor):
    """Attack: return array impostors (all zeros) whose comparisons the learner's code answers.  The dense
    checks must fail (today 14/14 pass)."""
    verdict = run_source("dense", impostor + DENSE_IMPOSTOR, tmp_path)
    assert verdict.status != V.PASSED, f"impostors passed {verdict.n_passed}/{verdict.n_total} checks"
    assert verdict.n_passed == 0, [c.title for c in verdict.checks if c.passed]


# --------------------------------------------------------------------------- 4. FIFO


def test_4_a_fifo_in_place_of_the_result_file_gives_a_verdict_in_bounded_time(tmp_path, private_tmp):
    """Attack: at import, replace ./result.jsonl by a named pipe; the parent's open() then waits for a writer
    forever.  A verdict (not a pass) must come within the exercise's timeout plus a margin."""
    source = "import os\nimport numpy as np\nos.unlink('result.jsonl')\nos.mkfifo('result.jsonl')\n" + WRONG
    box: dict = {}

    def run():
        try:
            box["verdict"] = run_source("mse", source, tmp_path)
        except BaseException as exc:  # noqa: BLE001 - reported below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(CATALOG.get("mse").timeout + 10)
    hung = thread.is_alive()
    if hung:  # unblock the parent: open each pipe for writing, then close it (the reader sees end of file)
        for fifo in private_tmp.glob("dlx-check-*/result.jsonl"):
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
        thread.join(10)
    assert not hung, f"the runner was still waiting on the FIFO after {time.monotonic() - started:.0f} s"
    assert "error" not in box, repr(box.get("error"))
    assert box["verdict"].status != V.PASSED


# --------------------------------------------------------------------------- 5. malformed records

# (Attack 5 through the engine needed a forged, token-bearing report, i.e. attack 1, which is closed: the
# malformed records are now fed to the grading directly, below.)


def _complete(names=("a", "b")) -> list[dict]:
    records = [{"event": "loaded", "error": None}, {"event": "collected", "count": len(names), "names": list(names)}]
    records += [{"event": "check", "name": n, "title": n, "outcome": "passed", "seconds": 0.01} for n in names]
    return records + [{"event": "done"}]


def _with(records: list[dict], index: int, **changes) -> list[dict]:
    records = [dict(r) for r in records]
    records[index].update(changes)
    return records


MALFORMED = {
    "seconds_a_string": _with(_complete(), 2, seconds="soon"),
    "seconds_a_dict": _with(_complete(), 2, seconds={"a": 1}),
    "count_a_string": _with(_complete(), 1, count="two"),
    "count_a_list": _with(_complete(), 1, count=[2]),
    "count_infinite": _with(_complete(), 1, count=float("inf")),
    "load_error_a_string": _with(_complete(), 0, error="boom"),
    "load_error_kind_a_list": _with(_complete(), 0, error={"kind": ["x"], "message": "m", "line": 1}),
    "start_name_a_list": [*_complete()[:2], {"event": "start", "name": ["x"]}, _complete()[2], {"event": "done"}],
}


@pytest.mark.parametrize("case", MALFORMED)
def test_5_grade_survives_malformed_records(case):
    """grade() on token-bearing records with wrong types: a crashed verdict, never an exception."""
    try:
        data = "\n".join(json.dumps({**record, "token": "t"}) for record in MALFORMED[case]).encode()
        records, damage = grading.read_report(data, "t")
        verdict = grading.damaged("mse", damage) if damage else grading.grade(
            "mse", records, timed_out=False, timeout=10, returncode=0)
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"grade raised {type(exc).__name__}: {exc}")
    assert verdict.status == V.CRASHED, verdict.status
    assert verdict.line is None or isinstance(verdict.line, int)


# --------------------------------------------------------------------------- 6. judge memory


def _peak_rss_mb(pid: int, stop: threading.Event, out: list) -> None:
    """Sample /proc/PID/status's VmHWM (the peak resident set, in kB) until `stop` or the process ends."""
    while not stop.is_set():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                out.append(int(line.split()[1]) / 1024)
        time.sleep(0.01)


# Learner code that writes a raw message on the sandbox's end of the channel: any socket among its open
# file descriptors (it needs no name from dlx's modules), then ends the sandbox.  It writes "sent" to REPORT.
RAW_MESSAGE = r"""
import json, os, socket, stat, struct

def _channel():
    for fd in range(3, 1024):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                return socket.socket(fileno=os.dup(fd))
        except OSError:
            pass
    open(REPORT, "w").write("no channel")
    os._exit(0)
"""
MEMORY_ATTACKS = {
    # A request from the sandbox (served by the judge while it waits for its answer) whose JSON header holds
    # 4 million empty lists: one Python list each in the judge, twice (json.loads, then the decoder's copy).
    "nested_empty_lists": "head = json.dumps({'k': 'req', 'n': 1, 'op': 'call', 'nbuf': 0, 'v': [[]] * 4_000_000}).encode()\n"
                          "    _channel().sendall(struct.pack('<I', len(head)) + head)",
    # A header length of 300 MiB: the judge allocates (and zero-fills) it before a single byte has come.
    "header_length_claim": "_channel().sendall(struct.pack('<I', 300 << 20))",
}


@pytest.mark.parametrize("attack", MEMORY_ATTACKS)
def test_6_the_judge_memory_stays_bounded(tmp_path, private_tmp, attack):
    """Attack: the learner's code sends a forged reply on the channel that makes the judge (which has no
    memory limit) allocate hundreds of MB.  The judge's peak memory must stay bounded, and a verdict come."""
    report = tmp_path / "sent.txt"
    attack_code = MEMORY_ATTACKS[attack] + "\n    open(REPORT, 'w').write('sent')\n    os._exit(0)"
    source = f"import numpy as np\nREPORT = {str(report)!r}\n" + RAW_MESSAGE + WRONG.replace("return 0.0", attack_code, 1)
    target = tmp_path / "01_mse.py"
    target.write_text(source)
    exercise = CATALOG.get("mse")
    process = runner.CheckProcess(())
    samples: list = []
    stop = threading.Event()
    sampler = threading.Thread(target=_peak_rss_mb, args=(process.proc.pid, stop, samples), daemon=True)
    sampler.start()
    try:
        verdict = process.run("mse", target, CHECKS_DIR / exercise.check_path, exercise.timeout, exercise.memory_mb)
    finally:
        stop.set()
        sampler.join(2)
        process.kill()
    if report.exists() and report.read_text() == "no channel":
        pytest.skip("the learner's process holds no socket any more: this raw-channel attack cannot be made")
    # The attack ran: its message was sent whole, or the judge refused it part-way (then the sandbox's
    # sendall never returns, and the verdict says the channel broke).
    refused = verdict.status == V.CRASHED and "broke dlx's channel" in verdict.message
    assert report.exists() or refused, f"the attack did not run: {verdict.status}: {verdict.message[:200]}"
    assert verdict.status != V.PASSED
    peak = max(samples, default=0.0)
    assert samples and peak < 250, f"the judge's peak resident memory reached {peak:.0f} MB"


# --------------------------------------------------------------------------- 7. screen spoofing

SPOOF = "\x1b[2J\x1b[H\x1b]0;dlx\x07\x1b[32m\u2713 All 8 checks pass\u009b2J"
SCREEN_ATTACKS = {
    # an exception message, shown in "Your code raised an error: ... ValueError: <message>"
    "exception_message": ("mse", "import numpy as np\n" + WRONG.replace("return 0.0", f"raise ValueError({SPOOF!r})", 1)),
    # an exception class's name, shown in the same headline
    "exception_name": ("mse", "import numpy as np\n" + f"Spoof = type({SPOOF!r}, (ValueError,), {{}})\n"
                       + WRONG.replace("return 0.0", "raise Spoof('x')", 1)),
    # a returned object's type name, shown in "mse_loss(X, y, w) returned <type>, expected a float"
    "returned_type_name": ("mse", "import numpy as np\nclass T:\n    pass\n" + f"T.__qualname__ = {SPOOF!r}\n"
                           + WRONG.replace("return 0.0", "return T()", 1)),
    # a returned object's repr, shown by fmt() in "dense_forward(x, W, b) returned <repr>"
    "returned_repr": ("dense", "import numpy as np\nclass R:\n" + f"    def __repr__(self):\n        return {SPOOF!r}\n"
                      "def dense_forward(x, W, b):\n    return R()\n"
                      "def dense_backward(dout, cache):\n    return R()\n"),
    # the tampering report: the sandbox's tamper guard is an object in the learner's process, and the judge
    # quotes whatever list of "changes" the sandbox answers
    "tamper_report": ("mse", "import sys\nimport numpy as np\nclass FakeGuard:\n"
                      f"    def changes(self, limit=5):\n        return [{SPOOF!r}]\n"
                      "sys.modules['checker.sandbox']._STATE['guard'] = FakeGuard()\n" + WRONG),
    # printed output: render.sanitize strips ESC and C0 controls, not the C1 control U+009B (a one-character
    # CSI for terminals that accept 8-bit controls)
    "printed_output": ("mse", "import numpy as np\n" + f"print({SPOOF!r})\n" + WRONG),
    # a source line of the learner's file (with raw control characters), shown in the traceback's frames
    "source_line": ("mse", "import numpy as np\n" + WRONG.replace(
        "return 0.0", "raise ValueError('x')  # " + SPOOF.replace("\x07", "").replace("\u009b", ""), 1)),
}


QUOTED = {"exception_message", "exception_name", "returned_repr", "source_line", "printed_output"}


@pytest.mark.parametrize("case", SCREEN_ATTACKS)
def test_7_learner_text_cannot_drive_the_terminal(tmp_path, case):
    """Attack: put terminal control sequences (clear screen, cursor home, window title, a green "All 8 checks
    pass") into text the checks quote.  What dlx renders must hold none of them."""
    name, source = SCREEN_ATTACKS[case]
    verdict = run_source(name, source, tmp_path)
    if case in QUOTED:  # the vector really reaches the screen (the visible words are shown, not the controls)
        assert "All 8 checks pass" in verdict.message + verdict.output + "".join(c.message for c in verdict.checks)
    assert verdict.status != V.PASSED
    console = Console(file=io.StringIO(), force_terminal=True, width=120, color_system="truecolor")
    console.print(verdicts.verdict_panel(CATALOG.get(name), verdict, show_all=True))
    console.print(tables.verify_table([(CATALOG.get(name), verdict)]))
    shown = console.file.getvalue()
    found = [seq for seq in ("\x1b[2J", "\x1b[H", "\x1b]", "\x07", "\u009b", "\x1b[32m\u2713") if seq in shown]
    assert not found, f"learner control sequences reached the screen: {found}"


# =========================================================================== further attacks (white-box)

# --------------------------------------------------------------------------- B1. the parent reads without bound

# Run in a child Python under an address-space limit, so that today's failure (dlx reading without bound)
# ends there with a MemoryError and never takes memory from the machine.
_PARENT_SCRIPT = r'''
import resource, sys, tempfile
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
tempfile.tempdir = sys.argv[2]
from tests.helpers import run_engine
print("STATUS", run_engine("mse", Path(sys.argv[1])).status, flush=True)
'''


@pytest.mark.parametrize("how", ["symlink_to_dev_zero", "sparse_file"])
def test_b1_the_parent_reads_the_result_file_within_bounds(tmp_path, private_tmp, how):
    """Attack: at import, replace ./result.jsonl by a symlink to /dev/zero (an endless line), or grow it into
    an 8 GiB sparse file of NULs (no disk used).  The parent (dlx itself, which has no memory limit) reads
    the file line by line with no cap: it runs out of memory (here, under a 2 GiB limit, a MemoryError and a
    traceback; on a learner's laptop, the machine swaps or dlx is OOM-killed).  dlx must give a verdict."""
    attack = {
        "symlink_to_dev_zero": "os.unlink('result.jsonl')\nos.symlink('/dev/zero', 'result.jsonl')\n",
        "sparse_file": "os.truncate('result.jsonl', 8 << 30)\n",
    }[how]
    target = tmp_path / "01_mse.py"
    target.write_text("import os\nimport numpy as np\n" + attack + WRONG)
    try:
        done = subprocess.run([sys.executable, "-c", _PARENT_SCRIPT, str(target), str(private_tmp)], cwd=REPO,
                              capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("dlx gave no verdict within 90 s")
    assert done.returncode == 0 and "STATUS" in done.stdout, done.stderr[-600:]
    assert "STATUS passed" not in done.stdout


# --------------------------------------------------------------------------- B2. the CPU clock of one thread

# im2col (exercise 25): the speed check times conv2d_forward_fast against a loop convolution with
# learner_cpu_time(), the CPU time of the sandbox's MAIN thread only.  Work done in another thread while the
# main thread waits in join() costs it nothing: loops (the very thing the check forbids) pass as "20x faster".
IM2COL_IN_A_THREAD = r'''
import threading
import numpy as np

def _size(n, k, stride, pad):
    return (n + 2 * pad - k) // stride + 1

def im2col(x, kh, kw, stride, pad):
    N, H, W, C = x.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Ho, Wo = _size(H, kh, stride, pad), _size(W, kw, stride, pad)
    rows = []
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                rows.append(xp[n, i * stride:i * stride + kh, j * stride:j * stride + kw, :].reshape(-1))
    return np.array(rows, dtype=float).reshape(N * Ho * Wo, kh * kw * C)

def _loops(x, w, b, stride, pad):
    N, H, W, _ = x.shape
    KH, KW, _, CO = w.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Ho, Wo = _size(H, KH, stride, pad), _size(W, KW, stride, pad)
    out = np.zeros((N, Ho, Wo, CO))
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                out[n, i, j] = np.tensordot(xp[n, i * stride:i * stride + KH, j * stride:j * stride + KW, :], w, axes=3) + b
    return out

def conv2d_forward_fast(x, w, b, stride, pad):
    box = []
    worker = threading.Thread(target=lambda: box.append(_loops(x, w, b, stride, pad)))
    worker.start()
    worker.join()
    return box[0]
'''


# The same loops, memoised: the speed check first calls conv2d_forward_fast once (a warm-up, also graded for
# its values) and then times it again and again on the SAME arrays, so every timed call is a dictionary lookup.
# (A weakness of the check rather than of the engine: time fresh inputs each round.)
IM2COL_MEMOISED = IM2COL_IN_A_THREAD.split("def conv2d_forward_fast")[0] + r'''
_SEEN = {}

def conv2d_forward_fast(x, w, b, stride, pad):
    key = (x.tobytes(), x.shape, w.tobytes(), w.shape, b.tobytes(), stride, pad)
    if key not in _SEEN:
        _SEEN[key] = _loops(x, w, b, stride, pad)
    return _SEEN[key].copy()
'''


@pytest.mark.parametrize("source", [IM2COL_IN_A_THREAD, IM2COL_MEMOISED], ids=["work_in_a_thread", "memoised"])
def test_b2_loops_do_not_pass_the_speed_check(tmp_path, source):
    """Attack: run the loop convolution in a thread and join it (the main thread's CPU clock barely moves), or
    memoise it on its inputs.  Loops must not pass the "20x faster than loops" check."""
    verdict = run_source("im2col", source, tmp_path)
    speed = [c for c in verdict.checks if c.name == "test_conv_fast_is_at_least_20x_faster_than_loops"]
    assert speed, verdict.message
    assert not speed[0].passed, "a loop convolution passed the 20x speed check"


# --------------------------------------------------------------------------- B3. the parent's memory through /proc


@pytest.mark.skipif(os.geteuid() == 0, reason="root may open any process's memory: run as an ordinary user")
def test_b3_the_learner_process_cannot_open_dlx_memory(tmp_path):
    """Attack: the sandbox's grandparent is dlx itself (the judge's parent).  Unlike the judge, dlx is not made
    non-dumpable, so where Yama is off or at ptrace_scope 0 (Debian, Fedora...) a same-user process may open
    /proc/<dlx>/mem for writing and change dlx's code or data (its verdict).  It must be refused."""
    report = tmp_path / "reach.txt"
    source = (
        "import os\nimport numpy as np\n"
        "judge = os.getppid()\n"
        "stat = open(f'/proc/{judge}/stat').read()\n"
        "dlx = int(stat[stat.rfind(')') + 2:].split()[1])\n"
        "try:\n"
        "    open(f'/proc/{dlx}/mem', 'r+b').close()\n"
        "    result = 'opened'\n"
        "except OSError as exc:\n"
        "    result = type(exc).__name__\n"
        f"open({str(report)!r}, 'w').write(f'{{dlx}} {{result}}')\n" + WRONG
    )
    assert run_source("mse", source, tmp_path).status == V.FAILED
    dlx, result = report.read_text().split()
    assert int(dlx) == os.getpid()
    assert result == "PermissionError", f"the learner's code could open dlx's memory ({result})"


# --------------------------------------------------------------------------- B4. the judge's C function pointers

# minibatches (exercise 05): the check hands its numpy Generator to the learner's function, as a proxy that
# calls back into the judge.  The judge serves "public attributes" of any non-function object: the
# Generator's bit_generator, its `.ctypes` interface, and there a ctypes C function pointer, next_uint64,
# which the judge then CALLS with the learner's arguments.  next_uint64(p) reads a pointer at address p and
# writes a new 128-bit generator state where it points: a memory write primitive in the judge (the process
# that holds the token and writes the report).  With p = 8 it simply segfaults the judge.
CTYPES_PROBE = r'''
import numpy as np

def iterate_minibatches(X, y, batch_size, rng=None):
    try:
        rng.bit_generator.ctypes.next_uint64(8)
        result = "called"
    except Exception as exc:
        result = type(exc).__name__
    open(REPORT, "w").write(result)
    return iter([])
'''


def test_b4_the_learner_cannot_call_the_judges_c_function_pointers(tmp_path):
    """Attack: from the check's Generator proxy, walk rng.bit_generator.ctypes.next_uint64 and call it in the
    judge.  It must be refused (an error in the learner's code), and the judge must not die of a signal."""
    report = tmp_path / "result.txt"
    verdict = run_source("minibatches", f"REPORT = {str(report)!r}\n" + CTYPES_PROBE, tmp_path)
    assert verdict.status != V.PASSED
    assert "signal" not in verdict.message, f"the judge was killed: {verdict.message.splitlines()[0]}"
    assert report.exists() and report.read_text() != "called"


# --------------------------------------------------------------------------- B5. memory limit per process only

# The memory limit is RLIMIT_AS, which is per process: each child the learner's code forks has its own
# 2 GiB.  Three children of 800 MB each hold 2.4 GB together, over the exercise's limit, until the run ends.
FORK_MEMORY = r'''
import os, time
import numpy as np
for k in range(3):
    if os.fork() == 0:
        try:
            block = bytearray(800 << 20)  # zero-filled: resident
            rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
            open(f"{REPORT}.{k}", "w").write(str(rss // 1024))
            time.sleep(5)
        finally:
            os._exit(0)
deadline = time.time() + 10
while time.time() < deadline and sum(os.path.exists(f"{REPORT}.{k}") for k in range(3)) < 3:
    time.sleep(0.05)
'''


def test_b5_children_cannot_multiply_the_memory_limit(tmp_path):
    """Attack: fork three children that each allocate 800 MB (under the per-process limit of 2048 MiB).  All
    the learner's processes together are held to the exercise's memory limit: the run is stopped with a
    "used too much memory" verdict."""
    report = tmp_path / "rss"
    verdict = run_source("mse", f"REPORT = {str(report)!r}\n" + FORK_MEMORY + WRONG, tmp_path)
    # The supervisor sums the resident memory of the learner's process tree a few times a second and stops the
    # run once it is over the limit (a cgroup could refuse the allocation itself; an ordinary user has none).
    assert verdict.status == V.MEMORY, (verdict.status, verdict.message[:300])
    assert "processes it started" in verdict.message  # stopped for memory (a timeout would read otherwise)
