"""The final project's commands: `dlx train captioner` and `dlx caption IMAGE...`.

Both run the learner's week-6 functions (or, with `--solutions`, the reference
ones) in a child process (`python -m checker.training`), and read its events
on a pipe of their own: what the learner's code prints goes to the terminal
as it is, and a crash of their code is a message, never a dead dlx.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from checker.cli import _Context, cli, pass_ctx

CAPTIONER_FOLDER = "captioner"  # under the workspace's state folder (.dlx/)


def _week6_files(course) -> dict[str, str]:
    return {e.name: e.file for e in course.catalog.exercises if e.week == 6}


def _job(context: _Context, solutions: bool, **extra) -> dict:
    course = context.course
    workspace = course.workspace
    return {
        "code_dir": str(workspace.solutions_dir if solutions else workspace.exercises_dir),
        "reference_dir": str(workspace.solutions_dir),
        "files": _week6_files(course),
        "folder": str(workspace.state_dir / CAPTIONER_FOLDER),
        **extra,
    }


def _run_child(command: str, job: dict, on_event, env: dict | None = None) -> int:
    """Start `python -m checker.training command job` and call on_event for each event; Ctrl-C asks it to stop."""
    from checker.engine import reaper

    read_fd, write_fd = os.pipe()
    environment = {**os.environ, "DLX_EVENTS_FD": str(write_fd), "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    try:
        child = reaper.spawn([sys.executable, "-m", "checker.training", command, json.dumps(job)],
                             env=environment, pass_fds=(write_fd,), start_new_session=True, stdin=subprocess.DEVNULL)
    finally:
        os.close(write_fd)
    stream = os.fdopen(read_fd, encoding="utf-8")
    interrupted = False
    while True:
        try:
            line = stream.readline()
        except KeyboardInterrupt:  # the learner pressed Ctrl-C: the child saves a checkpoint and stops
            if interrupted:
                child.kill()
                break
            interrupted = True
            child.send_signal(signal.SIGINT)
            on_event({"event": "stopping"})
            continue
        if not line:
            break
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            on_event(event)
    code = child.wait()
    reaper.forget(child.pid)
    return code


@cli.group()
def train() -> None:
    """Train a model with your own code (the final project)."""


@train.command(name="captioner")
@click.option("--solutions", is_flag=True, help="Train with the reference solutions instead of your week-6 code.")
@click.option("--epochs", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--resume", is_flag=True, help="Continue from the checkpoint a stopped run saved.")
@click.option("--strategy", type=click.Choice(["default", "mirrored", "multiworker"]), default="default",
              show_default=True, help="tf.distribute: one device, every local GPU, or every worker of TF_CONFIG.")
@click.option("--coco", "coco_json", type=click.Path(exists=True, dir_okay=False),
              help="Train on real data: a caption file in COCO's JSON format (with --images).")
@click.option("--images", "coco_images", type=click.Path(exists=True, file_okay=False),
              help="The image folder of --coco.")
@click.option("--limit", "coco_limit", type=click.IntRange(min=2), default=None, help="Read at most this many --coco images.")
@click.option("--blind", is_flag=True, help="Zero the image features: the control run that shows the model looks.")
@click.option("--scenes", type=click.IntRange(min=10), default=None,
              help="Train on the first N training scenes only: a quick try of the whole pipeline.")
@click.option("--attention", is_flag=True,
              help="Honors: a decoder that attends over the 8×8 feature map at every word (your exercise 58), "
                   "and draws where each word looked.")
@pass_ctx
def train_captioner(context: _Context, solutions: bool, epochs: int, batch_size: int, resume: bool, strategy: str,
                    coco_json: str | None, coco_images: str | None, coco_limit: int | None, blind: bool,
                    scenes: int | None, attention: bool) -> None:
    """Train the image captioner with your week-6 functions, then caption the test scenes.

    Ctrl-C saves a checkpoint (`--resume` continues from it); a finished run saves
    the model where `dlx caption` finds it, and writes a JSON report and a PNG
    gallery of captioned test scenes beside it.  With --attention the decoder
    looks at the scene again for every word (exercise 58's additive attention)
    and the run also draws, for a few test scenes, where each word looked
    (attention.png, and in the terminal).
    """
    from checker.ui import console as ui_console
    from checker.ui import training as ui

    if bool(coco_json) != bool(coco_images):
        raise click.UsageError("--coco and --images go together.")
    config = {"epochs": epochs, "batch_size": batch_size, "strategy": strategy, "blind": blind,
              "coco_json": coco_json, "coco_images": coco_images, "coco_limit": coco_limit, "scenes": scenes,
              "attention": attention}
    job = _job(context, solutions, config=config, resume=resume)
    console = ui_console.make_console()
    progress = ui.training_progress(console)
    task = None
    outcome: dict = {}

    def on_event(event: dict) -> None:
        nonlocal task
        kind = event.get("event")
        if kind == "progress":
            total = event["epochs"] * event["batches"]
            done = (event["epoch"] - 1) * event["batches"] + event["batch"]
            if task is None:
                progress.start()
                task = progress.add_task("training", total=total, detail="")
            progress.update(task, completed=done, total=total, detail=ui.progress_detail(event))
        elif kind == "stage":
            console.print(ui_console.message(f"… {event['what']}", "cyan"))
        elif kind == "data":
            console.print(ui_console.message(
                f"{event['scenes']} scenes, {event['captions']} captions, a vocabulary of {event['vocabulary']} words."))
        elif kind == "resumed":
            console.print(ui_console.message(f"Resuming after epoch {event['epoch']} ({event['checkpoint']}).", "cyan"))
        elif kind == "stopping":
            console.print(ui_console.message("Stopping: saving a checkpoint…", "yellow"))
        elif kind == "checkpoint":
            outcome["checkpoint"] = event
        elif kind == "strategy":
            worker, workers = event["worker"]
            where = f", worker {worker + 1} of {workers}" if workers > 1 else ""
            console.print(ui_console.message(f"Strategy: {event['name']}, {event['replicas']} replicas{where}."))
        elif kind == "worker_done":
            outcome[kind] = event
        else:
            outcome[kind] = event

    started = time.perf_counter()
    try:
        code = _run_child("train", job, on_event)
    finally:
        if task is not None:
            progress.stop()
    elapsed = time.perf_counter() - started
    folder = Path(job["folder"])
    if "not_ready" in outcome:
        raise click.ClickException(outcome["not_ready"]["message"])
    if "error" in outcome:
        error = outcome["error"]
        raise click.ClickException(f"Your code raised {error['message']}\n{error.get('where', '')}".rstrip())
    if "checkpoint" in outcome:
        console.print(ui_console.message(
            f"Stopped after epoch {outcome['checkpoint']['epoch']}; checkpoint saved. "
            "`dlx train captioner --resume` continues from it.", "yellow"))
        sys.exit(130)
    if "worker_done" in outcome:
        done = outcome["worker_done"]
        console.print(ui_console.message(f"worker {done['worker'] + 1} of {done['workers']} done; "
                                         "the chief (worker 1) saves and evaluates the model."))
        return
    if "evaluated" not in outcome:
        raise click.ClickException(f"The training process ended without a result (exit code {code}).")
    from checker.training.report import write_report

    report = write_report(folder, outcome, job, elapsed)
    console.print(ui.bleu_table(outcome["evaluated"]["bleu"]))
    warning = ui.bleu_disagreement(outcome["evaluated"]["bleu"])
    if warning is not None:
        console.print(warning)
    for panel in report.scene_panels():
        console.print(panel)
    maps = ""
    if report.attention_path is not None:
        for panel in report.attention_panels(console.width):
            console.print(panel)
        maps = f"Attention maps: {report.attention_path}\n"
    console.print(ui_console.message(f"Model: {folder / 'decoder.keras'}\nReport: {report.json_path}\n"
                                     f"Gallery: {report.png_path}\n{maps}Next: dlx caption IMAGE.png", "green"),
                  soft_wrap=True)


@cli.command()
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--beam", type=click.IntRange(min=1), default=1, show_default=True, help="Beam width (1: greedy).")
@click.option("--solutions", is_flag=True, help="Decode with the reference solutions instead of your code.")
@pass_ctx
def caption(context: _Context, images: tuple[str, ...], beam: int, solutions: bool) -> None:
    """Describe image files (PNG or JPEG, any size) with the captioner `dlx train captioner` saved."""
    from checker.ui import console as ui_console
    from checker.ui import training as ui

    job = _job(context, solutions, images=[str(Path(p).resolve()) for p in images], beam=beam)
    if not (Path(job["folder"]) / "decoder.keras").is_file():
        raise click.ClickException("No trained captioner yet: run `dlx train captioner` first.")
    console = ui_console.make_console()
    outcome: dict = {}
    failed = []

    def on_event(event: dict) -> None:
        if event.get("event") == "caption":
            console.print(ui.caption_line(event["path"], event.get("caption"), event.get("error")), soft_wrap=True)
            if event.get("error"):
                failed.append(event["path"])
        else:
            outcome[event.get("event")] = event

    _run_child("caption", job, on_event)
    for kind in ("not_ready", "error"):
        if kind in outcome:
            raise click.ClickException(outcome[kind]["message"])
    sys.exit(1 if failed else 0)
