"""Attention maps drawn over their scene: where the decoder looked for each word (`dlx train captioner --attention`).

A map is the 8×8 grid of one step's attention weights (they sum to 1).  It is
upsampled to the scene's 64×64 pixels (bilinear, Pillow), scaled so that the
step's largest weight is full strength (unless the step hardly looks anywhere:
see `strength`), and laid over the dimmed grey scene in
orange: bright where the step looked, the plain scene where it did not.

One row per scene: the scene itself, then one tile per generated word.  The PNG
(`attention.png` beside the report) writes each word under its tile, with the
step's largest weight (1/64 ≈ 0.016 would be a uniform look); the
terminal draws the same tiles, smaller, in half blocks (`checker.ui.images`),
with the words on a line under each row.  Only numpy and Pillow are imported.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HEAT = np.array([1.0, 0.55, 0.0])  # the colour of attention
TERMINAL_TILE = 16  # pixels a tile has in the terminal, 8 lines (the PNG keeps the scene's 64, doubled)


def upsample(grid: np.ndarray, size: int) -> np.ndarray:
    """An (h, w) grid of weights as a (size, size) float image, bilinear (Pillow)."""
    from PIL import Image

    grid = np.asarray(grid, np.float32)
    return np.asarray(Image.fromarray(grid, mode="F").resize((size, size), Image.Resampling.BILINEAR), np.float64)


def strength(grid: np.ndarray, size: int) -> np.ndarray:
    """How strongly each pixel is drawn, in [0, 1]: the upsampled weights over the step's largest weight, or
    over 8 times the uniform weight when that is larger, so that a step looking nowhere in particular (all
    weights near 1/P) stays faint instead of lighting up everywhere."""
    grid = np.asarray(grid, np.float64)
    return np.clip(upsample(grid, size) / max(grid.max(), 8.0 / grid.size), 0.0, 1.0)


def overlay(scene: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The scene (H, W) or (H, W, 1) in [0, 1] with the weights grid over it: (H, W, 3) floats in [0, 1]."""
    grey = np.asarray(scene, np.float64).reshape(scene.shape[0], scene.shape[1])
    alpha = 0.9 * strength(grid, grey.shape[0])[..., None]
    base = np.repeat(0.6 * grey[..., None], 3, axis=2)
    return np.clip((1 - alpha) * base + alpha * (0.75 + 0.25 * grey[..., None]) * HEAT + 0.2 * alpha * grey[..., None],
                   0.0, 1.0)


def shrink(image: np.ndarray, size: int) -> np.ndarray:
    """An (H, W, ...) image averaged down to (size, size, ...) by whole blocks (H a multiple of size)."""
    factor = image.shape[0] // size
    if factor <= 1:
        return image
    h = size * factor
    return image[:h, :h].reshape(size, factor, size, factor, *image.shape[2:]).mean(axis=(1, 3))


def tiles(scene: np.ndarray, entry: dict, size: int | None = None) -> list[np.ndarray]:
    """[the scene, then one overlay per word] of one map entry ({"words", "weights"}), each (size, size, 3)."""
    grey = np.repeat(np.asarray(scene, np.float64).reshape(scene.shape[0], scene.shape[1], 1), 3, axis=2)
    out = [grey] + [overlay(scene, np.asarray(w)) for w in entry["weights"]]
    return [shrink(t, size) for t in out] if size else out


def write_attention_png(path: Path, scenes: np.ndarray, maps: list[dict], scale: int = 2, per_row: int = 9) -> Path:
    """The PNG: for each scene, the scene then a tile per word, the word under it (rows of `per_row` tiles)."""
    from PIL import Image, ImageDraw

    side = scenes.shape[1] * scale
    gap, text_h = 8, 16
    lines = []  # (tiles, labels, first) per drawn line
    for scene, entry in zip(scenes, maps):
        pictures = tiles(scene, entry)
        labels = [f"scene {entry['scene']}"] + [f"{word}  {np.max(w):.2f}" for word, w in zip(entry["words"],
                                                                                         entry["weights"])]
        for start in range(0, len(pictures), per_row):
            lines.append((pictures[start:start + per_row], labels[start:start + per_row], start == 0))
        lines.append(None)  # a blank band between scenes
    columns = max((len(line[0]) for line in lines if line), default=1)
    band = side + text_h + gap
    height = gap + sum(band if line else gap for line in lines)
    sheet = Image.new("RGB", (gap + columns * (side + gap), height), "white")
    draw = ImageDraw.Draw(sheet)
    y = gap
    for line in lines:
        if line is None:
            y += gap
            continue
        for k, (picture, label) in enumerate(zip(*line[:2])):
            x = gap + k * (side + gap)
            pixels = np.round(np.clip(picture, 0, 1) * 255).astype(np.uint8)
            sheet.paste(Image.fromarray(pixels, "RGB").resize((side, side), Image.Resampling.NEAREST), (x, y))
            draw.text((x + 2, y + side + 2), label[:22], fill=(110, 110, 110) if k == 0 and line[2] else (0, 0, 0))
        y += band
    path = Path(path)
    sheet.save(path)
    return path
