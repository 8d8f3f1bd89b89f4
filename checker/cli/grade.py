"""The instructors' commands: `dlx grade` and `dlx dev autograder`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from checker.cli import SELECTOR_HELP, _Context, cli, pass_ctx
from checker.cli.dev import dev
from checker.course import workspace as ws
from checker.course.catalog import CatalogError

FORMATS = ("gradescope", "junit", "csv", "json")
DEFAULT_FORMATS = ("csv", "json", "junit")


def _course(context: _Context, packaged: bool):
    """The instructor's course: the workspace (-C, or the current folder), else the one dlx ships."""
    from checker.course.course import Course
    from checker.datasets.shipped import course_root

    try:
        if not packaged:
            try:
                return Course.open(ws.find(Path(context.workspace_path) if context.workspace_path else None))
            except ws.WorkspaceError:
                if context.workspace_path:
                    raise
        return Course.open(ws.Workspace(course_root()))
    except (ws.WorkspaceError, CatalogError) as exc:
        raise click.ClickException(str(exc)) from None


def _selected(course, only: tuple[str, ...]):
    if not only:
        return list(course.catalog.exercises)
    chosen = []
    for selector in only:
        found = course.catalog.select(selector)
        if not found:
            raise click.BadParameter(f"{selector!r} matches no exercise; use {SELECTOR_HELP}.", param_hint="--only")
        chosen += [e for e in found if e not in chosen]
    order = course.catalog.names()
    return sorted(chosen, key=lambda e: order.index(e.name))


@cli.command()
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("grades"), show_default=True,
              help="Folder for the reports.")
@click.option("-f", "--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="A report to write (repeat for several). Default: csv, json and junit.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Check processes at once (default: one per core).")
@click.option("--only", multiple=True, metavar="SELECTION", help=f"Grade only these exercises: {SELECTOR_HELP} (repeatable).")
@click.option("--as-one", is_flag=True, help="Each SUBMISSION is one student's work, however its folders are laid out.")
@click.option("--packaged-course", is_flag=True,
              help="Use the catalog (points, limits) shipped with this dlx, never a workspace's (autograders use this).")
@pass_ctx
def grade(context: _Context, submissions: tuple[Path, ...], out: Path, formats: tuple[str, ...], jobs: int | None,
          only: tuple[str, ...], as_one: bool, packaged_course: bool) -> None:
    """Grade submissions: every file is checked afresh by the hidden checks.

    A SUBMISSION is a student's workspace folder, a folder of exercise files, or a
    .zip of either; a folder of such folders or zips (one per student, named by the
    student's id) grades the whole class.  Points and visibility come from
    exercises/info.toml.  Exit code 0 when every submission was graded, whatever
    the scores.
    """
    from checker.course import default_jobs
    from checker.instructor import gradebook, gradescope, junit, report
    from checker.instructor.grading import grade as grade_all
    from checker.ui import console as ui_console
    from checker.ui import grading as ui_grading

    course = _course(context, packaged_course)
    exercises = _selected(course, only)
    writers = {"gradescope": gradescope.write, "junit": junit.write, "csv": gradebook.write, "json": report.write}
    console = ui_console.make_console()
    with tempfile.TemporaryDirectory(prefix="dlx-grade-") as scratch:
        with ui_grading.GradingProgress(console) as bar:
            grades = grade_all(course, list(submissions), exercises, Path(scratch), jobs=jobs or default_jobs(),
                               as_one=as_one, on_start=bar.start, on_progress=bar.advance)
    if not grades.students:
        raise click.ClickException("No submission found (a submission is a folder or a .zip).")
    console.print(ui_grading.summary(grades))
    written = []
    for name in dict.fromkeys(formats or DEFAULT_FORMATS):
        written += writers[name](grades, out)
    console.print(ui_grading.written(written))
    sys.exit(0)


@dev.command(name="autograder")
@click.option("--gradescope", "gradescope_zip", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE.zip", help="Write Gradescope's autograder bundle here.")
@click.option("--github", "github", is_flag=True, help="Write a GitHub Actions / Classroom workflow.")
@click.option("--workflow", type=click.Path(dir_okay=False, path_type=Path), default=Path(".github/workflows/dlx-grade.yml"),
              show_default=True, help="Where --github writes the workflow.")
@click.option("--install", default=None, metavar="PIP-SPEC",
              help="What the workflow pip-installs: the course's dlx (e.g. git+https://github.com/ORG/COURSE.git).")
@click.option("--wheel", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Use this dlx wheel instead of building one from the workspace.")
@click.option("--only", multiple=True, metavar="SELECTION", help=f"Grade only these exercises: {SELECTOR_HELP} (repeatable).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Check processes at once in each grading run.")
@pass_ctx
def dev_autograder(context: _Context, gradescope_zip: Path | None, github: bool, workflow: Path, install: str | None,
                   wheel: Path | None, only: tuple[str, ...], jobs: int | None) -> None:
    """Make an autograder: Gradescope's bundle (--gradescope FILE.zip) and/or a GitHub workflow (--github)."""
    from checker.instructor import autograder
    from checker.ui import console as ui_console

    if not gradescope_zip and not github:
        raise click.UsageError("Say which: --gradescope FILE.zip and/or --github.")
    course = context.course
    _selected(course, only)  # refuse a selection that matches nothing now, not in the container
    console = ui_console.make_console()
    try:
        if gradescope_zip:
            with console.status("building the dlx wheel and the bundle…"):
                made = autograder.gradescope_bundle(gradescope_zip, course.workspace.root, wheel=wheel, only=only, jobs=jobs)
            console.print(ui_console.message(f"Wrote {made}: upload it as the assignment's autograder.", "green"))
        if github:
            if not install:
                raise click.UsageError("--github needs --install: what the workflow installs, e.g. git+https://github.com/ORG/COURSE.git")
            target = workflow if workflow.is_absolute() else course.workspace.root / workflow
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(autograder.github_workflow(install=install, only=only, jobs=jobs), encoding="utf-8")
            console.print(ui_console.message(f"Wrote {target}: commit it to the assignment's template repository.", "green"))
    except autograder.AutograderError as exc:
        raise click.ClickException(str(exc)) from None
