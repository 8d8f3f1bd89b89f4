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

import difflib
import os
import queue
import signal
import threading
import time

from checker.course.catalog import Exercise
from checker.course.course import Course, default_jobs
from checker.course.progress import Progress
from checker.course import workspace as ws
from checker.course.workspace import WorkspaceError
from checker.engine import supervisor
from checker.engine.records import Status
from checker.engine.verdict import Verdict
from checker.ui import console as ui_console
from checker.ui import screens, tables, training, verdicts
from checker.watch.events import (
    AllChecked, EventLog, KeyPressed, OneChecked, PicturesReady, Progressed, Resized, Saved, Tick, VerdictReady,
)
from checker.watch.keys import KeyReader
from checker.watch.observer import start_observer
from checker.watch.spare import Spare
from checker.watch.view import View

DEBOUNCE_QUIET = 0.05  # run once saves have been quiet this long...
DEBOUNCE_MAX = 0.10  # ...or this long after the first save, whichever comes first
ALL_RUNS = -1  # the run number of a check-all's progress events
PROGRESS_REDRAW = 0.5  # seconds between two redraws for a training check's progress (the judge sends up to 4/s)


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
    def __init__(self, course: Course, force_poll: bool = False, console=None, edit_cmd: str | None = None):
        self.course = course
        self.edit_cmd = edit_cmd
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
        self.run_progress = None  # the latest Progress record of the running check (a training check's epochs)
        self._progress_drawn = 0.0
        self.spare = Spare(course, lambda process: self.log.write("spare", pid=process.pid))
        self.checking_all = False
        self.all_results: list[tuple[Exercise, Verdict]] = []
        self.all_counts = (0, 0, 0)  # done, total, passed of a check-all in flight
        self.all_progress: tuple[str, object] | None = None  # (exercise, Progress) of the training check it runs
        self.sticky: list[str] = []  # notices kept on screen until the learner's next action
        self.own_write: str | None = None  # the exercise dlx itself just rewrote (a reset): its save is no action
        self.list_selected = 0
        self.list_filter = ""
        self.filtering = False
        self.waiting_for = ""  # what the running check waits for before it starts (TensorFlow's import)
        self.quitting = False
        self.show_welcome = False
        self._stopping = threading.Event()
        self.pictures: dict[str, object] = {}  # exercise → (Pictures, png), or a str: "drawing" or why it failed
        self.last_run: dict[str, int] = {}  # exercise → the id of its newest run

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
        winch = getattr(signal, "SIGWINCH", None)
        if winch is not None:
            try:
                previous_handlers[winch] = signal.signal(winch, lambda signum, frame: self.events.put(Resized()))
            except ValueError:  # not the main thread
                pass
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
        from checker.engine import pictures

        pictures.kill_all()  # a drawing of the learner's code in flight

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
            case OneChecked(exercise, verdict):
                if self.all_progress and self.all_progress[0] == exercise.name:
                    self.all_progress = None
                done, total, passed = self.all_counts
                self.all_counts = (done + 1, total, passed + verdict.passed)
                self.log.write("checked_one", exercise=exercise.name, status=verdict.status, done=done + 1, total=total)
                self.redraw()
            case PicturesReady(run, exercise, pictures, error):
                self._on_pictures(run, exercise, pictures, error)
            case Progressed(run, record):
                self._on_progress(run, record)
            case Resized():
                self.redraw()
            case Tick(run):
                if self.running and self.running[0] == run and self.view is not View.LIST:
                    self.redraw()

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
        if ready != [self.own_write]:  # the learner saved: a notice kept "until the next action" goes
            self.sticky = []
        self.own_write = None
        exercise = self.catalog.get(ready[-1])
        if exercise.name != self.current.name:
            self._set_current(exercise)
        if self.view in (View.LIST, View.ALL_RESULTS, View.FINISHED, View.SOLUTION, View.HELP):
            self.view = View.VERDICT
        self._start_run(exercise)

    # ------------------------------------------------------------------ runs
    def _start_run(self, exercise: Exercise) -> None:
        if self.running:
            self.running[2].cancel()
        self.run_id += 1
        run_id, process = self.run_id, self.spare.take(exercise)
        self.running = (run_id, exercise, process)
        self.last_run[exercise.name] = run_id  # pictures of an older run of it are stale from now on
        self.run_progress = None
        self.run_started = time.monotonic()
        try:
            self.run_content = (run_id, ws.read_source(self.course.path(exercise)))  # what this run checks, for the history
        except OSError:
            self.run_content = (run_id, None)
        cold = "tensorflow" in process.preload and not process.ready
        self.waiting_for = "starting TensorFlow, first time only" if cold else ""
        self.log.write("run_start", exercise=exercise.name, run=run_id, pid=process.pid, cold=cold)

        def tick() -> None:  # a waiting line that counts the seconds, so a long wait never looks stuck
            while self.running and self.running[0] == run_id and not self._stopping.is_set():
                time.sleep(1.0)
                # `ready` would wait on the lock the running check holds while it waits for the judge; the flag it
                # sets is enough to stop saying "starting TensorFlow"
                if self.waiting_for and getattr(process, "_ready", False):
                    self.waiting_for = ""
                self.events.put(Tick(run_id))

        threading.Thread(target=tick, daemon=True, name=f"tick-{run_id}").start()

        def work() -> None:
            try:
                result = self.course.check(exercise, process=process,
                                           on_progress=lambda record: self.events.put(Progressed(run_id, record)))
            except Exception as exc:  # noqa: BLE001 - never let the runner thread die silently
                result = Verdict(exercise.name, Status.CRASHED, message=f"dlx could not run the checks: {exc}")
            self.events.put(VerdictReady(run_id, exercise, result))

        threading.Thread(target=work, daemon=True, name=f"check-{exercise.name}").start()
        self.redraw()

    def _on_progress(self, run_id: int, record) -> None:
        if run_id == ALL_RUNS:  # a training check of a check-all (`c`): (exercise, record)
            if self.checking_all:
                self.all_progress = record
                self._redraw_for_progress()
            return
        if self.running is None or self.running[0] != run_id:
            return  # a cancelled run's last words
        self.run_progress = record
        self.log.write("progress", exercise=self.running[1].name, run=run_id, check=record.name, step=record.step,
                       total=record.total, label=record.label, figures=record.figures,
                       remaining=record.remaining)
        self._redraw_for_progress()

    def _redraw_for_progress(self) -> None:
        now = time.monotonic()
        if now - self._progress_drawn >= PROGRESS_REDRAW and self.view is not View.LIST:
            self._progress_drawn = now
            self.redraw()

    def _on_verdict(self, run_id: int, exercise: Exercise, result: Verdict) -> None:
        if self.running is None or self.running[0] != run_id:
            return  # superseded by a newer save
        self.running = None
        self.verdicts[exercise.name] = result
        content = self.run_content[1] if getattr(self, "run_content", (None,))[0] == run_id else None
        if content is not None and result.status not in (Status.CANCELLED, Status.MISSING):
            try:
                ws.record_save(self.course.workspace, exercise, content, result.status)
            except OSError:
                pass  # the history is a convenience: never stop the loop for it
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
        self.pictures.pop(exercise.name, None)
        if result.passed:
            self._draw_pictures(run_id, exercise)
        if result.passed and self.course.all_done(self.progress):
            self.view = View.FINISHED
        self.redraw()

    # ------------------------------------------------------------------ pictures
    def _draw_pictures(self, run_id: int, exercise: Exercise) -> None:
        """An exercise with pictures passed: run the learner's code once more in its own process to draw them."""
        from checker.engine.pictures import PicturesFailed, has_pictures, make_pictures

        if not has_pictures(exercise.name):
            return
        self.pictures[exercise.name] = "drawing"
        target = self.course.workspace.path_of(exercise)

        def work() -> None:
            stale = lambda: self._stopping.is_set() or self.last_run.get(exercise.name, run_id) != run_id  # noqa: E731
            try:
                self.events.put(PicturesReady(run_id, exercise, make_pictures(target, exercise.name, should_stop=stale), None))
            except PicturesFailed as exc:
                self.events.put(PicturesReady(run_id, exercise, None, str(exc)))

        threading.Thread(target=work, daemon=True, name=f"pictures-{exercise.name}").start()

    def _on_pictures(self, run_id: int, exercise: Exercise, pictures, error: str | None) -> None:
        if self.last_run.get(exercise.name) != run_id or self.pictures.get(exercise.name) != "drawing":
            return  # a newer save of the exercise: these pictures are of an older version
        if pictures is None:
            self.pictures[exercise.name] = f"The pictures could not be drawn: {error}"
            self.log.write("pictures", exercise=exercise.name, drawn=False)
        else:
            from checker.ui import images

            png = self.course.workspace.state_dir / "pictures" / f"{exercise.name}.png"
            images.save_png(images.canvas(pictures.rows), png)
            self.pictures[exercise.name] = (pictures, png)
            self.log.write("pictures", exercise=exercise.name, drawn=True, png=str(png))
        self.redraw()

    def _check_all(self, start: int = 0) -> None:
        if self.checking_all:
            return
        self.checking_all = True
        chosen = self.catalog.exercises[start:]
        self.all_counts = (0, len(chosen), 0)
        self.redraw()

        def work() -> None:
            results = self.course.check_many(
                chosen,
                default_jobs(),
                should_stop=self._stopping.is_set,
                on_done=lambda exercise, verdict: self.events.put(OneChecked(exercise, verdict)),
                on_progress=lambda exercise, record: self.events.put(Progressed(ALL_RUNS, (exercise.name, record))),
            )
            self.events.put(AllChecked(results))

        threading.Thread(target=work, daemon=True, name="check-all").start()

    def _on_all_checked(self, results: list[tuple[Exercise, Verdict]]) -> None:
        self.checking_all = False
        self.all_progress = None
        self.all_counts = (0, 0, 0)
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
        if len(key) == 1:
            key = key.lower() if not self.filtering else key
        self.log.write("key", key=key)
        self.show_welcome = False  # the learner has found the keys
        self.sticky = []  # a notice kept "until the next action" goes now
        if self.view in (View.CONFIRM_RESET, View.CONFIRM_LIST_RESET):
            listed = self.view is View.CONFIRM_LIST_RESET
            self.view = View.LIST if listed else View.VERDICT
            target = self._selected() if listed else self.current
            if key == "y" and target is not None:
                self._reset(target)
            else:
                self.notices.append("Reset cancelled.")
            self.redraw()
            return
        if self.view is View.LIST:
            self._on_list_key(key)
            return
        if self.view is View.HELP:
            self.view = View.VERDICT
            if key not in ("q",):
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
            self._open_list()
        elif key == "r":
            if self.view is not View.HINTS:
                self.view = View.VERDICT
            self._start_run(self.current)
        elif key == "c":
            if self.view is View.SOLUTION:
                self.view = View.VERDICT
            self._check_all()
        elif key == "x":
            self.view = View.CONFIRM_RESET
            self.redraw()
        elif key == "?":
            self.view = View.HELP
            self.redraw()
        elif key == "s":
            self._show_solution()
        elif key in ("escape", "enter") and self.view is not View.VERDICT:
            self.view = View.VERDICT
            self.redraw()

    # ------------------------------------------------------------------ the list
    def _listed(self) -> list[Exercise]:
        words = self.list_filter.lower()
        return [e for e in self.catalog.exercises if not words or words in f"{e.name} {e.title} {e.file} week{e.week}".lower()]

    def _selected(self) -> Exercise | None:
        listed = self._listed()
        return listed[min(self.list_selected, len(listed) - 1)] if listed else None

    def _open_list(self) -> None:
        self.view = View.LIST
        self.list_filter = ""
        self.filtering = False
        self.list_selected = self.catalog.index(self.current.name)
        self.redraw()

    def _on_list_key(self, key: str) -> None:
        listed = self._listed()
        if self.filtering:
            if key in ("enter", "escape"):
                self.filtering = False
                if key == "escape":
                    self.list_filter = ""
            elif key == "backspace":
                self.list_filter = self.list_filter[:-1]
            elif len(key) == 1:
                self.list_filter += key
            self.list_selected = min(self.list_selected, max(0, len(self._listed()) - 1))
            self.redraw()
            return
        page = max(1, self._list_rows() - 2)
        moves = {"up": -1, "k": -1, "down": 1, "j": 1, "pageup": -page, "pagedown": page}
        if key in moves:
            self.list_selected = max(0, min(len(listed) - 1, self.list_selected + moves[key]))
        elif key in ("home", "g"):
            self.list_selected = 0
        elif key == "end":
            self.list_selected = max(0, len(listed) - 1)
        elif key == "/":
            self.filtering = True
        elif key == "enter":
            chosen = self._selected()
            if chosen is not None:
                self.view = View.VERDICT
                if chosen.name != self.current.name:
                    self._set_current(chosen)
                    self._open_in_editor(chosen)
                    self._start_run(chosen)
                    return
        elif key == "r":
            if self._selected() is not None:
                self.view = View.CONFIRM_LIST_RESET
        elif key == "c":
            chosen = self._selected()
            self.view = View.VERDICT
            self._check_all(self.catalog.index(chosen.name) if chosen else 0)
            return
        elif key in ("l", "escape"):
            self.view = View.VERDICT
        elif key == "q":
            self.quitting = True
            return
        elif key == "?":
            self.view = View.HELP
        self.redraw()

    def _list_rows(self) -> int:
        """Lines the list may take: the terminal's height less the title, bars, where-line and keys."""
        return max(3, self.console.height - 8)

    # ------------------------------------------------------------------ moving, resetting, solutions
    def _next(self) -> None:
        result = self.verdicts.get(self.current.name)
        if not (result and result.passed):
            self.notices.append("`n` moves on once this exercise passes: make the checks pass first.")
            self.redraw()
            return
        following = self.course.next_pending(self.progress, after=None)  # the first one not done, from the start
        if following is None:
            self.view = View.FINISHED
            self.redraw()
            return
        immediate = self.catalog.exercises[self.catalog.index(self.current.name) + 1 :][:1]
        if not immediate or immediate[0].name != following.name:
            self.sticky.append(f"Moved to {following.name} ({self.course.display(following)}): the first exercise not done yet.")
        self._set_current(following)
        self._open_in_editor(following)
        self.view = View.VERDICT
        self._start_run(following)

    def _set_current(self, exercise: Exercise) -> None:
        self.current = exercise
        self._update_progress(lambda p: setattr(p, "current", exercise.name))
        self.spare.warm(exercise)  # the next exercise may need other modules (TensorFlow, or not)

    def _open_in_editor(self, exercise: Exercise) -> None:
        """Run `--edit-cmd` on the exercise the learner moved to, at its first TODO ({file}, {line})."""
        if not self.edit_cmd:
            return
        import shlex
        import subprocess

        path, line = str(self.course.path(exercise)), self.course.todo_line(exercise) or 1
        words = [w.replace("{file}", path).replace("{line}", str(line)) for w in shlex.split(self.edit_cmd)]
        if not any("{file}" in w for w in shlex.split(self.edit_cmd)):
            words.append(path)
        try:
            subprocess.Popen(words, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
            self.log.write("edit", exercise=exercise.name, command=words)
        except OSError as exc:
            self.notices.append(f"--edit-cmd could not start ({exc.strerror or exc}).")

    def _reset_current(self) -> None:
        self._reset(self.current)

    def _reset(self, exercise: Exercise) -> None:
        try:
            backup = self.course.workspace.reset(exercise)
        except (WorkspaceError, OSError) as exc:
            self.notices.append(f"Reset failed: {exc}")
            self.redraw()
            return
        name = exercise.name
        self.own_write = name
        self.verdicts.pop(name, None)
        self._update_progress(lambda p: p.forget(name))
        if backup:
            self.sticky.append(f"Reset {self.course.display(exercise)}; your version is in {backup}")
        else:
            self.sticky.append(f"Reset {self.course.display(exercise)} (it was the untouched stub: nothing to back up).")
        # The watcher sees the rewrite and re-runs the checks.

    def _show_solution(self) -> None:
        result = self.verdicts.get(self.current.name)
        if not (result and result.passed):
            self.notices.append("The reference solution is shown once your version passes.")
            self.redraw()
            return
        self.view = View.SOLUTION
        self.redraw()

    def _solution_diff(self) -> list[str]:
        exercise = self.current
        try:
            mine = self.course.path(exercise).read_text(encoding="utf-8", errors="replace").splitlines()
            reference = (self.course.workspace.solutions_dir / exercise.file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            return [f"(no reference solution to show: {exc.strerror or exc})"]
        return [
            line.rstrip("\n")
            for line in difflib.unified_diff(mine, reference, "yours", "reference", n=2, lineterm="")
        ][2:]

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
        width = console.width
        console.clear()
        parts: list = [ui_console.message(ui_console.cut(self.catalog.title, width), "bold")]
        if self.show_welcome and self.catalog.welcome and self.view is not View.LIST:
            parts.append(screens.text_panel(self.catalog.welcome.strip(), "Welcome", "cyan"))
        exercise = self.current
        result = self.verdicts.get(exercise.name)
        path = self.course.display(exercise)
        todo = self.course.todo_line(exercise)
        line = todo or (result.line if result else None)  # the first TODO; else where it failed
        listing = self.view in (View.LIST, View.CONFIRM_LIST_RESET)
        if listing:
            rows = self._list_rows() - len(self.sticky) - len(self.notices) - (1 if self.checking_all else 0)
            listed = self._listed()
            self.list_selected = max(0, min(self.list_selected, len(listed) - 1))
            parts.append(
                tables.exercise_lines(listed, self.progress, exercise.name, self.list_selected, rows, width, self.list_filter)
            )
        elif self.view is View.ALL_RESULTS:
            parts.append(tables.results_fit(self.all_results, max(3, console.height - 10), width))
        elif self.view is View.HELP:
            parts.append(screens.help_panel())
        elif self.view is View.SOLUTION:
            diff = self._solution_diff()
            room = max(3, console.height - 10)
            if len(diff) > room:
                diff = diff[: room - 1] + [f"… {len(diff) - room + 1} more lines: the reference is {self.course.workspace.solutions_dir / exercise.file}"]
            parts.append(screens.solution_panel(diff, f"{exercise.name}: your version (-) against the reference solution (+)"))
        if self.view not in (View.LIST, View.CONFIRM_LIST_RESET, View.HELP, View.SOLUTION, View.ALL_RESULTS):
            if result is not None:
                parts.append(verdicts.verdict_panel(exercise, result, width=width))
            if self.view is View.VERDICT and exercise.name in self.pictures:
                parts.append(self._pictures_part(exercise, width))
            if self.running and self.running[1].name == exercise.name:
                seconds = time.monotonic() - getattr(self, "run_started", time.monotonic())
                parts.append(verdicts.running_line(exercise, self.waiting_for, seconds))
                if self.run_progress is not None:
                    parts.append(training.progress_block(self.run_progress, width))
        if self.view is View.FINISHED:
            parts.append(screens.text_panel(self.catalog.finished.strip() or "You finished the course!", "Done", "green"))
        if self.view is View.HINTS:
            shown = self.progress.hints_seen.get(exercise.name, 0)
            parts.append(screens.hints_panel(exercise, shown))
        if self.checking_all:
            done, total, passed = self.all_counts
            parts.append(ui_console.message(f"Checking every exercise: {done}/{total} done, {passed} pass so far…", "cyan"))
            if self.all_progress is not None:
                name, record = self.all_progress
                parts.append(ui_console.message(f"  {name}", "bold cyan"))
                parts.append(training.progress_block(record, width, indent=4))
        parts.append(tables.progress_block(self.catalog, self.progress, exercise.week))
        if self.watch_notice:
            parts.append(ui_console.message(self.watch_notice, "yellow"))
        for notice in self.sticky + self.notices:
            parts.append(ui_console.message(notice, "yellow"))
        self.notices = []
        if self.view is View.CONFIRM_RESET:
            tail = ui_console.message(self._reset_question(exercise), "bold yellow")
        elif self.view is View.CONFIRM_LIST_RESET:
            selected = self._selected()
            tail = ui_console.message(self._reset_question(selected) if selected else "", "bold yellow")
        elif listing:
            tail = ui_console.message(f"filter: {self.list_filter}▏  (Enter keeps it, Esc clears it)", "bold") if self.filtering else screens.list_keys_line(width)
        else:
            tail = screens.keys_line(bool(result and result.passed), width, solution=True)
        console.print(ui_console.group(*parts))
        link = console.is_terminal and not os.environ.get("NO_COLOR")
        console.print(verdicts.where_line(path, line, exercise.title, width=width, link=link), soft_wrap=True)
        console.print(tail)
        self.log.write("redraw", view=self.view.value, exercise=exercise.name, status=result.status if result else None)

    def _pictures_part(self, exercise: Exercise, width: int):
        shown = self.pictures[exercise.name]
        if shown == "drawing":
            return ui_console.message(f"Drawing what your {exercise.name} makes (running your code once more)…", "cyan")
        if isinstance(shown, str):
            return ui_console.message(ui_console.sanitize(shown)[-600:], "yellow")
        from checker.ui import images

        pictures, png = shown
        room = max(8, self.console.height - 16)  # lines left beside the verdict, the progress and the keys
        return images.fitted(pictures.rows, width, room, f"{pictures.caption} (saved as {png})", aligned=pictures.aligned)

    def _reset_question(self, exercise: Exercise) -> str:
        path = self.course.display(exercise)
        state = self.course.workspace.reset_state(exercise)
        if state == "missing":
            return f"{path} is missing: restore the original stub? [y/N]"
        if state == "untouched":
            return f"{path} is the untouched stub already: reset it anyway? [y/N]"
        return f"Reset {path} to the original stub? Your version is backed up first. [y/N]"
