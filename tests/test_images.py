"""checker.ui.images: the canvas, the half-block drawing (colour in a terminal, plain shades
without), and the PNG read back with Pillow; `dlx show` end to end on a workspace."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

from checker.ui import images


def _gradient(h=6, w=5):
    return np.linspace(0.0, 1.0, h * w).reshape(h, w)


def test_the_canvas_lays_rows_out_with_gaps():
    a, b = np.zeros((4, 3)), np.ones((4, 3, 1))
    c = np.zeros((2, 2, 3))
    c[..., 0] = 1.0  # red
    pixels = images.canvas([[a, b], [c]], gap=1)
    assert pixels.shape == (4 + 1 + 2, 3 + 1 + 3, 3) and pixels.dtype == np.uint8
    assert np.all(pixels[:4, :3] == 0) and np.all(pixels[:4, 4:7] == 255)
    assert np.all(pixels[:4, 3] == images.BACKGROUND)  # the gap
    assert np.all(pixels[5:7, :2] == (255, 0, 0))


def test_plain_shades_keep_two_pixels_a_cell():
    image = np.array([[1.0, 0.0, 0.5, 1.0], [0.0, 1.0, 0.5, 1.0]])
    text = images.Picture(images.canvas([[image]])).plain()
    assert text == "▀▄▒█\n"


def test_colour_cells_carry_the_upper_and_lower_pixels():
    image = np.zeros((2, 1, 3))
    image[0, 0] = (1.0, 0.0, 0.0)
    image[1, 0] = (0.0, 0.0, 1.0)
    cells = [s for s in images.Picture(images.canvas([[image]])).segments(colour=True) if s.text.strip()]
    assert len(cells) == 1
    cell = cells[0]
    assert cell.text == "▀" and cell.style.color.name == "#ff0000" and cell.style.bgcolor.name == "#0000ff"


def test_a_wide_canvas_is_shrunk_to_the_console():
    console = Console(width=40, record=True, color_system=None, force_terminal=False)
    console.print(images.Picture(images.canvas([[_gradient(28, 28)] * 3])))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 40 and len(lines) >= 5


def test_the_png_reads_back_as_the_canvas(tmp_path):
    pixels = images.canvas([[_gradient(), _gradient()[::-1]], [images.scatter([(np.zeros((1, 2)), (0, 255, 0))], 8)]])
    path = images.save_png(pixels, tmp_path / "deep" / "picture.png", scale=3)
    with Image.open(path) as png:
        assert png.format == "PNG" and png.size == (pixels.shape[1] * 3, pixels.shape[0] * 3)
        back = np.asarray(png.convert("RGB"))
    np.testing.assert_array_equal(back[::3, ::3], pixels)


def test_scatter_puts_points_where_they_are():
    image = images.scatter([(np.array([[0.0, 0.0], [2.9, 2.9], [9.0, 0.0]]), (255, 0, 0))], size=6, limits=(-3, 3))
    assert tuple(image[2, 3]) == (1.0, 0.0, 0.0)  # the origin: column 3, row 2 from the top (y upwards)
    assert tuple(image[0, 5]) == (1.0, 0.0, 0.0)  # the top right corner
    assert image.sum() == 2.0  # the point outside the limits is dropped


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_drawn_in_a_pseudo_terminal_with_colour_and_without(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    script = tmp_path / "draw.py"
    script.write_text(
        "import numpy as np\n"
        "from checker.ui import console, images\n"
        "images.show(console.make_console(), [[np.eye(4)]], caption='an eye')\n",
        encoding="utf-8",
    )
    outputs = {}
    for name, extra in (("colour", {"COLORTERM": "truecolor"}), ("plain", {"NO_COLOR": "1"})):
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        env.update(TERM="xterm-256color", **extra)
        child = pexpect.spawn(sys.executable, [str(script)], env=env, encoding="utf-8", timeout=60,
                              dimensions=(24, 80))
        child.expect(pexpect.EOF)
        outputs[name] = child.before
    assert "▀" in outputs["colour"] and "\x1b[" in outputs["colour"] and "an eye" in outputs["colour"]
    assert "48;2;" in outputs["colour"] or "48;5;" in outputs["colour"]  # a background colour: the lower pixel
    plain = outputs["plain"]
    assert "\x1b[3" not in plain and "\x1b[4" not in plain
    assert "▀▄  " in plain.replace("\r", "")  # rows 0-1 of eye(4): the diagonal's two pixels, upper then lower
