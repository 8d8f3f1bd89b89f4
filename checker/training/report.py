"""The end of a captioner run: a JSON report, a PNG gallery of captioned test scenes, and the same in the terminal.

A run with `--attention` adds the attention maps of a few test scenes: in the
report (`"attention"`: scene, words, an 8×8 grid of weights per word), as
`attention.png`, and in the terminal (`attention_panels`).
"""

from __future__ import annotations

import json
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from checker.training.captioner import ATTENTION_FILE, GALLERY_FILE, REPORT_FILE, SHOWN


@dataclass
class Report:
    folder: Path
    data: dict
    images: np.ndarray  # the test scenes shown, (SHOWN, H, W, 1)
    attention_images: np.ndarray | None = None  # the scenes of data["attention"], when the run attended

    @property
    def attention_path(self) -> Path | None:
        return self.folder / ATTENTION_FILE if self.data.get("attention") else None

    @property
    def json_path(self) -> Path:
        return self.folder / REPORT_FILE

    @property
    def png_path(self) -> Path:
        return self.folder / GALLERY_FILE

    def scene_panels(self) -> list:
        """One panel per shown scene: the picture in half blocks, the generated and the reference captions."""
        from checker.ui import training as ui
        from checker.ui.images import Picture, canvas

        return [ui.captioned_scene(Picture(canvas([[image]])), shown["generated"], shown["references"])
                for image, shown in zip(self.images, self.data["shown"])]

    def attention_panels(self, width: int) -> list:
        """One panel per scene with attention maps: rows of small tiles in half blocks, the words beneath."""
        from checker.training.maps import TERMINAL_TILE, tiles
        from checker.ui import training as ui

        panels = []
        for scene, entry in zip(self.attention_images, self.data.get("attention", [])):
            pictures = tiles(scene, entry, TERMINAL_TILE)
            labels = ["(scene)"] + list(entry["words"])
            panels.append(ui.attention_panel(pictures, labels, entry["scene"], width))
        return panels


def shown_indices(n: int, count: int = SHOWN) -> list[int]:
    """The test scenes shown: spread evenly over the split, the same in every run."""
    return sorted({int(i) for i in np.linspace(0, n - 1, num=min(count, n))})


def write_report(folder: Path, outcome: dict, job: dict, seconds: float) -> Report:
    """report.json and gallery.png for a finished run (`outcome`: the child's events by kind)."""
    from checker.datasets import load_caption_scenes

    evaluated, saved = outcome["evaluated"], outcome.get("saved", {})
    config = job["config"]
    if config.get("coco_json"):
        images = np.zeros((0, 64, 64, 1), np.float32)
        shown = []
    else:
        test_images, _ = load_caption_scenes(split="test")
        indices = shown_indices(len(test_images))
        images = test_images[indices]
        shown = [{"scene": i, "generated": evaluated["generated"][i], "references": evaluated["references"][i]}
                 for i in indices]
    data = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "code": "reference solutions" if job["code_dir"] == job["reference_dir"] else "your week-6 code",
        "config": config,
        "seconds": round(seconds, 1),
        "loss_per_epoch": saved.get("history", []),
        "bleu": evaluated["bleu"],
        "shown": shown,
        "test_captions": [{"scene": i, "generated": g} for i, g in enumerate(evaluated["generated"])],
    }
    attention_images = None
    if outcome.get("attention") and not config.get("coco_json"):
        data["attention"] = outcome["attention"]["maps"]
        attention_images = test_images[[entry["scene"] for entry in data["attention"]]]
    report = Report(Path(folder), data, images, attention_images)
    report.json_path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    if shown:
        write_gallery(report.png_path, images, shown)
    if report.attention_path is not None:
        from checker.training.maps import write_attention_png

        write_attention_png(report.attention_path, attention_images, data["attention"])
    return report


def write_gallery(path: Path, images: np.ndarray, shown: list[dict], scale: int = 3) -> None:
    """A PNG: each scene enlarged `scale` times, its generated caption and its first reference beneath it."""
    from PIL import Image, ImageDraw

    tile_w = images.shape[2] * scale
    text_h = 70
    columns = min(3, len(images))
    rows = -(-len(images) // columns)
    width = columns * (tile_w + 16) + 16
    sheet = Image.new("RGB", (max(width, 3 * 220), rows * (tile_w + text_h + 16) + 16), "white")
    draw = ImageDraw.Draw(sheet)
    for k, (image, item) in enumerate(zip(images, shown)):
        x = 16 + (k % columns) * (tile_w + 16)
        y = 16 + (k // columns) * (tile_w + text_h + 16)
        grey = (np.clip(image[..., 0], 0, 1) * 255).astype(np.uint8)
        sheet.paste(Image.fromarray(grey, "L").resize((tile_w, tile_w), Image.NEAREST).convert("RGB"), (x, y))
        lines = textwrap.wrap(item["generated"], 30)[:3]
        draw.multiline_text((x, y + tile_w + 4), "\n".join(lines), fill=(0, 110, 0))
        reference = textwrap.wrap(item["references"][0], 30)[:2]
        draw.multiline_text((x, y + tile_w + 4 + 14 * len(lines)), "\n".join(reference), fill=(120, 120, 120))
    sheet.save(path)
