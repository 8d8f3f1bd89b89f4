"""Throughput and memory of `dlx grade` on a class, with one and with two check processes at once.

    python benchmarks/grading.py [--students 20] [--only week1 --only week2 --only week3] [--jobs 1 --jobs 2]

Builds a class in a temporary folder (a third reference solutions, a third
untouched stubs, a third half done), then runs the whole `dlx grade` command on it
once per --jobs value, in the same run.  Prints for each: wall time, submissions
per minute, and the peak memory of the dlx process tree (dlx and every check
process it started, summed, sampled every 0.1 s from /proc); and the speed-up
between the first and the last.  Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from checker.course import catalog  # noqa: E402

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def build_class(room: Path, exercises: list[catalog.Exercise], students: int) -> None:
    for number in range(students):
        kind = ("solved", "stubs", "half")[number % 3]
        for position, exercise in enumerate(exercises):
            solved = kind == "solved" or (kind == "half" and position % 2 == 0)
            source = (REPO / "solutions" if solved else REPO / "exercises") / exercise.file
            target = room / f"student{number:03d}" / "exercises" / exercise.file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
                tree.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return tree


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and all its descendants, in MiB."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE_KB
        except (OSError, ValueError, IndexError):
            pass
        todo += tree.get(pid, [])
    return total / 1024


def grade_once(room: Path, out: Path, only: list[str], jobs: int) -> tuple[float, float, int]:
    command = [sys.executable, "-m", "checker", "-C", str(REPO), "grade", str(room), "--jobs", str(jobs),
               "--out", str(out), "--format", "csv", *(part for s in only for part in ("--only", s))]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ, NO_COLOR="1"))
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        print(process.stderr.read().decode()[-2000:])
    return elapsed, peak, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--only", action="append", default=None, help="default: week1, week2, week3")
    parser.add_argument("--jobs", type=int, action="append", default=None, help="default: 1 and 2")
    args = parser.parse_args()
    only = args.only or ["week1", "week2", "week3"]
    jobs_list = args.jobs or [1, 2]
    info = catalog.load(REPO / "exercises" / "info.toml")
    exercises = [e for e in info.exercises if any(e in info.select(s) for s in only)]
    print(f"{args.students} submissions x {len(exercises)} exercises ({', '.join(only)}) = "
          f"{args.students * len(exercises)} check runs per pass; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    rates = []
    with tempfile.TemporaryDirectory(prefix="dlx-grading-bench-") as scratch:
        room = Path(scratch) / "class"
        build_class(room, exercises, args.students)
        for jobs in jobs_list:
            elapsed, peak, code = grade_once(room, Path(scratch) / f"out-{jobs}", only, jobs)
            rate = args.students / elapsed * 60
            rates.append(rate)
            print(f"--jobs {jobs}: {elapsed:7.1f} s   {rate:6.2f} submissions/min   peak memory {peak:7.0f} MiB"
                  f"   (exit {code})")
    if len(rates) > 1:
        print(f"speed-up --jobs {jobs_list[-1]} / --jobs {jobs_list[0]}: {rates[-1] / rates[0]:.2f}x")


if __name__ == "__main__":
    main()
