"""`dlx watch`: the main loop.

Three kinds of events meet in one queue, consumed by the main thread, which
alone owns the screen and the progress:
  * saves, from a watchdog observer on the exercises folder (debounced);
  * keys, from a thread reading the terminal without line buffering;
  * verdicts, from the thread that waits on a check process.
A save during a check cancels it and starts again, so no save is ever lost.
A warm spare check process waits for the next save, so the learner does not
pay Python's and pytest's start-up on every save.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import threading
import time
from pathlib import Path

from rich.panel import Panel
from rich.text import Text

from checker import render, runner
from checker.catalog import Exercise
from checker.course import Course, default_jobs
from checker.keys import KeyReader
from checker.state import Progress
from checker.verdict import Verdict
from checker.workspace import WorkspaceError

DEBOUNCE_QUIET = 0.05  # run once saves have been quiet this long...
DEBOUNCE_MAX = 0.10  # ...or this long after the first save, whichever comes first
POLL_INTERVAL = 0.3
_WATCHED_EVENTS = {"created", "modified", "moved", "deleted", "closed"}
_IGNORED_SUFFIXES = (".swp", ".swo", ".swx", ".tmp", ".bak", "~", "___jb_tmp___", "___jb_old___", ".orig", ".pyc")


def is_editor_noise(path: str) -> bool:
    """Swap, backup and temp files editors write beside the real one."""
    name = os.path.basename(path)
    return (
        not name
        or name.startswith((".", "#"))
        or name.endswith(_IGNORED_SUFFIXES)
        or name == "4913"  # vim's write-permission probe
        or "__pycache__" in Path(path).parts
    )


def start_observer(folder: Path, on_path, force_poll: bool):
    """Start a watchdog observer on `folder`; fall back to polling if events are unavailable.

    Returns (observer, notice) where notice explains a fallback, or is empty.
    Watching the folder (not single files) sees editors that save by rename or
    by delete-and-create.
    """
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.is_directory or event.event_type not in _WATCHED_EVENTS:
                return
            for path in (getattr(event, "dest_path", ""), event.src_path):
                if path and not is_editor_noise(os.fsdecode(path)):
                    on_path(os.fsdecode(path))

    notice = ""
    if not force_poll:
        observer = Observer()
        try:
            observer.schedule(Handler(), str(folder), recursive=True)
            observer.start()
            return observer, notice
        except OSError as exc:
            notice = f"File-system events are unavailable ({exc}); polling for changes every {POLL_INTERVAL} s instead."
            try:
                observer.stop()
            except Exception:  # noqa: BLE001 - it never started
                pass
    observer = PollingObserver(timeout=POLL_INTERVAL)
    observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()
    return observer, notice or ("Polling for changes (--poll)." if force_poll else "")


def _quit_on_termination() -> dict:
    """Treat SIGTERM / SIGHUP (terminal closed) like Ctrl-C, so the cleanup runs."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            try:
                previous[number] = signal.signal(number, interrupt)
            except ValueError:  # not the main thread
                pass
    return previous


def _restore_handlers(previous: dict) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)


class EventLog:
    """Machine-readable events (DLX_EVENT_LOG=path) for tests and benchmarks."""

    def __init__(self, path: str | None):
        self._handle = open(path, "a", encoding="utf-8", buffering=1) if path else None  # noqa: SIM115

    def write(self, event: str, **fields) -> None:
        if self._handle:
            self._handle.write(json.dumps({"t": time.time(), "event": event, **fields}) + "\n")

    def close(self) -> None:
        if self._handle:
            self._handle.close()


class WatchApp:
    def __init__(self, course: Course, force_poll: bool = False, console=None):
        self.course = course
        self.catalog = course.catalog
        self.force_poll = force_poll
        self.console = console or render.make_console()
        self.events: queue.Queue = queue.Queue()
        self.log = EventLog(os.environ.get("DLX_EVENT_LOG"))
        self.progress: Progress = course.progress()
        self.current: Exercise = course.current(self.progress)
        self.verdicts: dict[str, Verdict] = {}
        self.view = "verdict"  # verdict | hints | list | confirm_reset | all_results | finished
        self.notices: list[str] = []
        self.watch_notice = ""
        self.pending: dict[str, tuple[float, float]] = {}  # exercise -> (first, last) save time
        self.run_id = 0
        self.running: tuple[int, Exercise, runner.CheckProcess] | None = None
        self.spare: runner.CheckProcess | None = None
        self.checking_all = False
        self.all_results: list[tuple[Exercise, Verdict]] = []
        self.quitting = False
        self.show_welcome = False
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ lifecycle
    def run(self) -> None:
        self.spare = self.course.start_process(self.current)
        self.log.write("spare", pid=self.spare.proc.pid)
        observer, self.watch_notice = start_observer(
            self.course.workspace.exercises_dir, lambda p: self.events.put(("save", p, time.monotonic())), self.force_poll
        )
        keys = KeyReader(lambda key: self.events.put(("key", key)))
        welcome = not self.progress.welcomed
        if welcome:
            self._update_progress(lambda p: setattr(p, "welcomed", True))
        self.show_welcome = welcome
        if self.progress.recovered:
            self.notices.append("Your progress file was unreadable and has been rebuilt; `c` re-checks everything.")
        self.log.write("start", exercise=self.current.name)
        previous_handlers = _quit_on_termination()
        try:
            keys.start()
            self._start_run(self.current)
            self._loop()
        except KeyboardInterrupt:
            pass
        finally:
            keys.stop()
            observer.stop()
            self._stop_processes()
            observer.join(timeout=2)
            _restore_handlers(previous_handlers)
            self.log.write("quit")
            self.log.close()
            self.console.print(Text("Bye! Your progress is saved; `dlx watch` takes you back here.", style="dim"))

    def _stop_processes(self) -> None:
        self._stopping.set()  # a check-all in flight starts no new process
        if self.running:
            self.running[2].cancel()
            self.running = None
        if self.spare:
            self.spare.kill()
            self.spare = None
        runner.kill_all()

    def _loop(self) -> None:
        while not self.quitting:
            try:
                event = self.events.get(timeout=self._wait_time())
            except queue.Empty:
                event = None
            if event is not None:
                self._handle(event)
            self._fire_debounced()

    def _wait_time(self) -> float:
        if not self.pending:
            return 0.5  # wake now and then, so Ctrl-C is never stuck behind a blocking get
        now = time.monotonic()
        deadlines = [min(last + DEBOUNCE_QUIET, first + DEBOUNCE_MAX) for first, last in self.pending.values()]
        return max(0.0, min(deadlines) - now)

    # ------------------------------------------------------------------ events
    def _handle(self, event: tuple) -> None:
        kind = event[0]
        if kind == "save":
            exercise = self.course.exercise_for(event[1])
            if exercise is not None:
                first, _ = self.pending.get(exercise.name, (event[2], event[2]))
                self.pending[exercise.name] = (first, event[2])
                self.log.write("save_seen", exercise=exercise.name)
        elif kind == "key":
            self._on_key(event[1])
        elif kind == "verdict":
            self._on_verdict(*event[1:])
        elif kind == "all_checked":
            self._on_all_checked(event[1])

    def _fire_debounced(self) -> None:
        now = time.monotonic()
        ready = [
            name for name, (first, last) in self.pending.items() if now >= min(last + DEBOUNCE_QUIET, first + DEBOUNCE_MAX)
        ]
        if not ready:
            return
        for name in ready:
            del self.pending[name]
        self.show_welcome = False  # the learner has found the file
        exercise = self.catalog.get(ready[-1])
        if exercise.name != self.current.name:
            self._set_current(exercise)
        if self.view in ("list", "all_results", "finished"):
            self.view = "verdict"
        self._start_run(exercise)

    # ------------------------------------------------------------------ runs
    def _take_process(self, exercise: Exercise) -> runner.CheckProcess:
        spare, self.spare = self.spare, None
        if spare is not None and spare.preload == self.course.preload_for(exercise) and spare.proc.poll() is None:
            return spare
        if spare is not None:
            spare.kill()
        return self.course.start_process(exercise)

    def _start_run(self, exercise: Exercise) -> None:
        if self.running:
            self.running[2].cancel()
        self.run_id += 1
        run_id, process = self.run_id, self._take_process(exercise)
        self.running = (run_id, exercise, process)
        self.log.write("run_start", exercise=exercise.name, run=run_id, pid=process.proc.pid)

        def work() -> None:
            try:
                result = self.course.check(exercise, process=process)
            except Exception as exc:  # noqa: BLE001 - never let the runner thread die silently
                result = Verdict(exercise.name, "crashed", message=f"dlx could not run the checks: {exc}")
            self.events.put(("verdict", run_id, exercise, result))

        threading.Thread(target=work, daemon=True, name=f"check-{exercise.name}").start()
        self.redraw()

    def _on_verdict(self, run_id: int, exercise: Exercise, result: Verdict) -> None:
        if self.running is None or self.running[0] != run_id:
            return  # superseded by a newer save
        self.running = None
        self.verdicts[exercise.name] = result
        self._update_progress(lambda p: p.record(exercise.name, result.status))
        self.log.write(
            "verdict",
            exercise=exercise.name,
            status=result.status,
            seconds=result.seconds,
            check_seconds=sum(c.seconds for c in result.checks),  # the checks' own work (training...)
            run=run_id,
        )
        if self.spare is None:
            self.spare = self.course.start_process(self.current)  # warm while the learner types
            self.log.write("spare", pid=self.spare.proc.pid)
        if result.passed and self.course.all_done(self.progress):
            self.view = "finished"
        self.redraw()

    def _check_all(self) -> None:
        if self.checking_all:
            return
        self.checking_all = True
        self.notices.append("Checking every exercise…")
        self.redraw()

        def work() -> None:
            results = self.course.check_many(self.catalog.exercises, default_jobs(), should_stop=self._stopping.is_set)
            self.events.put(("all_checked", results))

        threading.Thread(target=work, daemon=True, name="check-all").start()

    def _on_all_checked(self, results: list[tuple[Exercise, Verdict]]) -> None:
        self.checking_all = False
        self.all_results = results
        for exercise, result in results:
            self.verdicts[exercise.name] = result
        self._update_progress(lambda progress: progress.record_results(results))
        self.view = "finished" if self.course.all_done(self.progress) else "all_results"
        self.log.write("all_checked", passed=sum(r.passed for _, r in results), total=len(results))
        self.redraw()

    # ------------------------------------------------------------------ keys
    def _on_key(self, key: str | None) -> None:
        if key is None:  # the terminal closed
            return
        key = key.lower()
        self.log.write("key", key=key)
        self.show_welcome = False  # the learner has found the keys
        if self.view == "confirm_reset":
            self.view = "verdict"
            if key == "y":
                self._reset_current()
            else:
                self.notices.append("Reset cancelled.")
                self.redraw()
            return
        if key == "q":
            self.quitting = True
        elif key == "n":
            self._next()
        elif key == "h":
            self._update_progress(lambda p: p.next_hint(self.current.name, len(self.current.hints)))
            self.view = "hints"
            self.redraw()
        elif key == "l":
            self.view = "verdict" if self.view == "list" else "list"
            self.redraw()
        elif key == "r":
            if self.view != "hints":
                self.view = "verdict"
            self._start_run(self.current)
        elif key == "c":
            self._check_all()
        elif key == "x":
            self.view = "confirm_reset"
            self.redraw()

    def _next(self) -> None:
        result = self.verdicts.get(self.current.name)
        if not (result and result.passed):
            self.notices.append("`n` moves on once this exercise passes: make the checks pass first.")
            self.redraw()
            return
        following = self.course.next_pending(self.progress, after=self.current)
        if following is None:
            self.view = "finished"
            self.redraw()
            return
        self._set_current(following)
        self.view = "verdict"
        self._start_run(following)

    def _set_current(self, exercise: Exercise) -> None:
        self.current = exercise
        self._update_progress(lambda p: setattr(p, "current", exercise.name))
        if self.spare is not None and self.spare.preload != self.course.preload_for(exercise):
            # The next exercise needs other modules (TensorFlow, or not): warm the right kind now.
            self.spare.kill()
            self.spare = self.course.start_process(exercise)
            self.log.write("spare", pid=self.spare.proc.pid)

    def _reset_current(self) -> None:
        try:
            backup = self.course.workspace.reset(self.current)
        except (WorkspaceError, OSError) as exc:
            self.notices.append(f"Reset failed: {exc}")
            self.redraw()
            return
        name = self.current.name
        self._update_progress(lambda p: p.forget(name))
        self.notices.append(f"Reset {self.course.display(self.current)}" + (f"; your version is in {backup}" if backup else ""))
        # The watcher sees the rewrite and re-runs the checks.

    # ------------------------------------------------------------------ state
    def _update_progress(self, change) -> None:
        try:
            self.progress = self.course.update(change)
        except OSError as exc:
            change(self.progress)  # keep going in memory
            self.notices.append(f"Could not save progress ({exc}); it is kept in memory for now.")

    # ------------------------------------------------------------------ screen
    def redraw(self) -> None:
        console = self.console
        console.clear()
        parts: list = [Text(self.catalog.title, style="bold")]
        if self.show_welcome and self.catalog.welcome:
            parts.append(Panel(Text(self.catalog.welcome.strip()), title="Welcome", title_align="left", border_style="cyan"))
        exercise = self.current
        result = self.verdicts.get(exercise.name)
        path = self.course.display(exercise)
        todo = self.course.todo_line(exercise)
        line = todo or (result.line if result else None)  # the first TODO; else where it failed
        if self.view == "list":
            parts.append(render.exercise_table(self.catalog, self.progress, exercise.name, console.width))
        elif self.view == "all_results":
            parts.append(render.verify_table(self.all_results, title="All exercises"))
        if self.view != "list":
            if result is not None:
                parts.append(render.verdict_panel(exercise, result))
            if self.running and self.running[1].name == exercise.name:
                parts.append(render.running_line(exercise))
        if self.view == "finished":
            parts.append(Panel(Text(self.catalog.finished.strip() or "You finished the course!"), border_style="green", title="Done"))
        if self.view == "hints":
            shown = self.progress.hints_seen.get(exercise.name, 0)
            parts.append(render.hints_panel(exercise, shown))
        parts.append(render.progress_block(self.catalog, self.progress, exercise.week))
        if self.watch_notice:
            parts.append(Text(self.watch_notice, style="yellow"))
        for notice in self.notices:
            parts.append(Text(notice, style="yellow"))
        self.notices = []
        if self.view == "confirm_reset":
            tail = Text(f"Reset {path} to the original stub? Your version is backed up first. [y/N]", style="bold yellow")
        else:
            tail = render.keys_line(bool(result and result.passed))
        console.print(render.group(*parts))
        console.print(render.where_line(path, line, exercise.title), soft_wrap=True)
        console.print(tail)
        self.log.write("redraw", view=self.view, exercise=exercise.name, status=result.status if result else None)
