"""The learner's commands: watch, run, verify, list, hint, reset, init."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from checker.cli import SELECTOR_HELP, _Context, cli, exercise_named, pass_ctx
from checker.course import workspace as ws


# --------------------------------------------------------------------------- learner commands


@cli.command()
@click.option("--poll", is_flag=True, help="Poll for changes instead of using file-system events (network drives, containers).")
@pass_ctx
def watch(context: _Context, poll: bool) -> None:
    """Watch your exercises: every save runs that exercise's checks.

    Keys (no Enter needed): n next (once the exercise passes), h hint,
    l list, r re-run, c check all, x reset (asks first), q quit.
    """
    from checker.watch.app import WatchApp

    WatchApp(context.course, force_poll=poll).run()


@cli.command()
@click.argument("exercise", required=False)
@pass_ctx
def run(context: _Context, exercise: str | None) -> None:
    """Run one exercise's checks and show the full verdict (default: the current exercise).

    Exit code 0 only if every check passes.
    """
    course = context.course
    chosen = exercise_named(course, exercise)
    process = course.start_process(chosen)  # warms up while rich is imported
    from checker.ui import console as ui_console, screens, tables, verdicts

    console = ui_console.make_console()
    try:
        result = course.check(chosen, process=process)
    except KeyboardInterrupt:
        process.kill()
        raise
    progress = course.record([(chosen, result)])
    console.print(verdicts.verdict_panel(chosen, result, show_all=True))
    if not result.passed:
        line = course.todo_line(chosen) or result.line
        console.print(verdicts.where_line(course.display(chosen), line), soft_wrap=True)
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
    from checker.ui import console as ui_console, screens, tables, verdicts
    from checker.course import default_jobs

    course = context.course
    selections = selections or ("all",)
    selection = " ".join(selections)
    picked: set[str] = set()
    for one in selections:
        found = course.catalog.select(one)
        if not found:
            raise click.BadParameter(f"{one!r} matches no exercise; use {SELECTOR_HELP}.", param_hint="SELECTION")
        picked.update(e.name for e in found)
    chosen = [e for e in course.catalog.exercises if e.name in picked]  # catalog order, each once
    console = ui_console.make_console()
    with console.status(f"checking {len(chosen)} exercise(s)…"):
        results = course.check_many(chosen, jobs or default_jobs())
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
    from checker.ui import console as ui_console, screens, tables, verdicts

    course = context.course
    progress = course.progress()
    current = course.current(progress)
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
    from checker.ui import console as ui_console, screens, tables, verdicts

    course = context.course
    chosen = exercise_named(course, exercise)
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
    from checker.ui import console as ui_console, screens, tables, verdicts

    course = context.course
    if reset_all == bool(exercise):
        raise click.UsageError("name one EXERCISE, or use --all.")
    chosen = course.catalog.exercises if reset_all else [exercise_named(course, exercise)]
    what = "every exercise" if reset_all else course.display(chosen[0])
    if not yes:
        click.confirm(f"Reset {what} to the original stub? Your version is backed up first.", abort=True)
    console = ui_console.make_console()
    for item in chosen:
        try:
            backup = course.workspace.reset(item)
        except (ws.WorkspaceError, OSError) as exc:
            raise click.ClickException(f"{item.name}: {exc}") from None
        where = f" (your version: {backup})" if backup else ""
        console.print(ui_console.message(f"Reset {course.display(item)}{where}"), soft_wrap=True)

    def forget(progress) -> None:
        for item in chosen:
            progress.forget(item.name)

    course.update(forget)


@cli.command()
@click.argument("directory", required=False, default="dlx-course", type=click.Path(file_okay=False))
def init(directory: str) -> None:
    """Make a fresh learner workspace in DIRECTORY (default: ./dlx-course)."""
    try:
        created = ws.init(Path(directory))
    except (ws.WorkspaceError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {created.root}.\nNext:  cd {directory} && dlx watch")


