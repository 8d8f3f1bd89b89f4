"""The learner's commands: watch, run, verify, list, hint, reset, init."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from checker.cli import SELECTOR_HELP, _Context, cli, pass_ctx
from checker.course import workspace as ws
from checker.course.catalog import Exercise


# --------------------------------------------------------------------------- names


def _by_path(course, name: str) -> Exercise | None:
    """The exercise a file path names (`exercises/week1/01_mse.py`, `week1/01_mse.py`, an absolute path)."""
    if "/" not in name and "\\" not in name and not name.endswith(".py"):
        return None
    for candidate in (Path(name), course.workspace.root / name, course.workspace.exercises_dir / name):
        found = course.exercise_for(candidate)
        if found is not None:
            return found
    return next((e for e in course.catalog.exercises if Path(e.file).name == Path(name).name), None)


def _no_match(course, name: str) -> str:
    """Why `name` names nothing, and what would: the weeks that ship, or the nearest exercise names."""
    import difflib
    import re

    weeks = sorted({e.week for e in course.catalog.exercises})
    shipped = f"week{weeks[0]}" + (f" to week{weeks[-1]}" if len(weeks) > 1 else "") if weeks else "none"
    week = re.fullmatch(r"\s*(?:week|w)\s*(\d+)\s*", name.lower())
    if week and int(week.group(1)) in weeks:
        return f"{name!r} is a whole week: name one exercise (`dlx list` shows them)."
    if week:
        return f"{name!r}: no such week in this course; the weeks are {shipped}."
    names = course.catalog.names()
    close = difflib.get_close_matches(name.strip().lower(), names, n=3, cutoff=0.6)
    suggestion = f" Did you mean {' or '.join(close)}?" if close else " `dlx list` shows every name."
    return f"no exercise called {name!r}.{suggestion}"


def _exercise_named(course, name: str | None) -> Exercise:
    """The exercise called `name` (a name, a number, or its file's path), or the current one when None."""
    if name is None:
        return course.current(course.progress())
    found = _by_path(course, name)
    if found is not None:
        return found
    chosen = course.catalog.select(name)
    if len(chosen) == 1:
        return chosen[0]
    raise click.BadParameter(_no_match(course, name), param_hint="EXERCISE")


def _selection(course, selection: str) -> list[Exercise]:
    found = _by_path(course, selection)
    if found is not None:
        return [found]
    chosen = course.catalog.select(selection)
    if not chosen:
        raise click.BadParameter(f"{_no_match(course, selection)} Use {SELECTOR_HELP}.", param_hint="SELECTION")
    return chosen


# --------------------------------------------------------------------------- learner commands


@cli.command()
@click.option("--poll", is_flag=True, help="Poll for changes instead of using file-system events (network drives, containers).")
@click.option("--take-over", is_flag=True, help="Stop another `dlx watch` running on this workspace and take its place.")
@click.option(
    "--edit-cmd",
    envvar="DLX_EDIT_CMD",
    metavar="COMMAND",
    help="Open the exercise you move to with COMMAND, at its first TODO: {file} and {line} are filled in "
    "(`code -g {file}:{line}`, `subl {file}:{line}`). For an editor with its own window: a terminal editor "
    "would share watch's terminal.",
)
@pass_ctx
def watch(context: _Context, poll: bool, take_over: bool, edit_cmd: str | None) -> None:
    """Watch your exercises: every save runs that exercise's checks.

    Keys (no Enter needed): n next (once the exercise passes), h hint,
    l list (arrows, Enter, r, /, c), r re-run, c check all, x reset (asks
    first), s solution (after a pass), ? help, q quit.
    """
    from checker.watch.lock import WatchLock, WatchRunning

    course = context.course
    lock = WatchLock(course.workspace.state_dir)
    try:
        lock.acquire(take_over=take_over)
    except WatchRunning as running:
        who = f" (pid {running.pid})" if running.pid else ""
        raise click.ClickException(
            f"another dlx watch is running on this workspace{who}: use that one, quit it, "
            "or run `dlx watch --take-over` to stop it and watch here."
        ) from None
    try:
        from checker.watch.app import WatchApp

        WatchApp(course, force_poll=poll, edit_cmd=edit_cmd).run()
    finally:
        lock.release()


@cli.command()
@click.argument("exercise", required=False)
@click.option("--no-pictures", is_flag=True, help="Do not draw what your code makes after a pass (autoencoder, denoising, retrieval, morphing, gan_train).")
@pass_ctx
def run(context: _Context, exercise: str | None, no_pictures: bool) -> None:
    """Run one exercise's checks and show the full verdict (default: the current exercise).

    When an exercise with pictures passes, they are drawn under the verdict
    (as `dlx show` does).  Exit code 0 only if every check passes.
    """
    course = context.course
    chosen = _exercise_named(course, exercise)
    process = course.start_process(chosen)  # warms up while rich is imported
    from checker.ui import console as ui_console, training, verdicts

    console = ui_console.make_console()
    try:
        with training.LiveProgress(console) as shown:  # a training check's epochs while it runs
            result = course.check(chosen, process=process, on_progress=lambda record: shown.show(chosen.name, record))
    except KeyboardInterrupt:
        process.kill()
        raise
    progress = course.record([(chosen, result)])
    try:
        if result.status not in ("cancelled", "missing"):
            ws.record_save(course.workspace, chosen, ws.read_source(course.path(chosen)), result.status)
    except OSError:
        pass
    console.print(verdicts.verdict_panel(chosen, result, show_all=True))
    if not result.passed:
        line = course.todo_line(chosen) or result.line
        console.print(verdicts.where_line(course.display(chosen), line), soft_wrap=True)
    if result.passed and not no_pictures:
        from checker.cli.show import ROWS, draw_pictures

        if chosen.name in ROWS:
            draw_pictures(course, chosen, console)
    if result.passed:
        following = course.next_pending(progress, after=chosen)
        console.print(ui_console.message(f"Next: dlx run {following.name}" if following else "Every exercise passes!", "green"))
    sys.exit(0 if result.passed else 1)


@cli.command()
@click.argument("selections", nargs=-1, metavar="[week1|EXERCISE|all]...")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Check processes at once (default: one per core).")
@pass_ctx
def verify(context: _Context, selections: tuple[str, ...], jobs: int | None) -> None:
    """Check several exercises and print a table (default: all).

    Each SELECTION is an exercise name (mse, adam, …), a week (week1) or `all`.
    Exit code 0 only if every selected exercise passes.  Training exercises run
    one at a time whatever --jobs says; every check computes the same as in `dlx run`.
    """
    from checker.ui import console as ui_console, tables, training
    from checker.course import default_jobs

    course = context.course
    selections = selections or ("all",)
    selection = " ".join(selections)
    picked = {e.name for one in selections for e in _selection(course, one)}
    chosen = [e for e in course.catalog.exercises if e.name in picked]  # catalog order, each once
    console = ui_console.make_console()
    with tables.check_progress(console, len(chosen)) as counter:
        shown = training.LiveProgress(console, live=False)  # plain lines in a log; in a terminal, the counter's line
        results = course.check_many(
            chosen, jobs or default_jobs(), on_done=lambda exercise, verdict: counter.advance(exercise.name, verdict.passed),
            on_progress=counter.training if console.is_terminal else shown.show,
        )
    course.record(results)
    console.print(tables.verify_table(results, title=f"dlx verify {selection}"))
    passed = sum(r.passed for _, r in results)
    total_time = sum(r.seconds for _, r in results)
    style = "green" if passed == len(results) else "red"
    console.print(ui_console.message(f"{passed}/{len(results)} exercises pass ({total_time:.1f} s of checks).", style))
    sys.exit(0 if passed == len(results) else 1)


@cli.command(name="list")
@pass_ctx
def list_(context: _Context) -> None:
    """Every exercise by week, with its status and file."""
    from checker.ui import console as ui_console, tables

    course = context.course
    progress = course.progress()
    current = course.current(progress)
    if not sys.stdout.isatty():  # a pipe, a file: plain aligned text with every column
        click.echo(tables.plain_exercise_list(course.catalog, progress, current.name))
        return
    console = ui_console.make_console()
    console.print(tables.exercise_table(course.catalog, progress, current.name, console.width))
    console.print(tables.progress_block(course.catalog, progress, current.week))


@cli.command()
@click.argument("exercise", required=False)
@click.option("--all", "show_all", is_flag=True, help="Show every hint you have already revealed, without revealing a new one.")
@pass_ctx
def hint(context: _Context, exercise: str | None, show_all: bool) -> None:
    """Reveal the next hint for an exercise (default: the current one).

    Each call shows one more hint; dlx remembers how far you have looked.
    """
    from checker.ui import console as ui_console, screens

    course = context.course
    chosen = _exercise_named(course, exercise)
    if show_all:
        shown = course.progress().hints_seen.get(chosen.name, 0)
    else:
        shown = course.update(lambda p: p.next_hint(chosen.name, len(chosen.hints))).hints_seen[chosen.name]
    console = ui_console.make_console()
    if shown == 0:
        console.print(ui_console.message(f"No hints revealed yet for {chosen.name}. Run `dlx hint {chosen.name}`."))
        return
    console.print(screens.hints_panel(chosen, shown))


@cli.command()
@click.argument("exercise", required=False)
@click.option("--all", "reset_all", is_flag=True, help="Reset every exercise.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def reset(context: _Context, exercise: str | None, reset_all: bool, yes: bool) -> None:
    """Restore an exercise's original stub; your version is backed up first."""
    from checker.ui import console as ui_console

    course = context.course
    if reset_all == bool(exercise):
        raise click.UsageError("name one EXERCISE, or use --all.")
    chosen = course.catalog.exercises if reset_all else [_exercise_named(course, exercise)]
    what = "every exercise" if reset_all else course.display(chosen[0])
    if not yes:
        state = "changed" if reset_all else course.workspace.reset_state(chosen[0])
        promise = {
            "missing": "(the file is missing: there is nothing to back up)",
            "untouched": "(it is the untouched stub already)",
        }.get(state, "Your version is backed up first.")
        try:
            answer = click.confirm(f"Reset {what} to the original stub? {promise}", default=False)
        except click.Abort:
            answer = False
        if not sys.stdin.isatty():
            click.echo("")  # the piped answer was not echoed: end the prompt's line
        if not answer:
            click.echo(f"Nothing was reset: {what} is as it was.", err=True)
            sys.exit(1)
    console = ui_console.make_console()
    for item in chosen:
        try:
            backup = course.workspace.reset(item)
        except (ws.WorkspaceError, OSError) as exc:
            raise click.ClickException(f"{item.name}: {exc}") from None
        where = f" (your version: {backup})" if backup else " (it was the untouched stub or missing: nothing to back up)"
        console.print(ui_console.message(f"Reset {course.display(item)}{where}"), soft_wrap=True)

    def forget(progress) -> None:
        for item in chosen:
            progress.forget(item.name)

    course.update(forget)


@cli.command()
@click.argument("exercise", required=False)
@click.option("--no-check", is_flag=True, help="Skip running the checks first; just start Python with your file loaded.")
@pass_ctx
def debug(context: _Context, exercise: str | None, no_check: bool) -> None:
    """Debug an exercise yourself: show its first failing check, then start Python with your file loaded.

    When that check's input is small plain data, its call of your function is made once more there,
    where breakpoint(), pdb and print() work (your own code on your own machine, outside the checks);
    `result`, `args`, `kwargs` and `again()` stay at the prompt. Nothing you do here counts as a verdict.
    """
    import subprocess

    from checker.ui import console as ui_console, verdicts

    import tempfile

    course = context.course
    chosen = _exercise_named(course, exercise)
    console = ui_console.make_console()
    path = course.path(chosen)
    call = None
    if not no_check:
        result = course.check(chosen)  # not recorded: a debugging session is no verdict
        failure = result.first_failure
        if result.passed:
            console.print(ui_console.message(f"{chosen.name} passes every check; Python starts with it loaded anyway.", "green"))
        elif failure is not None:
            console.print(ui_console.message(f"First failing check: {failure.title}", "bold red"))
            console.print(ui_console.learner_text(failure.message))
            call = failure.call
        else:
            console.print(verdicts.verdict_panel(chosen, result))
    doing = ("the check's call is made once more below, " if call else
             "call your function on the input above, e.g. with np.array([...]); ")
    console.print(
        ui_console.message(
            f"\nPython with {course.display(chosen)} loaded (and numpy as np): {doing}"
            "breakpoint() and print() work. Ctrl-D leaves.",
            "cyan",
        ),
        soft_wrap=True,
    )
    with tempfile.TemporaryDirectory(prefix="dlx-debug-") as folder:
        command = [sys.executable, "-i", "-m", "checker.sandbox.debug_session", str(path)]
        if call:
            call_file = Path(folder) / "call.json"
            call_file.write_text(json.dumps(call), encoding="utf-8")
            command.append(str(call_file))
        code = subprocess.run(command, cwd=course.workspace.root).returncode
    sys.exit(code)


@cli.command()
@click.argument("exercise", required=False)
@pass_ctx
def history(context: _Context, exercise: str | None) -> None:
    """Every checked save of an exercise with its verdict (the last 50 are kept, and always the last pass).

    `dlx restore EXERCISE N` brings save N back.
    """
    import time

    course = context.course
    chosen = _exercise_named(course, exercise)
    saves = ws.history(course.workspace, chosen)
    if not saves:
        click.echo(f"No saves of {chosen.name} kept yet: `dlx watch` and `dlx run` keep each one they check.")
        return
    click.echo(f"Saves of {chosen.name} ({course.display(chosen)}), oldest first:")
    for snapshot in saves:
        try:
            lines = len(snapshot.path.read_bytes().splitlines())
        except OSError:
            lines = 0
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(snapshot.time))
        mark = "✓" if snapshot.passed else "·" if snapshot.status in ("not_started",) else "✗"
        click.echo(f"  {snapshot.number:>4}  {when}  {mark} {snapshot.status.replace('_', ' '):<16} {lines:>4} lines")
    click.echo(f"`dlx restore {chosen.name} N` brings save N back (your current version is backed up first).")


@cli.command()
@click.argument("exercise")
@click.argument("number", type=int)
@pass_ctx
def restore(context: _Context, exercise: str, number: int) -> None:
    """Bring back save NUMBER of EXERCISE (see `dlx history`); your current version is backed up first."""
    course = context.course
    chosen = _exercise_named(course, exercise)
    try:
        snapshot, backup = ws.restore(course.workspace, chosen, number)
    except (ws.WorkspaceError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    where = f"; your version before it is in {backup}" if backup else ""
    click.echo(f"Restored save {snapshot.number} of {chosen.name} ({snapshot.status.replace('_', ' ')}) to {course.display(chosen)}{where}.")


@cli.command()
@click.argument("directory", required=False, default="dlx-course", type=click.Path(file_okay=False))
def init(directory: str) -> None:
    """Make a fresh learner workspace in DIRECTORY (default: ./dlx-course)."""
    try:
        created = ws.init(Path(directory))
    except (ws.WorkspaceError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {created.root}.\nNext:  cd {directory} && dlx watch")


