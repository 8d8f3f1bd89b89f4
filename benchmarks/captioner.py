"""`dlx train captioner` and `dlx caption` with the reference solutions: throughput, time to BLEU, memory, latency.

    python benchmarks/captioner.py [--epochs 3] [--batch-size 64] [--scenes N]
                                   [--images 8] [--cli-repeat 3] [--skip-caption]

Training: a child process runs the captioner recipe exactly as
`python -m checker.training train` does for `dlx train captioner --solutions`
(the same `Trainer`, `Config` and reference week-6 functions), one epoch at a
time, and after each epoch captions the 500 test scenes greedily and scores
them with the reference corpus BLEU-4.  Printed: captions/s and scenes/s of
the training epochs (evaluation and checkpoint writes excluded), the training
time and the wall time (evaluations included) until BLEU-4 first reaches the
threshold of exercise 57's check (`THRESHOLD` in
checker/checks/week6/test_train_captioner.py; that check trains a smaller
decoder for a fixed budget, so the threshold is a yardstick here, not a
verdict), and the peak memory of the training process: `ru_maxrss` of the
waited-for children (the largest single process) and the resident memory of
the whole process tree summed, sampled every 0.2 s from /proc.

Captioning, on test scenes written as PNG files and the model the training
run saved in a temporary workspace:
  * in one process (what `python -m checker.training caption` does): the
    first image (saved model and shipped encoder loaded, step function traced)
    against the warm images after it, greedy and beam 3;
  * whole `dlx caption --solutions IMAGE` processes, greedy and `--beam 3`:
    the first call against the calls after it (`--cli-repeat` in all).
Prints the figures and their ratios; asserts nothing.  Start-up of TensorFlow
(a few seconds) is in the first-call figures, never in the warm ones.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from machine import load, tree_rss_mb  # noqa: E402  (benchmarks/machine.py, beside this script)

BEAM = 3


def check_threshold() -> float:
    """THRESHOLD of exercise 57's check, read from its source (importing the check would import TensorFlow here)."""
    source = (REPO / "checker" / "checks" / "week6" / "test_train_captioner.py").read_text(encoding="utf-8")
    return float(re.search(r"^THRESHOLD = ([0-9.]+)", source, re.M).group(1))


def week6_files() -> dict[str, str]:
    from checker.course import catalog

    info = catalog.load(REPO / "exercises" / "info.toml")
    return {e.name: e.file for e in info.exercises if e.week == 6}






def _read_events(stream, lines: list[dict]) -> None:
    for line in stream:
        if line.startswith("{"):
            event = json.loads(line)
            lines.append(event)
            if event.get("event") == "epoch":
                print(f"  epoch {event['epoch']}: train {event['train_s']:.1f} s, evaluate "
                      f"{event['eval_s']:.1f} s, loss {event['loss']:.3f}, BLEU-4 {event['bleu4']:.3f}"
                      f"   ({load()})", flush=True)


def run_worker(kind: str, job: dict) -> tuple[list[dict], float, float]:
    """Run `captioner.py --worker KIND JOB`; (its JSON lines, peak tree RSS MiB, ru_maxrss of children MiB)."""
    command = [sys.executable, __file__, "--worker", kind, json.dumps(job)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env, text=True)
        lines: list[dict] = []
        reader = threading.Thread(target=_read_events, args=(process.stdout, lines), daemon=True)
        reader.start()
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, tree_rss_mb(process.pid))
            time.sleep(0.2)
        reader.join()
        if process.returncode != 0:
            errors.seek(0)
            sys.exit(f"the {kind} process failed (exit {process.returncode}):\n{errors.read().decode()[-3000:]}")
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    return lines, peak, maxrss


# --------------------------------------------------------------------------- the child processes


def emit(event: dict) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def worker_train(job: dict) -> None:
    from checker.training import captioner, learner_code
    from checker.training.__main__ import _import_tensorflow_quietly

    started = time.perf_counter()
    _import_tensorflow_quietly()
    code = learner_code.load(Path(job["code_dir"]), job["files"])
    reference = learner_code.load(Path(job["code_dir"]), job["files"], ("bleu",)).functions["corpus_bleu"]
    config = captioner.Config(epochs=1, batch_size=job["batch_size"], scenes=job["scenes"])
    trainer = captioner.Trainer(code, config, Path(job["folder"]), lambda event: None)
    trainer.prepare()
    trainer.build()
    saving = [0.0]
    save = trainer.manager.save

    def timed_save(*args, **kwargs):
        begun = time.perf_counter()
        try:
            return save(*args, **kwargs)
        finally:
            saving[0] += time.perf_counter() - begun

    trainer.manager.save = timed_save
    emit({"event": "ready", "seconds": time.perf_counter() - started, "scenes": len(trainer.data.train_images),
          "captions": len(trainer.captions), "vocabulary": len(trainer.vocab),
          "test_scenes": len(trainer.data.test_images)})
    for epoch in range(1, job["epochs"] + 1):
        trainer.config.epochs = epoch  # train() continues from the epoch the last call reached
        saving[0] = 0.0
        begun = time.perf_counter()
        history = trainer.train(lambda: False)
        train_s = time.perf_counter() - begun - saving[0]
        begun = time.perf_counter()
        result = trainer.evaluate(reference)
        eval_s = time.perf_counter() - begun
        emit({"event": "epoch", "epoch": epoch, "train_s": train_s, "checkpoint_s": saving[0], "eval_s": eval_s,
              "loss": history[-1], "bleu4": result["bleu"]["reference"][3]})
    trainer.save()
    emit({"event": "done", "seconds": time.perf_counter() - started})


def worker_caption(job: dict) -> None:
    started = time.perf_counter()
    from checker.training import captioning, learner_code
    from checker.training.__main__ import _import_tensorflow_quietly

    _import_tensorflow_quietly()
    code = learner_code.load(Path(job["code_dir"]), job["files"],
                             ("vocabulary", "image_features", "greedy", "beam_search"))
    emit({"event": "imported", "seconds": time.perf_counter() - started})
    captions = captioning.caption_files(code, Path(job["folder"]), [Path(p) for p in job["images"]], job["beam"])
    while True:
        begun = time.perf_counter()
        try:
            result = next(captions)
        except StopIteration:
            break
        emit({"event": "caption", "seconds": time.perf_counter() - begun, "caption": result.get("caption"),
              "error": result.get("error")})


# --------------------------------------------------------------------------- the parent


def write_images(folder: Path, count: int) -> list[Path]:
    import numpy as np
    from PIL import Image

    from checker.datasets import load_caption_scenes

    images, _ = load_caption_scenes(split="test")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        grey = (np.clip(images[index, :, :, 0], 0, 1) * 255).round().astype(np.uint8)
        path = folder / f"scene{index:03d}.png"
        Image.fromarray(grey, mode="L").save(path)
        paths.append(path)
    return paths


def cli_caption_times(root: Path, image: Path, beam: int, repeat: int) -> list[float]:
    command = [sys.executable, "-m", "checker", "-C", str(root), "caption", "--solutions", "--beam", str(beam), str(image)]
    times = []
    for _ in range(repeat):
        begun = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"))
        times.append(time.perf_counter() - begun)
        if result.returncode != 0:
            sys.exit(f"dlx caption failed (exit {result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return times




def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<44} {value:>16}   {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="default 3, as `dlx train captioner`")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--scenes", type=int, default=None, help="train on the first N training scenes only (quick run)")
    parser.add_argument("--images", type=int, default=8, help="test scenes captioned in one process, per mode")
    parser.add_argument("--cli-repeat", type=int, default=3, help="whole `dlx caption` processes per mode")
    parser.add_argument("--skip-caption", action="store_true", help="training figures only")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "JOB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, job = args.worker
        {"train": worker_train, "caption": worker_caption}[kind](json.loads(job))
        return

    from checker.course import workspace

    threshold = check_threshold()
    print(f"dlx train captioner --solutions: {args.epochs} epoch(s), batch {args.batch_size}"
          f"{f', first {args.scenes} scenes' if args.scenes else ''}; {os.cpu_count()} cores, {load()}")
    with tempfile.TemporaryDirectory(prefix="dlx-captioner-bench-") as scratch:
        space = workspace.init(Path(scratch) / "ws")
        folder = space.state_dir / "captioner"
        base = {"code_dir": str(space.solutions_dir), "files": week6_files(), "folder": str(folder)}
        started = time.perf_counter()
        events, tree_peak, maxrss = run_worker("train", {**base, "epochs": args.epochs, "batch_size": args.batch_size,
                                                        "scenes": args.scenes})
        wall = time.perf_counter() - started
        ready = next(e for e in events if e["event"] == "ready")
        epochs = [e for e in events if e["event"] == "epoch"]
        train_s = sum(e["train_s"] for e in epochs)
        captions_s = ready["captions"] * len(epochs) / train_s
        scenes_s = ready["scenes"] * len(epochs) / train_s
        print(f"\nTraining ({ready['scenes']} scenes, {ready['captions']} captions, vocabulary {ready['vocabulary']}, "
              f"evaluated on {ready['test_scenes']} test scenes after each epoch)   {load()}")
        row("start-up (TensorFlow, data, features, model)", f"{ready['seconds']:.1f} s")
        row("training time, all epochs", f"{train_s:.1f} s", f"{train_s / len(epochs):.1f} s/epoch")
        row("throughput", f"{captions_s:.0f} captions/s", f"{scenes_s:.0f} scenes/s (captions/scene "
            f"{ready['captions'] / ready['scenes']:.0f})")
        if len(epochs) > 1:
            later = [e["train_s"] for e in epochs[1:]]
            row("first epoch / later epochs (time)", f"{epochs[0]['train_s'] / statistics.mean(later):.2f}x",
                "(above 1: the first includes tracing)")
        evaluation = statistics.mean(e["eval_s"] for e in epochs)
        row("evaluation (greedy, test split, BLEU)", f"{evaluation:.1f} s/epoch",
            f"{evaluation / (train_s / len(epochs)):.2f}x an epoch's training")
        reached = next((e for e in epochs if e["bleu4"] >= threshold), None)
        curve = ", ".join(f"{e['bleu4']:.3f}" for e in epochs)
        row("BLEU-4 after each epoch", curve)
        if reached is None:
            row(f"time to BLEU-4 >= {threshold}", f"not in {len(epochs)} epochs")
        else:
            upto = epochs[: reached["epoch"]]
            to_train = sum(e["train_s"] for e in upto)
            to_wall = ready["seconds"] + sum(e["train_s"] + e["checkpoint_s"] + e["eval_s"] for e in upto)
            row(f"time to BLEU-4 >= {threshold} (check's threshold)", f"{to_train:.1f} s training",
                f"epoch {reached['epoch']}; {to_wall:.1f} s from process start, evaluations included")
        row("peak memory, process tree (sampled sum)", f"{tree_peak:.0f} MiB")
        row("peak memory, ru_maxrss (largest process)", f"{maxrss:.0f} MiB")
        row("wall time of the whole training process", f"{wall:.1f} s")

        if args.skip_caption:
            return
        images = write_images(Path(scratch) / "images", max(2, args.images))
        print(f"\nCaptioning one process, {len(images)} test scenes as PNG ({images[0].name}...)   {load()}")
        warm = {}
        for beam in (1, BEAM):
            lines, _, _ = run_worker("caption", {**base, "images": [str(p) for p in images], "beam": beam})
            imported = next(e for e in lines if e["event"] == "imported")["seconds"]
            times = [e["seconds"] for e in lines if e["event"] == "caption"]
            errors = [e["error"] for e in lines if e["event"] == "caption" and e["error"]]
            if errors:
                sys.exit(f"captioning failed: {errors[0]}")
            name = "greedy" if beam == 1 else f"beam {beam}"
            warm[beam] = statistics.median(times[1:])
            row(f"{name}: import TensorFlow + week-6 code", f"{imported:.2f} s")
            row(f"{name}: first image (load model, trace)", f"{times[0] * 1000:.0f} ms")
            row(f"{name}: warm image (median of {len(times) - 1})", f"{warm[beam] * 1000:.1f} ms",
                f"first / warm {times[0] / warm[beam]:.0f}x")
        row(f"beam {BEAM} / greedy, warm image", f"{warm[BEAM] / warm[1]:.2f}x")
        print(f"\nWhole `dlx caption --solutions IMAGE` processes, {args.cli_repeat} per mode   {load()}")
        medians = {}
        for beam in (1, BEAM):
            times = cli_caption_times(space.root, images[0], beam, max(1, args.cli_repeat))
            name = "greedy" if beam == 1 else f"--beam {beam}"
            row(f"{name}: first call", f"{times[0]:.2f} s")
            if len(times) > 1:
                medians[beam] = statistics.median(times[1:])
                row(f"{name}: later calls (median of {len(times) - 1})", f"{medians[beam]:.2f} s",
                    f"first / later {times[0] / medians[beam]:.2f}x")
        if len(medians) == 2:
            row(f"--beam {BEAM} / greedy, later calls", f"{medians[BEAM] / medians[1]:.2f}x")
        print(f"\n{load()}")


if __name__ == "__main__":
    main()
