"""Broken and hostile learner code, through the real engine: never a pass, never a dead runner.

Each case is a learner file for exercise 01 (mse) that is wrong, or right but
hostile.  The verdict must not be a pass, must say something a learner
understands, and the run must leave no process behind and the file unchanged.
"""

import textwrap
import time

import pytest

from checker.engine.records import Status as V
from tests.conftest import pid_alive
from tests.helpers import run_source

pytestmark = pytest.mark.usefixtures("reaper")  # the test process adopts escapees, as `dlx` does

# A correct mse, so that only the hostile part can make a run fail.
RIGHT = """
def mse_loss(X, y, w):
    return float(np.mean((X @ w - y) ** 2))

def mse_grad(X, y, w):
    return 2 * X.T @ (X @ w - y) / len(y)
"""
# A wrong mse: a patch that makes wrong code pass would be a false pass.
WRONG = """
def mse_loss(X, y, w):
    return 0.0

def mse_grad(X, y, w):
    return np.zeros(X.shape[1])
"""

CASES = {
    # 3. leaving the process
    "keyboard_interrupt": ("import numpy as np\n" + RIGHT.replace("return float", "raise KeyboardInterrupt\n    return float"),
                           {V.FAILED}, "KeyboardInterrupt"),
    "system_exit_raised": ("import numpy as np\n" + RIGHT.replace("return float", "raise SystemExit(0)\n    return float"),
                           {V.FAILED}, "SystemExit"),
    "os_kill_self": ("import os, signal\nimport numpy as np\n" + RIGHT.replace("return float", "os.kill(os.getpid(), signal.SIGKILL)\n    return float"),
                     {V.CRASHED}, "killed by signal 9"),
    # 5. monkeypatching from module scope
    "numpy_allclose": ("import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.isclose = lambda a, b, *x, **k: np.ones(np.shape(a), bool)\n" + WRONG,
                       {V.TAMPERED, V.FAILED}, "numpy.allclose was replaced"),
    "numpy_testing": ("import numpy as np, numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None\n" + WRONG,
                      {V.TAMPERED, V.FAILED}, "numpy.testing.assert_allclose was replaced"),
    "numpy_functions_used_by_checks": ("import numpy as np\nnp.abs = lambda x: np.zeros_like(x)\nnp.max = lambda *a, **k: 0.0\n" + WRONG,
                                       {V.TAMPERED, V.FAILED}, "numpy.abs was replaced"),
    "checker_toolkit": ("import numpy as np\nimport checker.testing as t\nt.assert_close = lambda *a, **k: None\nt.fail = lambda *a, **k: None\n" + WRONG,
                        {V.TAMPERED, V.FAILED}, "checker.testing.assert_close was replaced"),
    "pytest_report": ("import numpy as np\nimport _pytest.reports as r\nr.TestReport.passed = property(lambda self: True)\n" + WRONG,
                      {V.TAMPERED, V.FAILED}, "_pytest.reports.TestReport.passed was replaced"),
    "builtins": ("import builtins\nimport numpy as np\nbuiltins.abs = lambda x: 0\n" + WRONG,
                 {V.TAMPERED, V.FAILED}, "builtins.abs was replaced"),
    "sys_modules_numpy": ("import sys, types\nimport numpy as np\nfake = types.ModuleType('numpy')\nfake.__dict__.update(np.__dict__)\nfake.allclose = lambda *a, **k: True\nsys.modules['numpy'] = fake\n" + WRONG,
                          {V.TAMPERED, V.FAILED}, "numpy was replaced"),
    "patch_inside_the_call": ("import numpy as np\ndef mse_loss(X, y, w):\n    np.allclose = lambda *a, **k: True\n    return 0.0\ndef mse_grad(X, y, w):\n    return np.zeros(X.shape[1])\n",
                              {V.TAMPERED, V.FAILED}, ""),
    # 7. forging the result: the grade is decided in the judge, which the learner's process cannot reach
    "forge_through_the_plugin": ("import gc, os\nimport numpy as np\n"
                                 "for o in gc.get_objects():\n"
                                 "    if hasattr(type(o), '_emit') or type(o).__name__ in ('DlxPlugin', 'Connection'):\n"
                                 "        for name in ('_emit', 'token', '_token', '_out'):\n"
                                 "            print('found', type(o).__name__, name, hasattr(o, name))\n"
                                 "        if hasattr(o, '_emit'):\n"
                                 "            o._emit({'event': 'collected', 'count': 1, 'names': ['t']})\n"
                                 "            o._emit({'event': 'check', 'name': 't', 'outcome': 'passed'})\n"
                                 "            o._emit({'event': 'done', 'collected': 1})\n"
                                 "            os._exit(0)\n" + WRONG,
                                 {V.FAILED}, "mse_loss"),
    "forge_the_result_file": ("import glob, json, os\nimport numpy as np\n"
                              "for path in glob.glob('/tmp/dlx-check-*/result.jsonl') + glob.glob('../*/result.jsonl'):\n"
                              "    with open(path, 'a') as f:\n"
                              "        for r in ({'event': 'collected', 'count': 1}, {'event': 'check', 'name': 't', 'outcome': 'passed'}, {'event': 'done'}):\n"
                              "            f.write(json.dumps(dict(r, token='0' * 32)) + '\\n')\n"
                              "print(json.dumps({'event': 'done', 'token': 'x'}))\n" + WRONG,
                              {V.FAILED}, "mse_loss"),
    "exit_zero_at_import": ("import os\nimport numpy as np\n" + WRONG + "os._exit(0)\n", {V.CRASHED}, "exit code 0"),
    # 8. plainly broken code
    "returns_nan": ("import numpy as np\ndef mse_loss(X, y, w):\n    return float('nan')\ndef mse_grad(X, y, w):\n    return np.full(X.shape[1], np.nan)\n",
                    {V.FAILED}, "NaN"),
    "returns_generator": ("import numpy as np\ndef mse_loss(X, y, w):\n    return float(np.mean((X @ w - y) ** 2))\ndef mse_grad(X, y, w):\n    return (g for g in 2 * X.T @ (X @ w - y) / len(y))\n",
                          {V.FAILED}, "generator"),
    "wrong_name": ("import numpy as np\ndef mse(X, y, w):\n    return 0.0\ndef mse_grad(X, y, w):\n    return 2 * X.T @ (X @ w - y) / len(y)\n",
                   {V.FAILED}, "mse_loss"),
    "wrong_shape": ("import numpy as np\ndef mse_loss(X, y, w):\n    return float(np.mean((X @ w - y) ** 2))\ndef mse_grad(X, y, w):\n    return (2 * X.T @ (X @ w - y) / len(y))[:, None]\n",
                    {V.FAILED}, "shape"),
    "import_error": ("import numpy as np\nimport no_such_module_for_dlx\n" + RIGHT, {V.IMPORT_ERROR}, "no_such_module_for_dlx"),
    "imports_another_exercise": ("import numpy as np\nfrom sigmoid import sigmoid\n" + RIGHT, {V.IMPORT_ERROR}, "sigmoid"),
    "exception_in_del": ("import numpy as np\nclass Bomb:\n    def __del__(self):\n        raise RuntimeError('boom')\n"
                         "def mse_loss(X, y, w):\n    Bomb()\n    return 0.0\ndef mse_grad(X, y, w):\n    return np.zeros(X.shape[1])\n",
                         {V.FAILED}, "mse_loss"),
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_or_broken_code_is_never_a_pass(tmp_path, case):
    source, statuses, fragment = CASES[case]
    verdict = run_source("mse", source, tmp_path)
    assert verdict.status in statuses, (verdict.status, verdict.message)
    if verdict.status != V.FAILED or V.TAMPERED not in statuses:  # a patch the sandbox's guard missed just fails
        assert fragment in verdict.message + "".join(c.message for c in verdict.checks)
    assert not any(c.passed for c in verdict.checks if c.name == "t")  # no forged record was counted
    assert (tmp_path / "01_mse.py").read_text() == textwrap.dedent(source)  # the learner's file is untouched


def test_signal_alarm_cannot_dodge_the_timeout(tmp_path):
    """The timeout is kept by the parent: SIGALRM, SIGTERM and SIGINT games change nothing."""
    source = (
        "import signal, time\nimport numpy as np\n"
        "signal.alarm(0)\n"
        "for s in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT):\n    signal.signal(s, signal.SIG_IGN)\n"
        "def mse_loss(X, y, w):\n    time.sleep(1e9)\n"
        "def mse_grad(X, y, w):\n    return np.zeros(X.shape[1])\n"
    )
    started = time.perf_counter()
    target = tmp_path / "01_mse.py"
    target.write_text(source)
    from checker.course.catalog import CHECKS_DIR
    from checker.engine.supervisor import run_exercise
    from tests.helpers import CATALOG

    verdict = run_exercise("mse", target, CHECKS_DIR / CATALOG.get("mse").check_path, timeout=2)
    assert verdict.status == V.TIMEOUT
    assert time.perf_counter() - started < 6


def test_a_thread_left_running_dies_with_the_check(tmp_path):
    marker = tmp_path / "alive"
    source = (
        "import threading, time, pathlib, os\nimport numpy as np\n"
        f"P = pathlib.Path({str(marker)!r})\n"
        "def beat():\n    while True:\n        T = P.with_suffix('.tmp')\n        T.write_text(str(os.getpid()))\n        os.replace(T, P)\n        time.sleep(0.05)\n"
        "threading.Thread(target=beat).start()\n" + RIGHT
    )
    verdict = run_source("mse", source, tmp_path)
    assert verdict.status == V.PASSED  # right code; the thread is not a reason to fail it
    pid = int(marker.read_text())
    deadline = time.time() + 3
    while pid_alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    assert not pid_alive(pid)


def test_binary_garbage_and_escape_sequences_are_capped_and_made_harmless(tmp_path):
    from checker.ui.console import sanitize

    source = (
        "import sys, os\nimport numpy as np\n"
        "sys.stdout.write('\\x1b[2J\\x1b[31mred\\x1b]0;title\\x07' * 1000)\n"
        "os.write(1, bytes(range(256)) * 20000)\n" + RIGHT
    )
    verdict = run_source("mse", source, tmp_path)
    assert verdict.status == V.PASSED
    assert verdict.output_truncated and verdict.output_bytes > 5_000_000
    shown = sanitize(verdict.output)
    assert "\x1b" not in shown and "\x07" not in shown and "\x00" not in shown


@pytest.mark.parametrize(
    "name, content",
    [
        ("conftest.py", "import pytest\n@pytest.fixture(autouse=True)\ndef cheat(monkeypatch):\n    raise SystemExit(0)\n"),
        ("pytest.ini", "[pytest]\naddopts = -p no:dlx --co\n"),
        ("sitecustomize.py", "import numpy\nnumpy.allclose = lambda *a, **k: True\n"),
        ("numpy.py", "allclose = lambda *a, **k: True\n"),
        ("checker.py", "raise SystemExit(0)\n"),
    ],
)
def test_files_beside_the_exercise_change_nothing(tmp_path, name, content):
    """A learner's conftest.py, pytest.ini, sitecustomize.py, numpy.py or checker.py is never picked up."""
    (tmp_path / name).write_text(content)
    assert run_source("mse", "import numpy as np\n" + WRONG, tmp_path).status == V.FAILED
    assert run_source("mse", "import numpy as np\n" + RIGHT, tmp_path).status == V.PASSED


def test_the_learner_process_cannot_reach_the_judge(tmp_path):
    """The judge is non-dumpable: its memory, environment and open files are closed to the sandbox (same user).

    As root (CAP_SYS_PTRACE) the kernel lets any process read any other, so
    there the check is only that the forged records still count for nothing.
    """
    import os

    report = tmp_path / "reach.txt"
    source = (
        "import os\nimport numpy as np\n"
        "judge = os.getppid()\nresults = []\n"
        "for what in ('mem', 'environ', 'fd/0'):\n"
        "    try:\n"
        "        with open(f'/proc/{judge}/{what}', 'rb') as f:\n"
        "            f.read(1)\n"
        "        results.append(what + ' open')\n"
        "    except OSError as e:\n"
        "        results.append(what + ' ' + type(e).__name__)\n"
        f"open({str(report)!r}, 'w').write(chr(10).join(results))\n" + WRONG
    )
    verdict = run_source("mse", source, tmp_path)
    assert verdict.status == V.FAILED
    lines = report.read_text().splitlines()
    assert len(lines) == 3
    if os.geteuid() != 0 and os.path.exists("/proc/self/mem"):
        assert all(line.endswith("PermissionError") for line in lines), lines
