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

import os
import queue
import signal
import threading
import time

from checker.course.catalog import Exercise
from checker.course.course import Course, default_jobs
from checker.course.progress import Progress
from checker.course.workspace import WorkspaceError
from checker.engine import supervisor
from checker.engine.records import Status
from checker.engine.verdict import Verdict
from checker.ui import console as ui_console
from checker.ui import screens, tables, verdicts
from checker.watch.events import AllChecked, EventLog, KeyPressed, Saved, VerdictReady
from checker.watch.keys import KeyReader
from checker.watch.observer import start_observer
from checker.watch.spare import Spare
from checker.watch.view import View

DEBOUNCE_QUIET = 0.05  # run once saves have been quiet this long...
DEBOUNCE_MAX = 0.10  # ...or this long after the first save, whichever comes first


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


class WatchApp:
    def __init__(self, course: Course, force_poll: bool = False, console=None):
        self.course = course
        self.catalog = course.catalog
        self.force_poll = force_poll
        self.console = console or ui_console.make_console()
        self.events: queue.Queue = queue.Queue()
        self.log = EventLog(os.environ.get("DLX_EVENT_LOG"))
        self.progress: Progress = course.progress()
        self.current: Exercise = course.current(self.progress)
        self.verdicts: dict[str, Verdict] = {}
        self.view = View.VERDICT
        self.notices: list[str] = []
        self.watch_notice = ""
        self.pending: dict[str, tuple[float, float]] = {}  # exercise -> (first, last) save time
        self.run_id = 0
        self.running: tuple[int, Exercise, supervisor.CheckProcess] | None = None
        self.spare = Spare(course, lambda process: self.log.write("spare", pid=process.pid))
        self.checking_all = False
        self.all_results: list[tuple[Exercise, Verdict]] = []
        self.quitting = False
        self.show_welcome = False
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ lifecycle
    def run(self) -> None:
        self.spare.warm(self.current)
        observer, self.watch_notice = start_observer(
            self.course.workspace.exercises_dir, lambda p: self.events.put(Saved(p, time.monotonic())), self.force_poll
        )
        keys = KeyReader(lambda key: self.events.put(KeyPressed(key)))
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
            self.console.print(ui_console.message("Bye! Your progress is saved; `dlx watch` takes you back here.", "dim"))

    def _stop_processes(self) -> None:
        self._stopping.set()  # a check-all in flight starts no new process
        if self.running:
            self.running[2].cancel()
            self.running = None
        self.spare.kill()
        supervisor.kill_all()

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
    def _handle(self, event) -> None:
        match event:
            case Saved(path, when):
                exercise = self.course.exercise_for(path)
                if exercise is not None:
                    first, _ = self.pending.get(exercise.name, (when, when))
                    self.pending[exercise.name] = (first, when)
                    self.log.write("save_seen", exercise=exercise.name)
            case KeyPressed(key):
                self._on_key(key)
            case VerdictReady(run, exercise, verdict):
                self._on_verdict(run, exercise, verdict)
            case AllChecked(results):
                self._on_all_checked(results)

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
        if self.view in (View.LIST, View.ALL_RESULTS, View.FINISHED):
            self.view = View.VERDICT
        self._start_run(exercise)

    # ------------------------------------------------------------------ runs
    def _start_run(self, exercise: Exercise) -> None:
        if self.running:
            self.running[2].cancel()
        self.run_id += 1
        run_id, process = self.run_id, self.spare.take(exercise)
        self.running = (run_id, exercise, process)
        self.log.write("run_start", exercise=exercise.name, run=run_id, pid=process.pid)

        def work() -> None:
            try:
                result = self.course.check(exercise, process=process)
            except Exception as exc:  # noqa: BLE001 - never let the runner thread die silently
                result = Verdict(exercise.name, Status.CRASHED, message=f"dlx could not run the checks: {exc}")
            self.events.put(VerdictReady(run_id, exercise, result))

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
        self.spare.warm(self.current)  # warm while the learner types
        if result.passed and self.course.all_done(self.progress):
            self.view = View.FINISHED
        self.redraw()

    def _check_all(self) -> None:
        if self.checking_all:
            return
        self.checking_all = True
        self.notices.append("Checking every exercise…")
        self.redraw()

        def work() -> None:
            results = self.course.check_many(self.catalog.exercises, default_jobs(), should_stop=self._stopping.is_set)
            self.events.put(AllChecked(results))

        threading.Thread(target=work, daemon=True, name="check-all").start()

    def _on_all_checked(self, results: list[tuple[Exercise, Verdict]]) -> None:
        self.checking_all = False
        self.all_results = results
        for exercise, result in results:
            self.verdicts[exercise.name] = result
        self._update_progress(lambda progress: progress.record_results(results))
        self.view = View.FINISHED if self.course.all_done(self.progress) else View.ALL_RESULTS
        self.log.write("all_checked", passed=sum(r.passed for _, r in results), total=len(results))
        self.redraw()

    # ------------------------------------------------------------------ keys
    def _on_key(self, key: str | None) -> None:
        if key is None:  # the terminal closed
            return
        key = key.lower()
        self.log.write("key", key=key)
        self.show_welcome = False  # the learner has found the keys
        if self.view is View.CONFIRM_RESET:
            self.view = View.VERDICT
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
            self.view = View.HINTS
            self.redraw()
        elif key == "l":
            self.view = View.VERDICT if self.view is View.LIST else View.LIST
            self.redraw()
        elif key == "r":
            if self.view is not View.HINTS:
                self.view = View.VERDICT
            self._start_run(self.current)
        elif key == "c":
            self._check_all()
        elif key == "x":
            self.view = View.CONFIRM_RESET
            self.redraw()

    def _next(self) -> None:
        result = self.verdicts.get(self.current.name)
        if not (result and result.passed):
            self.notices.append("`n` moves on once this exercise passes: make the checks pass first.")
            self.redraw()
            return
        following = self.course.next_pending(self.progress, after=self.current)
        if following is None:
            self.view = View.FINISHED
            self.redraw()
            return
        self._set_current(following)
        self.view = View.VERDICT
        self._start_run(following)

    def _set_current(self, exercise: Exercise) -> None:
        self.current = exercise
        self._update_progress(lambda p: setattr(p, "current", exercise.name))
        if self.spare.process is not None:
            self.spare.warm(exercise)  # the next exercise may need other modules (TensorFlow, or not)

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
        parts: list = [ui_console.message(self.catalog.title, "bold")]
        if self.show_welcome and self.catalog.welcome:
            parts.append(screens.text_panel(self.catalog.welcome.strip(), "Welcome", "cyan"))
        exercise = self.current
        result = self.verdicts.get(exercise.name)
        path = self.course.display(exercise)
        todo = self.course.todo_line(exercise)
        line = todo or (result.line if result else None)  # the first TODO; else where it failed
        if self.view is View.LIST:
            parts.append(tables.exercise_table(self.catalog, self.progress, exercise.name, console.width))
        elif self.view is View.ALL_RESULTS:
            parts.append(tables.verify_table(self.all_results, title="All exercises"))
        if self.view is not View.LIST:
            if result is not None:
                parts.append(verdicts.verdict_panel(exercise, result))
            if self.running and self.running[1].name == exercise.name:
                parts.append(verdicts.running_line(exercise))
        if self.view is View.FINISHED:
            parts.append(screens.text_panel(self.catalog.finished.strip() or "You finished the course!", "Done", "green"))
        if self.view is View.HINTS:
            shown = self.progress.hints_seen.get(exercise.name, 0)
            parts.append(screens.hints_panel(exercise, shown))
        parts.append(tables.progress_block(self.catalog, self.progress, exercise.week))
        if self.watch_notice:
            parts.append(ui_console.message(self.watch_notice, "yellow"))
        for notice in self.notices:
            parts.append(ui_console.message(notice, "yellow"))
        self.notices = []
        if self.view is View.CONFIRM_RESET:
            tail = ui_console.message(f"Reset {path} to the original stub? Your version is backed up first. [y/N]", "bold yellow")
        else:
            tail = screens.keys_line(bool(result and result.passed))
        console.print(ui_console.group(*parts))
        console.print(verdicts.where_line(path, line, exercise.title), soft_wrap=True)
        console.print(tail)
        self.log.write("redraw", view=self.view.value, exercise=exercise.name, status=result.status if result else None)
