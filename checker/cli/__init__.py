"""The `dlx` command: parse, call, render.  No logic of its own lives here.

`learner` holds the learner's commands, `dev` the course authors'.  rich is
imported inside the commands, after any check process has been started, so
that its import time overlaps with the child's.  The entry point installs the
reaper (dlx adopts and kills whatever a check leaves behind): importing this
package does nothing of the kind.
"""

from __future__ import annotations

from pathlib import Path

import click

from checker import __version__
from checker.course.catalog import CatalogError, Exercise
from checker.course import workspace as ws

SELECTOR_HELP = "an exercise name (mse, adam, …), a week (week1) or `all`"


class _Context:
    def __init__(self, workspace_path: str | None):
        self.workspace_path = workspace_path
        self._course = None

    @property
    def course(self):
        """The learner's course, or a clean exit explaining why there is none."""
        if self._course is None:
            from checker.course.course import Course

            try:
                self._course = Course.open(ws.find(Path(self.workspace_path) if self.workspace_path else None))
            except (ws.WorkspaceError, CatalogError) as exc:
                raise click.ClickException(str(exc)) from None
        return self._course


pass_ctx = click.make_pass_decorator(_Context)


def exercise_named(course, name: str | None) -> Exercise:
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



def main() -> None:
    """The `dlx` entry point: install the reaper, then run the command."""
    from checker.engine import hardening, reaper, supervisor

    hardening.make_undumpable()  # the learner's processes run as the same user: they may not read dlx's memory
    reaper.install()
    reaper.on_exit(supervisor.kill_all)
    cli(prog_name="dlx")


from checker.cli import dev, grade, learner  # noqa: E402,F401 - the commands register themselves on `cli`
