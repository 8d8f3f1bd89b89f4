"""Pictures in the terminal: two pixels a character cell with the upper-half block "▀".

The upper pixel is the character's colour, the lower one its background, so a
64×64 scene takes 64 columns and 32 lines.  Without colour (NO_COLOR, a pipe)
each cell is a shade character chosen from the mean of its two pixels.
"""

from __future__ import annotations

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style

SHADES = " ░▒▓█"


class Picture:
    """A grey or colour image, values in [0, 1], shape (H, W), (H, W, 1) or (H, W, 3)."""

    def __init__(self, image: np.ndarray, max_width: int | None = None):
        image = np.clip(np.asarray(image, np.float32), 0.0, 1.0)
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=-1)
        if max_width and image.shape[1] > max_width:  # nearest-neighbour shrink to the width available
            step = image.shape[1] / max_width
            rows = (np.arange(int(image.shape[0] / step)) * step).astype(int)
            cols = (np.arange(max_width) * step).astype(int)
            image = image[rows][:, cols]
        if image.shape[0] % 2:
            image = np.concatenate([image, np.zeros_like(image[:1])])
        self.rgb = (image * 255).astype(np.uint8)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        colour = console.color_system is not None and not console.no_color
        height, width = self.rgb.shape[:2]
        for y in range(0, height, 2):
            for x in range(min(width, options.max_width)):
                top, bottom = self.rgb[y, x], self.rgb[y + 1, x]
                if colour:
                    style = Style(color=f"rgb({top[0]},{top[1]},{top[2]})",
                                  bgcolor=f"rgb({bottom[0]},{bottom[1]},{bottom[2]})")
                    yield Segment("▀", style)
                else:
                    level = (int(top.mean()) + int(bottom.mean())) / 510
                    yield Segment(SHADES[min(len(SHADES) - 1, int(level * len(SHADES)))])
            yield Segment.line()


def picture(image: np.ndarray, max_width: int | None = None) -> Picture:
    return Picture(image, max_width)
