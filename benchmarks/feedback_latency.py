"""Save → verdict on screen in `dlx watch`, against a cold `python -m pytest` of the same check.

    python benchmarks/feedback_latency.py [--saves 20] [--cold 5] [--tf-exercise gradient_tape]
                                          [--verify-all]

For each case it starts `dlx watch` on a fresh temporary workspace in a real
pseudo-terminal, with the machine-readable event log on, and saves the
exercise file the way editors do: alternately in place (truncate + write) and
by atomic rename (write a temp file, rename it over the original).  Latency is
from the end of the write to the `redraw` that puts that save's verdict on the
screen (debounce, spare process, checks and rendering included).

Cases:
  * numpy        exercise `mse`, alternating the reference solution with a
                 wrong one (sum instead of mean), so each save gets a real verdict;
  * tensorflow   a TensorFlow exercise that builds a small model (default
                 `gradient_tape`); its checks' own run time is reported apart, and
                 subtracted for the "dlx overhead" line;
  * syntax error `mse` with a syntax error;
  * first-tf     the first TensorFlow verdict after working on a numpy exercise:
                 watch starts on the numpy exercise just before the first
                 TensorFlow one, the learner saves it for `--working` seconds,
                 then saves the TensorFlow exercise (TensorFlow was warmed ahead
                 while the learner worked, or not: this measures it).
Beside each, the same check file and the same content run in a cold
`python -m pytest -p checker.judge.pytest_dlx` process, `--cold` times.

`--verify-all` also times `dlx verify all` on the reference solutions with the
default parallelism and with `--jobs 1`.  Prints medians, p90 and ratios;
asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
from checker.course import progress as state  # noqa: E402
from checker.course.catalog import CHECKS_DIR  # noqa: E402

CATALOG = catalog.load(REPO / "exercises" / "info.toml")


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def line(label: str, values: list[float]) -> float:
    median = statistics.median(values)
    print(f"  {label:<46} median {median:7.3f} s   p90 {p90(values):7.3f} s   (n={len(values)})")
    return median


def save(path: Path, text: str, atomic: bool) -> None:
    """Write like an editor: in place, or a temp file renamed over the original."""
    if atomic:
        temp = path.with_name(f".{path.name}.dlx-bench~")
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    else:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)


class WatchSession:
    """`dlx watch` in a pseudo-terminal on a temporary workspace, read through its event log."""

    def __init__(self, root: Path, exercise: str):
        import pexpect

        self.pexpect = pexpect
        self.root = root
        ws = workspace.init(root)
        state.save(ws.state_dir, state.Progress(current=exercise, welcomed=True))
        self.log = root / "events.jsonl"
        env = dict(os.environ, DLX_EVENT_LOG=str(self.log), NO_COLOR="1", COLUMNS="100", LINES="60")
        self.child = pexpect.spawn(
            sys.executable, ["-m", "checker", "watch"], cwd=str(root), env=env, encoding="utf-8", dimensions=(60, 100)
        )
        self.seen = 0

    def events(self) -> list[dict]:
        try:
            text = self.log.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [json.loads(row) for row in text.splitlines() if row.strip()]

    def drain(self) -> None:
        try:
            while True:
                self.child.read_nonblocking(1 << 20, timeout=0)
        except (self.pexpect.TIMEOUT, self.pexpect.EOF):
            pass

    def next_shown_verdict(self, exercise: str, timeout: float = 120.0) -> tuple[dict, dict]:
        """The next verdict for `exercise` and the redraw that showed it."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.drain()
            events = self.events()
            for index in range(self.seen, len(events)):
                event = events[index]
                if event["event"] == "verdict" and event["exercise"] == exercise:
                    shown = next((e for e in events[index + 1:] if e["event"] == "redraw"), None)
                    if shown is not None:
                        self.seen = events.index(shown) + 1
                        return event, shown
            time.sleep(0.005)
        raise TimeoutError(f"no verdict for {exercise} within {timeout} s; last events: {self.events()[-5:]}")

    def spare_ready(self, timeout: float = 120.0) -> None:
        """Wait until watch has re-warmed its spare worker (as it does while a learner types)."""
        events = self.events()
        spare = next((e for e in reversed(events) if e["event"] == "spare"), None)
        if spare is not None:
            deadline = time.time() + timeout
            while time.time() < deadline and not _worker_waiting(spare["pid"]):
                self.drain()
                time.sleep(0.02)

    def quit(self) -> None:
        self.child.send("q")
        try:
            self.child.expect(self.pexpect.EOF, timeout=20)
        finally:
            self.child.close(force=True)


def _worker_waiting(pid: int) -> bool:
    """A warm worker blocks reading its job (a pipe, or its socket); its kernel wait channel says so."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        wchan = Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return True  # cannot tell (not Linux): assume warm after the pause below
    return stat.split()[2] == "S" and wchan in ("pipe_read", "pipe_wait", "wait_woken", "do_select", "anon_pipe_read",
                                                   "unix_stream_read_generic", "unix_stream_data_wait")


def watch_latency(name: str, contents: list[str], saves: int, pause: float) -> tuple[list[float], list[float], list[str]]:
    """Save→shown latencies, the checks' own seconds, and the statuses seen."""
    exercise = CATALOG.get(name)
    with tempfile.TemporaryDirectory(prefix="dlx-bench-") as tmp:
        session = WatchSession(Path(tmp) / "ws", name)
        try:
            session.next_shown_verdict(name)  # the first check of the shipped stub
            path = Path(tmp) / "ws" / "exercises" / exercise.file
            latencies, check_seconds, statuses = [], [], []
            for i in range(saves):
                time.sleep(pause)  # the learner types; dlx warms its spare meanwhile
                session.spare_ready()
                save(path, contents[i % len(contents)], atomic=bool(i % 2))
                saved = time.time()
                verdict, shown = session.next_shown_verdict(name)
                latencies.append(shown["t"] - saved)
                check_seconds.append(float(verdict.get("check_seconds") or 0.0))
                statuses.append(verdict["status"])
            return latencies, check_seconds, statuses
        finally:
            session.quit()


def cold_pytest(name: str, content: str, repeat: int) -> list[float]:
    """A cold `python -m pytest` of the same check file on the same content."""
    exercise = CATALOG.get(name)
    times = []
    with tempfile.TemporaryDirectory(prefix="dlx-cold-") as tmp:
        target = Path(tmp) / Path(exercise.file).name
        target.write_text(content, encoding="utf-8")
        command = [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "checker.judge.pytest_dlx",
            "--dlx-target", str(target), str(CHECKS_DIR / exercise.check_path),
        ]
        for _ in range(repeat):
            started = time.perf_counter()
            subprocess.run(command, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - started)
    return times


def solution_text(name: str) -> str:
    return (REPO / "solutions" / CATALOG.get(name).file).read_text(encoding="utf-8")


def run_case(title: str, name: str, contents: list[str], saves: int, cold: int, pause: float, subtract_checks: bool) -> None:
    print(f"\n{title}: exercise `{name}`, {saves} saves (in place and by rename, alternating)")
    latencies, check_seconds, statuses = watch_latency(name, contents, saves, pause)
    print(f"  statuses: {', '.join(sorted(set(statuses)))}")
    watch = line("dlx watch: save → verdict shown", latencies)
    if subtract_checks:
        line("  of which the checks' own run time", check_seconds)
        line("dlx overhead (latency − checks' run time)", [a - b for a, b in zip(latencies, check_seconds)])
    cold_times = cold_pytest(name, contents[0], cold)
    cold_median = line("cold python -m pytest, same check and content", cold_times)
    print(f"  ratio cold pytest / dlx watch: {cold_median / watch:5.1f}×")


def first_tensorflow(working: float, pause: float, repeat: int) -> None:
    tensorflow = next((e for e in CATALOG.exercises if e.tensorflow), None)
    if tensorflow is None:
        print("\nfirst-tf: no TensorFlow exercise in the catalog; skipped")
        return
    before = CATALOG.exercises[CATALOG.index(tensorflow.name) - 1]
    print(f"\nfirst TensorFlow verdict: `{before.name}` (numpy) for {working:.0f} s of saves, then `{tensorflow.name}`")
    latencies, check_seconds = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="dlx-bench-") as tmp:
            session = WatchSession(Path(tmp) / "ws", before.name)
            try:
                session.next_shown_verdict(before.name)
                numpy_path = Path(tmp) / "ws" / "exercises" / before.file
                started = time.time()
                count = 0
                while time.time() - started < working:
                    time.sleep(pause)
                    save(numpy_path, solution_text(before.name) + "\n" * (count % 2), atomic=bool(count % 2))
                    session.next_shown_verdict(before.name)
                    count += 1
                save(Path(tmp) / "ws" / "exercises" / tensorflow.file, solution_text(tensorflow.name), atomic=True)
                saved = time.time()
                verdict, shown = session.next_shown_verdict(tensorflow.name, timeout=300)
                latencies.append(shown["t"] - saved)
                check_seconds.append(float(verdict.get("check_seconds") or 0.0))
                print(f"  status {verdict['status']}, {count} numpy saves before it")
            finally:
                session.quit()
    line("save → first TensorFlow verdict shown", latencies)
    line("  of which the checks' own run time", check_seconds)


def verify_all(repeat: int) -> None:
    print("\ndlx verify all on the reference solutions")
    with tempfile.TemporaryDirectory(prefix="dlx-verify-") as tmp:
        root = Path(tmp) / "ws"
        workspace.init(root)
        shutil.rmtree(root / "exercises")
        shutil.copytree(REPO / "solutions", root / "exercises")
        shutil.copy(REPO / "exercises" / "info.toml", root / "exercises" / "info.toml")
        results = {}
        for label, extra in (("--jobs 1 (one by one)", ["--jobs", "1"]), ("default parallelism", [])):
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "checker", "verify", "all", *extra],
                    cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ, NO_COLOR="1"),
                )
                times.append(time.perf_counter() - started)
            results[label] = line(f"verify all, {label}", times)
            if done.returncode != 0:
                print("  (not every exercise passed:)\n" + "\n".join(done.stdout.splitlines()[-8:]))
        print(f"  speed-up: {results['--jobs 1 (one by one)'] / results['default parallelism']:4.2f}× on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--cold", type=int, default=5, help="cold pytest runs per case")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between saves (the learner typing)")
    parser.add_argument("--tf-exercise", default="gradient_tape")
    parser.add_argument("--verify-all", action="store_true")
    parser.add_argument("--working", type=float, default=45.0, help="first-tf: seconds spent on the numpy exercise")
    parser.add_argument("--only", choices=("numpy", "tensorflow", "syntax", "first-tf"), action="append")
    args = parser.parse_args()
    cases = args.only or ["numpy", "tensorflow", "syntax", "first-tf"]
    print(f"feedback latency on {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    mse = solution_text("mse")
    wrong = mse.replace("np.mean(residuals**2)", "np.sum(residuals**2)")
    assert wrong != mse, "the mse solution changed: update the benchmark's mutation"
    if "numpy" in cases:
        run_case("numpy", "mse", [mse, wrong], args.saves, args.cold * 2, args.pause, False)
    if "tensorflow" in cases:
        if CATALOG.get(args.tf_exercise) is None:
            print(f"\ntensorflow: no exercise `{args.tf_exercise}` in the catalog; skipped")
        else:
            text = solution_text(args.tf_exercise)
            run_case("tensorflow", args.tf_exercise, [text, text + "\n# saved again\n"], args.saves, args.cold, args.pause, True)
    if "syntax" in cases:
        broken = re.sub(r"\)\s*$", "", mse.rstrip(), count=1) + "\n    return (\n"
        run_case("syntax error", "mse", [broken, broken + "\n# saved again\n"], args.saves, args.cold * 2, args.pause, False)
    if "first-tf" in cases:
        first_tensorflow(args.working, args.pause * 3, 1)
    if args.verify_all:
        verify_all(1)


if __name__ == "__main__":
    main()
