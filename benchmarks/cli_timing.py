"""Wall time of whole `dlx` processes, as a learner waits for them.

    python benchmarks/cli_timing.py [--repeat 10]

Measures, in a temporary workspace:
  * `dlx run mse` (a numpy exercise), on the stub and on the solution;
  * `dlx verify week1` on the reference solutions, one process at a time and
    with the default parallelism, and the speed-up between them;
  * a bare `python -c pass` and `python -c "import numpy, pytest"` for scale.
Prints medians and p90s; asserts nothing (targets live in the README).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from checker.course import catalog, workspace  # noqa: E402


def timed(command: list[str], cwd: Path, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, NO_COLOR="1"))
        times.append(time.perf_counter() - started)
    return times


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def report(label: str, values: list[float]) -> float:
    median = statistics.median(values)
    print(f"{label:<52} median {median:6.3f} s   p90 {p90(values):6.3f} s   (n={len(values)})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    dlx = [sys.executable, "-m", "checker"]
    course = catalog.load(REPO / "exercises" / "info.toml")
    week1 = course.in_week(1)

    with tempfile.TemporaryDirectory() as tmp:
        root = workspace.init(Path(tmp) / "ws").root
        print(f"python {sys.version.split()[0]} on {os.cpu_count()} core(s); {len(week1)} week-1 exercises\n")
        report("python -c pass", timed([sys.executable, "-c", "pass"], root, args.repeat))
        report("python -c 'import numpy, pytest'", timed([sys.executable, "-c", "import numpy, pytest"], root, args.repeat))
        stub = report("dlx run mse (stub: not started)", timed([*dlx, "run", "mse"], root, args.repeat))
        for exercise in week1:
            shutil.copy(REPO / "solutions" / exercise.file, root / "exercises" / exercise.file)
        solved = report("dlx run mse (solution: passes)", timed([*dlx, "run", "mse"], root, args.repeat))
        repeat = max(1, args.repeat // 3)
        serial = report("dlx verify week1 --jobs 1 (solutions)", timed([*dlx, "verify", "week1", "--jobs", "1"], root, repeat))
        parallel = report("dlx verify week1 (solutions, default jobs)", timed([*dlx, "verify", "week1"], root, repeat))
        print(f"\nverify week1 speed-up from parallel processes: {serial / parallel:.2f}×")
        print(f"dlx run mse against the 1 s target: {max(stub, solved):.3f} s ({max(stub, solved) / 1.0:.0%} of it)")


if __name__ == "__main__":
    main()
