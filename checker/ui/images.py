"""Pictures in the terminal and as PNG files: grids of images, scatters of points.

Autoencoders, denoising and GANs are judged by eye as much as by number.  One
picture is first laid out as a canvas (an RGB uint8 array: the images of each
row side by side, rows one above the other, a gap between them); the terminal
and the PNG both draw that same canvas:

  * in the terminal, with half blocks: each character cell shows two pixels,
    the upper one as the foreground colour of "▀" and the lower one as its
    background, so a 28×28 image takes 28 columns and 14 lines;
  * without colour (NO_COLOR, a pipe, a dumb terminal), with plain shades:
    " ░▒▓█" for the mean of the two pixels when they are alike, "▀" or "▄" when
    the upper or the lower one is clearly brighter;
  * as a PNG (Pillow), each pixel scaled up to a square, under the workspace's
    state folder (`.dlx/pictures/`).

Pixels are floats in [0, 1] (grey (H, W) or (H, W, 1), colour (H, W, 3)).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

GAP = 2  # pixels between images and between rows
BACKGROUND = (40, 40, 40)
SHADES = " ░▒▓█"
UPPER, LOWER = "▀", "▄"


def _rgb(image: np.ndarray) -> np.ndarray:
    """An image as (H, W, 3) uint8, from floats in [0, 1] (NaN shown black, values clipped)."""
    array = np.nan_to_num(np.asarray(image, dtype=np.float64), nan=0.0)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"an image must be (H, W), (H, W, 1) or (H, W, 3), got {np.shape(image)}")
    return np.round(np.clip(array, 0.0, 1.0) * 255).astype(np.uint8)


def canvas(rows: Sequence[Sequence[np.ndarray]], gap: int = GAP) -> np.ndarray:
    """The rows of images laid out on one RGB canvas (uint8), left-aligned, `gap` pixels apart."""
    pictures = [[_rgb(image) for image in row] for row in rows]
    if not any(pictures):
        raise ValueError("nothing to draw")
    heights = [max((p.shape[0] for p in row), default=0) for row in pictures]
    widths = [sum(p.shape[1] for p in row) + gap * (len(row) - 1) for row in pictures]
    out = np.empty((sum(heights) + gap * (len(rows) - 1), max(widths), 3), dtype=np.uint8)
    out[...] = BACKGROUND
    top = 0
    for row, height in zip(pictures, heights):
        left = 0
        for picture in row:
            h, w = picture.shape[:2]
            out[top:top + h, left:left + w] = picture
            left += w + gap
        top += height + gap
    return out


def scatter(groups: Iterable[tuple[np.ndarray, tuple[int, int, int]]], size: int = 48,
            limits: tuple[float, float] = (-3.0, 3.0)) -> np.ndarray:
    """Points (N, 2) of each group drawn in its colour on a square (size, size, 3) float image in [0, 1].

    Later groups are drawn over earlier ones; y grows upwards, as on paper.
    """
    image = np.zeros((size, size, 3))
    low, high = limits
    for points, colour in groups:
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        points = points[np.all(np.isfinite(points), axis=1)]
        cells = np.floor((points - low) / (high - low) * size).astype(int)
        keep = np.all((cells >= 0) & (cells < size), axis=1)
        x, y = cells[keep, 0], size - 1 - cells[keep, 1]
        image[y, x] = np.asarray(colour, dtype=np.float64) / 255.0
    return image


def _shade(upper: np.ndarray, lower: np.ndarray) -> str:
    """One character for two grey levels in [0, 1], without colour."""
    if abs(upper - lower) >= 0.35:
        return UPPER if upper > lower else LOWER
    return SHADES[min(int((upper + lower) / 2 * len(SHADES)), len(SHADES) - 1)]


@dataclass
class Picture:
    """A canvas drawn with half blocks (a rich renderable), with an optional caption under it."""

    pixels: np.ndarray  # (H, W, 3) uint8
    caption: str = ""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        colour = not console.no_color and console.color_system is not None
        yield from Picture(fit(self.pixels, options.max_width)).segments(colour)
        if self.caption:
            yield Text(self.caption, style="dim")

    def segments(self, colour: bool) -> Iterable[Segment]:
        pixels = self.pixels
        if pixels.shape[0] % 2:  # an odd height: one more row of background at the bottom
            pad = np.empty((1, pixels.shape[1], 3), dtype=np.uint8)
            pad[...] = BACKGROUND
            pixels = np.concatenate([pixels, pad])
        grey = pixels.mean(axis=2) / 255.0
        for top in range(0, pixels.shape[0], 2):
            if colour:
                for upper, lower in zip(pixels[top], pixels[top + 1]):
                    yield Segment(UPPER, Style(color=_hex(upper), bgcolor=_hex(lower)))
            else:
                yield Segment("".join(_shade(u, d) for u, d in zip(grey[top], grey[top + 1])))
            yield Segment.line()

    def plain(self) -> str:
        """The picture as text in plain shades (what a terminal without colour shows)."""
        return "".join(segment.text for segment in self.segments(colour=False))


def fit(pixels: np.ndarray, width: int) -> np.ndarray:
    """The canvas shrunk by the smallest whole factor (block means) that makes it at most `width` pixels wide."""
    return shrink(pixels, -(-pixels.shape[1] // max(width, 1)))


def shrink(pixels: np.ndarray, factor: int) -> np.ndarray:
    """The canvas shrunk `factor` times (means of factor×factor blocks)."""
    if factor <= 1:
        return pixels
    h, w = pixels.shape[0] // factor * factor, pixels.shape[1] // factor * factor
    blocks = pixels[:h, :w].astype(np.float64).reshape(h // factor, factor, w // factor, factor, 3)
    return np.round(blocks.mean(axis=(1, 3))).astype(np.uint8)


def _hex(rgb: np.ndarray) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb))


def save_png(pixels: np.ndarray, path: Path, scale: int = 4) -> Path:
    """Write the canvas as a PNG, each pixel a scale×scale square; the folders are made as needed."""
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    big = np.repeat(np.repeat(np.asarray(pixels, dtype=np.uint8), scale, axis=0), scale, axis=1)
    Image.fromarray(big).save(path, format="PNG")
    return path


def wrapped(rows: Sequence[Sequence[np.ndarray]], width: int, gap: int = GAP, aligned: bool = True,
            per_chunk: int | None = None) -> list[Sequence[np.ndarray]]:
    """The rows cut into chunks of images that fit `width` pixels once halved (or of `per_chunk` images).

    Ten 28-pixel images side by side are 298 pixels: on an 80-column terminal they
    would shrink to 7 pixels each.  Cut into two groups of five, each image keeps
    14 pixels.  `aligned` rows (originals above their reconstructions) are cut
    together, group by group; other rows (a query and its neighbours) each on
    their own, row by row.
    """
    if not aligned and len(rows) > 1:
        out: list[Sequence[np.ndarray]] = []
        for row in rows:
            out += ([[]] if out else []) + wrapped([row], width, gap, per_chunk=per_chunk)
        return out
    longest = max(len(row) for row in rows)
    if per_chunk is None:
        widest = max(max((np.shape(image)[1] for image in row), default=1) for row in rows)
        per_chunk = max(1, (2 * width + gap) // (widest + gap))
        if longest <= per_chunk or canvas(rows, gap).shape[1] <= 2 * width:
            return list(rows)
        chunks = -(-longest // per_chunk)
        per_chunk = -(-longest // chunks)  # as even as they come: 6 images in 3 and 3, not 5 and 1
    out = []
    for start in range(0, longest, per_chunk):
        if out:
            out.append([])  # a blank band between the groups
        out += [row[start:start + per_chunk] for row in rows if len(row) > start]
    return out


def fitted(rows: Sequence[Sequence[np.ndarray]], width: int, lines: int, caption: str = "", aligned: bool = True) -> Picture:
    """The rows as one Picture at most `width` columns wide and `lines` lines high, as large as it can be.

    Every way of cutting the rows into groups is tried; the one that needs the
    least shrinking wins (the fewest groups among equals).
    """
    longest = max(len(row) for row in rows)
    best = None
    for chunks in range(1, longest + 1):
        pixels = canvas(wrapped(rows, width, aligned=aligned, per_chunk=-(-longest // chunks)))
        factor = max(-(-pixels.shape[1] // max(width, 1)), -(-pixels.shape[0] // max(2 * lines, 1)), 1)
        if best is None or factor < best[0]:
            best = (factor, pixels)
    factor, pixels = best
    return Picture(shrink(pixels, factor), caption)


def show(console: Console, rows: Sequence[Sequence[np.ndarray]], png: Path | None = None, caption: str = "",
         aligned: bool = True) -> Path | None:
    """Draw the rows of images on `console` (cut to fit its width) and, given a path, write them as a PNG and print where."""
    console.print(Picture(canvas(wrapped(rows, console.width, aligned=aligned)), caption))
    if png is None:
        return None
    written = save_png(canvas(rows), png)
    console.print(Text(f"Saved as {written}", style="bold"))
    return written
