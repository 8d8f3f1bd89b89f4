"""The process of a long run: `python -m checker.training train|caption JOB_JSON`.

dlx starts it for `dlx train captioner` and `dlx caption`, and reads its events
(one JSON object a line) on the descriptor named by DLX_EVENTS_FD, so that what
the learner's code prints (on stdout/stderr) never mixes with them.  A SIGINT
from dlx (the learner pressed Ctrl-C) asks the run to stop at the next batch:
it saves a checkpoint, reports it, and exits.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from pathlib import Path


class Events:
    """Writes event dicts as JSON lines on the parent's pipe."""

    def __init__(self, fd: int | None):
        self._out = os.fdopen(fd, "w", buffering=1, encoding="utf-8") if fd is not None else sys.stdout

    def __call__(self, event: dict) -> None:
        self._out.write(json.dumps(event) + "\n")
        self._out.flush()


def _import_tensorflow_quietly() -> None:
    """TensorFlow's C++ start-up log (absl, oneDNN) is not the learner's output: it is not shown."""
    from checker.engine.warmup import quiet_descriptors

    with quiet_descriptors():
        import tensorflow  # noqa: F401 - imported for its start-up log only


def train(job: dict, emit: Events) -> int:
    from checker.training import captioner, learner_code

    _import_tensorflow_quietly()
    stop = {"asked": False}
    signal.signal(signal.SIGINT, lambda *_: stop.update(asked=True))
    config = captioner.Config(**job["config"])
    exercises = learner_code.PLAIN + (("attention",) if config.attention else ())
    code = learner_code.load(Path(job["code_dir"]), job["files"], exercises)
    reference = learner_code.load(Path(job["reference_dir"]), job["files"], ("bleu",)).functions["corpus_bleu"]
    trainer = captioner.Trainer(code, config, Path(job["folder"]), emit)
    trainer.prepare()
    trainer.build()
    if job.get("resume"):
        if trainer.manager.latest_checkpoint is None:
            emit({"event": "stage", "what": "no checkpoint to resume from: starting afresh"})
        elif not trainer.resume():
            emit({"event": "stage", "what": "starting afresh"})
    emit({"event": "stage", "what": "training"})
    try:
        history = trainer.train(lambda: stop["asked"])
    except captioner.Stop:
        emit({"event": "stopped"})
        return 130
    if not captioner.is_chief():  # multi-worker: the chief saves and evaluates the one model all trained
        index, count = captioner.worker_place()
        emit({"event": "worker_done", "worker": index, "workers": count, "history": history})
        return 0
    path = trainer.save()
    emit({"event": "saved", "path": str(path), "history": history})
    result = trainer.evaluate(reference)
    emit({"event": "evaluated", **result})
    if config.attention and not config.coco_json:
        from checker.training.report import shown_indices

        scenes = shown_indices(len(trainer.test_features))[:captioner.ATTENTION_SHOWN]
        emit({"event": "attention", "maps": trainer.attention_maps(scenes)})
    return 0


def caption(job: dict, emit: Events) -> int:
    from checker.training import captioning, learner_code

    _import_tensorflow_quietly()
    code = learner_code.load(Path(job["code_dir"]), job["files"],
                             ("vocabulary", "image_features", "greedy", "beam_search"))
    for result in captioning.caption_files(code, Path(job["folder"]), [Path(p) for p in job["images"]], job["beam"]):
        emit({"event": "caption", **result})
    return 0


def main() -> None:
    command, job_json = sys.argv[1], sys.argv[2]
    fd = os.environ.pop("DLX_EVENTS_FD", None)
    emit = Events(int(fd) if fd else None)
    from checker.training.learner_code import NotReady

    try:
        job = json.loads(job_json)
        code = {"train": train, "caption": caption}[command](job, emit)
    except NotReady as exc:
        emit({"event": "not_ready", "message": str(exc)})
        code = 2
    except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything: report it, in their words
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/checker/" not in f.filename]
        where = "".join(traceback.format_list(frames[-3:])).rstrip()
        emit({"event": "error", "message": f"{type(exc).__name__}: {exc}", "where": where})
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
