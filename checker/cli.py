"""The `dlx` command: parse, call, render.  No logic of its own lives here.

rich is imported inside the commands, after any check process has been
started, so that its import time overlaps with the child's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from checker import __version__
from checker import workspace as ws
from checker.catalog import CatalogError, Exercise

SELECTOR_HELP = "an exercise name (mse, adam, …), a week (week1) or `all`"


class _Context:
    def __init__(self, workspace_path: str | None):
        self.workspace_path = workspace_path
        self._course = None

    @property
    def course(self):
        """The learner's course, or a clean exit explaining why there is none."""
        if self._course is None:
            from checker.course import Course

            try:
                self._course = Course.open(ws.find(Path(self.workspace_path) if self.workspace_path else None))
            except (ws.WorkspaceError, CatalogError) as exc:
                raise click.ClickException(str(exc)) from None
        return self._course


pass_ctx = click.make_pass_decorator(_Context)


def _exercise(course, name: str | None) -> Exercise:
    """The exercise called `name`, or the current one when no name is given."""
    if name is None:
        return course.current(course.progress())
    found = course.catalog.select(name)
    if len(found) != 1:
        raise click.BadParameter(f"no exercise called {name!r}. Try `dlx list`.", param_hint="EXERCISE")
    return found[0]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dlx")
@click.option(
    "-C",
    "--workspace",
    "workspace_path",
    type=click.Path(file_okay=False),
    envvar="DLX_WORKSPACE",
    help="The course workspace (a folder with exercises/info.toml). Default: the current folder or a parent.",
)
@click.pass_context
def cli(ctx: click.Context, workspace_path: str | None) -> None:
    """dlx — learn deep learning by doing it.

    Fill in the stub functions under exercises/, one week at a time; dlx runs
    hidden checks on your code and tells you what it found.  Start with
    `dlx watch` and keep it open beside your editor.
    """
    ctx.obj = _Context(workspace_path)


# --------------------------------------------------------------------------- learner commands


@cli.command()
@click.option("--poll", is_flag=True, help="Poll for changes instead of using file-system events (network drives, containers).")
@pass_ctx
def watch(context: _Context, poll: bool) -> None:
    """Watch your exercises: every save runs that exercise's checks.

    Keys (no Enter needed): n next (once the exercise passes), h hint,
    l list, r re-run, c check all, x reset (asks first), q quit.
    """
    from checker.watch import WatchApp

    WatchApp(context.course, force_poll=poll).run()


@cli.command()
@click.argument("exercise", required=False)
@pass_ctx
def run(context: _Context, exercise: str | None) -> None:
    """Run one exercise's checks and show the full verdict (default: the current exercise).

    Exit code 0 only if every check passes.
    """
    course = context.course
    chosen = _exercise(course, exercise)
    process = course.start_process(chosen)  # warms up while rich is imported
    from checker import render

    console = render.make_console()
    try:
        result = course.check(chosen, process=process)
    except KeyboardInterrupt:
        process.kill()
        raise
    progress = course.record([(chosen, result)])
    console.print(render.verdict_panel(chosen, result, show_all=True))
    if not result.passed:
        line = course.todo_line(chosen) or result.line
        console.print(render.where_line(course.display(chosen), line), soft_wrap=True)
    if result.passed:
        following = course.next_pending(progress, after=chosen)
        console.print(render.message(f"Next: dlx run {following.name}" if following else "Every exercise passes!", "green"))
    sys.exit(0 if result.passed else 1)


@cli.command()
@click.argument("selection", required=False, default="all", metavar="[week1|EXERCISE|all]")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Check processes at once (default: one per core).")
@pass_ctx
def verify(context: _Context, selection: str, jobs: int | None) -> None:
    """Check several exercises and print a table (default: all).

    SELECTION is an exercise name (mse, adam, …), a week (week1) or `all`.
    Exit code 0 only if every selected exercise passes.
    """
    from checker import render
    from checker.course import default_jobs

    course = context.course
    chosen = course.catalog.select(selection)
    if not chosen:
        raise click.BadParameter(f"{selection!r} matches no exercise; use {SELECTOR_HELP}.", param_hint="SELECTION")
    console = render.make_console()
    with console.status(f"checking {len(chosen)} exercise(s)…"):
        results = course.check_many(chosen, jobs or default_jobs())
    course.record(results)
    console.print(render.verify_table(results, title=f"dlx verify {selection}"))
    passed = sum(r.passed for _, r in results)
    total_time = sum(r.seconds for _, r in results)
    style = "green" if passed == len(results) else "red"
    console.print(render.message(f"{passed}/{len(results)} exercises pass ({total_time:.1f} s of checks).", style))
    sys.exit(0 if passed == len(results) else 1)


@cli.command(name="list")
@pass_ctx
def list_(context: _Context) -> None:
    """Every exercise by week, with its status and file."""
    from checker import render

    course = context.course
    progress = course.progress()
    current = course.current(progress)
    console = render.make_console()
    console.print(render.exercise_table(course.catalog, progress, current.name, console.width))
    console.print(render.progress_block(course.catalog, progress, current.week))


@cli.command()
@click.argument("exercise", required=False)
@click.option("--all", "show_all", is_flag=True, help="Show every hint you have already revealed, without revealing a new one.")
@pass_ctx
def hint(context: _Context, exercise: str | None, show_all: bool) -> None:
    """Reveal the next hint for an exercise (default: the current one).

    Each call shows one more hint; dlx remembers how far you have looked.
    """
    from checker import render

    course = context.course
    chosen = _exercise(course, exercise)
    if show_all:
        shown = course.progress().hints_seen.get(chosen.name, 0)
    else:
        shown = course.update(lambda p: p.next_hint(chosen.name, len(chosen.hints))).hints_seen[chosen.name]
    console = render.make_console()
    if shown == 0:
        console.print(render.message(f"No hints revealed yet for {chosen.name}. Run `dlx hint {chosen.name}`."))
        return
    console.print(render.hints_panel(chosen, shown))


@cli.command()
@click.argument("exercise", required=False)
@click.option("--all", "reset_all", is_flag=True, help="Reset every exercise.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def reset(context: _Context, exercise: str | None, reset_all: bool, yes: bool) -> None:
    """Restore an exercise's original stub; your version is backed up first."""
    from checker import render

    course = context.course
    if reset_all == bool(exercise):
        raise click.UsageError("name one EXERCISE, or use --all.")
    chosen = course.catalog.exercises if reset_all else [_exercise(course, exercise)]
    what = "every exercise" if reset_all else course.display(chosen[0])
    if not yes:
        click.confirm(f"Reset {what} to the original stub? Your version is backed up first.", abort=True)
    console = render.make_console()
    for item in chosen:
        try:
            backup = course.workspace.reset(item)
        except (ws.WorkspaceError, OSError) as exc:
            raise click.ClickException(f"{item.name}: {exc}") from None
        where = f" (your version: {backup})" if backup else ""
        console.print(render.message(f"Reset {course.display(item)}{where}"), soft_wrap=True)

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


# --------------------------------------------------------------------------- course authors


@cli.group()
def dev() -> None:
    """Commands for course authors."""


@dev.command(name="check")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Check processes at once (default: one per core).")
@click.argument("selection", required=False, default="all", metavar="[week1|EXERCISE|all]")
@pass_ctx
def dev_check(context: _Context, jobs: int | None, selection: str) -> None:
    """Prove the course: the catalog is valid, every stub fails, every solution passes.

    Exit code 0 only if all of that holds.
    """
    from checker import devcheck, render
    from checker.course import default_jobs

    console = render.make_console()
    ok = devcheck.run(context.course, selection, jobs or default_jobs(), console)
    sys.exit(0 if ok else 1)


def main() -> None:
    cli(prog_name="dlx")
