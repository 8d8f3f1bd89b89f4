"""The hostile-code table: every case of learner code that is broken or tries to cheat, run for real.

For each case it writes a learner file for exercise 01 (mse), runs that
exercise's hidden checks through the real engine, and reports the verdict
shown, the time to that verdict, and whether any process was left running
afterwards (a child of dlx, or any process carrying a check process's mark).
The output is a Markdown table, the one in docs/honesty.md:

    python benchmarks/hostile_table.py            # all cases
    python benchmarks/hostile_table.py --only os_kill_self
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from checker.engine import reaper  # noqa: E402
from checker.engine import supervisor as runner  # noqa: E402
from tests.helpers import CATALOG, run_source  # noqa: E402
from tests.test_hostile import CASES, RIGHT, WRONG  # noqa: E402
from tests.test_watch import _marked_processes  # noqa: E402

# The cases that live in other test files (tests/test_engine.py, tests/test_hostile.py), written out here.
EXTRA = {
    "infinite_loop": "import numpy as np\ndef mse_loss(X, y, w):\n    while True:\n        pass\n" + WRONG.split("\n\n")[1],
    "loop_in_C": "import numpy as np\ndef mse_loss(X, y, w):\n    while True:\n        np.ones((2000, 2000)).sum()\n"
    + WRONG.split("\n\n")[1],
    "sleep_forever": "import time\nimport numpy as np\ndef mse_loss(X, y, w):\n    time.sleep(1e9)\n" + WRONG.split("\n\n")[1],
    "memory_exhaustion": "import numpy as np\ndef mse_loss(X, y, w):\n    return float(np.ones((1 << 40,)).sum())\n"
    + WRONG.split("\n\n")[1],
    "thread_left_running": "import threading, time\nimport numpy as np\n"
    "threading.Thread(target=lambda: time.sleep(600)).start()\n" + RIGHT,
    "child_left_running": "import subprocess, sys\nimport numpy as np\n"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n" + RIGHT,
    "child_escapes_with_setsid": "import subprocess, sys\nimport numpy as np\n"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], start_new_session=True)\n" + RIGHT,
    "sys_exit_at_import": "import sys\nimport numpy as np\nsys.exit(0)\n" + RIGHT,
    "megabytes_of_output": "import numpy as np\nprint('x' * 5_000_000)\n" + RIGHT,
    "syntax_error": "import numpy as np\ndef mse_loss(X, y, w)\n    return 0.0\n",
}


def _left_running() -> list[int]:
    """Processes still alive that carry this dlx process's check-process mark (judges, sandboxes, their children)."""
    return _marked_processes(os.getpid())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="case names to run")
    args = parser.parse_args()
    cases = {name: source for name, (source, _, _) in CASES.items()} | EXTRA
    if args.only:
        cases = {name: cases[name] for name in args.only}
    timeout = CATALOG.get("mse").timeout
    print(f"exercise mse, timeout {timeout:g} s, memory limit {CATALOG.get('mse').memory_mb} MiB\n")
    print("| case | verdict | time to verdict | left running |")
    print("|---|---|---|---|")
    for name, source in cases.items():
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            verdict = run_source("mse", source, Path(tmp))
            seconds = time.perf_counter() - started
            time.sleep(0.3)
            left = _left_running()
        runner.kill_all()
        first = (verdict.message or next((c.message for c in verdict.checks if not c.passed), "")).splitlines()
        shown = first[0][:90] if first else ""
        print(f"| {name} | {verdict.status}: {shown} | {seconds:.2f} s | {'yes: ' + str(left) if left else 'no'} |",
              flush=True)


if __name__ == "__main__":
    reaper.install()  # as the dlx command does: escapees are adopted and killed
    main()
