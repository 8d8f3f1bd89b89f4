"""The course authors' commands: `dlx dev check`."""

from __future__ import annotations

import sys

import click

from checker.cli import _Context, cli, pass_ctx


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
    from checker.course import default_jobs, devcheck
    from checker.ui import console as ui_console
    from checker.ui import tables

    course = context.course
    console = ui_console.make_console()
    problems = devcheck.catalog_problems(course)
    if problems:
        console.print(ui_console.message("The catalog has problems:", "bold red"))
        for problem in problems:
            console.print(ui_console.message(f"  • {problem}"))
        sys.exit(1)
    console.print(ui_console.message(f"Catalog: {len(course.catalog.exercises)} exercises, valid.", "green"))
    chosen = course.catalog.select(selection)
    if not chosen:
        console.print(ui_console.message(f"{selection!r} matches no exercise.", "red"))
        sys.exit(1)
    jobs = jobs or default_jobs()
    with console.status(f"running {2 * len(chosen)} check runs on {jobs} core(s)…"):
        proof = devcheck.prove(course, chosen, jobs)
    console.print(tables.proof_table(proof))
    if proof.holds:
        console.print(ui_console.message(f"All {len(chosen)} stubs fail and all solutions pass ({proof.seconds:.1f} s).", "green"))
    else:
        console.print(ui_console.message("dev check found problems (see the last column).", "bold red"))
    sys.exit(0 if proof.holds else 1)
