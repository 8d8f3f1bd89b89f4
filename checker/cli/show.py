"""`dlx show EXERCISE`: run the learner's own functions briefly and draw what they make.

Autoencoders, denoising, retrieval, morphing and GANs are judged by eye as much
as by number.  The pictures are never a verdict (`dlx run` gives that): they
show the learner what their code does.  Their code runs in a process of its own
(checker.engine.pictures starts checker.training.pictures), and the pictures
are drawn in the terminal and saved as a PNG under `.dlx/pictures/`.  `dlx run`
draws them too when such an exercise passes, and so does `dlx watch`.
"""

from __future__ import annotations

from pathlib import Path

import click

from checker.cli import _Context, cli, exercise_named, pass_ctx
from checker.training.pictures import ROWS


@cli.command()
@click.argument("name", metavar="EXERCISE")
@pass_ctx
def show(context: _Context, name: str) -> None:
    """Draw what your code makes: autoencoder, denoising, retrieval, morphing, gan_train.

    Runs your functions for a few seconds (training a small model where one is
    needed), then draws the pictures in the terminal and saves them as a PNG
    under .dlx/pictures/.
    """
    from checker.ui import console as ui_console

    course = context.course
    exercise = exercise_named(course, name)
    if exercise.name not in ROWS:
        raise click.ClickException(f"`dlx show` draws {', '.join(sorted(ROWS))}; {exercise.name} has no pictures.")
    if not draw_pictures(course, exercise, ui_console.make_console()):
        raise click.ClickException(f"`dlx run {exercise.name}` says what is wrong.")


def draw_pictures(course, exercise, console) -> Path | None:
    """Make and draw the pictures of a learner's exercise; the PNG's path, or None (the reason printed)."""
    from checker.engine.pictures import PicturesFailed, make_pictures
    from checker.ui import console as ui_console
    from checker.ui import images

    console.print(f"Drawing what your {exercise.file} makes (a few seconds of running your code)…")
    try:
        pictures = make_pictures(course.workspace.path_of(exercise), exercise.name)
    except PicturesFailed as exc:
        console.print(ui_console.message(ui_console.sanitize(str(exc)), "red"))
        return None
    return images.show(console, pictures.rows, png=picture_path(course, exercise.name), caption=pictures.caption,
                       aligned=pictures.aligned)


def picture_path(course, name: str) -> Path:
    return course.workspace.state_dir / "pictures" / f"{name}.png"
