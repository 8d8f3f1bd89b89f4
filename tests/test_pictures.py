"""Pictures of week 4: the layout that fits a terminal, the process that runs the learner's code
(crash, endless loop), `dlx show` and `dlx run` end to end with the PNG read back and held against
pictures made here independently, and `dlx watch` drawing them after a pass."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from checker.cli import cli
from checker.engine.pictures import PicturesFailed, make_pictures
from checker.ui import images
from tests.helpers import CATALOG, SOLUTIONS

SIDE, GAP, SCALE = 28, images.GAP, 4  # Fashion-MNIST images, the canvas gap, the PNG's pixel size


def _row(n, value=0.5, side=4):
    return [np.full((side, side), value) for _ in range(n)]


# ---------------------------------------------------------------- layout


def test_aligned_rows_are_cut_together_group_by_group():
    top, bottom = _row(6, 0.0), _row(6, 1.0)
    out = images.wrapped([top, bottom], width=7, gap=1)  # 6 images of 4 px: 29 px; room for 14 px once halved
    groups = [row for row in out if row]
    assert [len(row) for row in groups] == [3, 3, 3, 3]  # two groups of three, as even as they come
    assert [float(row[0][0, 0]) for row in groups] == [0.0, 1.0, 0.0, 1.0]  # originals above reconstructions
    assert [] in out  # a blank band between the groups


def test_rows_that_stand_alone_are_cut_row_by_row():
    first, second = _row(6, 0.0), _row(6, 1.0)
    groups = [row for row in images.wrapped([first, second], width=7, gap=1, aligned=False) if row]
    assert [float(row[0][0, 0]) for row in groups] == [0.0, 0.0, 1.0, 1.0]  # a query's row stays together


def test_rows_that_fit_are_left_alone():
    rows = [_row(3), _row(3)]
    assert images.wrapped(rows, width=80) == rows


@pytest.mark.parametrize("width, lines", [(60, 20), (80, 30), (100, 40), (200, 60), (20, 5)])
def test_a_fitted_picture_stays_in_its_box(width, lines):
    rows = [_row(10, side=SIDE), _row(10, side=SIDE)]
    picture = images.fitted(rows, width, lines)
    assert picture.pixels.shape[1] <= width and picture.pixels.shape[0] <= 2 * lines
    text = picture.plain().splitlines()
    assert max(len(line) for line in text) <= width and len(text) <= lines


def test_fitted_chooses_the_largest_scale():
    rows = [_row(8, side=SIDE)]  # 238 px wide, 28 tall: 80 columns would shrink it 3 times (9-px images)
    two_groups = (2 * SIDE + GAP + GAP, 4 * SIDE + 3 * GAP)  # cut in two groups of four: 60 × 118
    assert images.fitted(rows, 80, 50).pixels.shape[:2] == (two_groups[0] // 2, two_groups[1] // 2)  # 14-px images
    assert images.fitted(rows, 80, 10).pixels.shape[:2] == (28 // 3, 238 // 3)  # 10 lines: one row is best


# ---------------------------------------------------------------- the pictures process


def _write(tmp_path, text):
    path = tmp_path / "35_morphing.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_crash_in_the_learners_code_is_a_message_not_a_crash(tmp_path):
    target = _write(tmp_path, "def interpolate_codes(a, b, steps):\n    raise ZeroDivisionError('my own bug')\n")
    with pytest.raises(PicturesFailed, match="my own bug"):
        make_pictures(target, "morphing", time_limit=120)


def test_an_endless_loop_is_stopped(tmp_path, reaper):
    target = _write(tmp_path, "import os\nos.fork()\nwhile True:\n    pass\n")
    with pytest.raises(PicturesFailed, match="more than 3 s"):
        make_pictures(target, "morphing", time_limit=3)


def test_megabytes_of_output_keep_only_a_tail(tmp_path):
    target = _write(tmp_path, "import sys\nsys.stderr.write('x' * 20_000_000)\nraise SystemExit(3)\n")
    with pytest.raises(PicturesFailed) as caught:
        make_pictures(target, "morphing", time_limit=60)
    assert len(str(caught.value)) < 3000


# ---------------------------------------------------------------- end to end


def _png_tiles(path, rows, columns):
    """The images of a PNG written from `rows` × `columns` 28-pixel images, as floats in [0, 1]."""
    pixels = np.asarray(Image.open(path).convert("L"), dtype=np.float64)[::SCALE, ::SCALE] / 255.0
    assert pixels.shape == (rows * SIDE + (rows - 1) * GAP, columns * SIDE + (columns - 1) * GAP)
    return [[pixels[r * (SIDE + GAP):r * (SIDE + GAP) + SIDE, c * (SIDE + GAP):c * (SIDE + GAP) + SIDE]
             for c in range(columns)] for r in range(rows)]


def _with_solution(workspace, name):
    exercise = CATALOG.get(name)
    shutil.copy(SOLUTIONS / exercise.file, workspace.exercises_dir / exercise.file)


@pytest.mark.slow
def test_show_retrieval_draws_each_query_with_the_neighbours_found_here(workspace):
    from checker.datasets import load_encoder, load_fashion_mnist

    _with_solution(workspace, "retrieval")
    result = CliRunner().invoke(cli, ["-C", str(workspace.root), "show", "retrieval"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    png = workspace.state_dir / "pictures" / "retrieval.png"
    assert f"Saved as {png}" in result.output.replace("\n", "")
    tiles = _png_tiles(png, rows=4, columns=6)
    # Independently: the shipped encoder's codes and a brute-force search by sorting every distance.
    (x_train, _), (x_test, y_test) = load_fashion_mnist()
    gallery = x_train[:3000, :, :, 0]
    encoder = load_encoder()
    codes = np.asarray(encoder.predict(x_train[:3000], verbose=0), dtype=np.float64)
    for row, label in zip(tiles, (0, 3, 7, 9)):
        query = x_test[np.flatnonzero(y_test == label)[0]]
        np.testing.assert_allclose(row[0], query[:, :, 0], atol=1 / 255)
        code = np.asarray(encoder.predict(query[None], verbose=0), dtype=np.float64)[0]
        nearest = sorted(range(len(codes)), key=lambda i: float(np.sum((codes[i] - code) ** 2)))[:5]
        for tile, index in zip(row[1:], nearest):
            np.testing.assert_allclose(tile, gallery[index], atol=1 / 255)


@pytest.mark.slow
def test_run_morphing_draws_after_a_pass_and_no_pictures_turns_it_off(workspace):
    from checker.datasets import load_fashion_mnist

    _with_solution(workspace, "morphing")
    png = workspace.state_dir / "pictures" / "morphing.png"
    quiet = CliRunner().invoke(cli, ["-C", str(workspace.root), "run", "morphing", "--no-pictures"], catch_exceptions=False)
    assert quiet.exit_code == 0 and not png.exists()
    result = CliRunner().invoke(cli, ["-C", str(workspace.root), "run", "morphing"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "All" in result.output and png.is_file()
    tiles = _png_tiles(png, rows=4, columns=8)
    _, (x_test, y_test) = load_fashion_mnist()
    sneaker, boot = (x_test[np.flatnonzero(y_test == k)[0], :, :, 0] for k in (7, 9))
    for column, t in enumerate(np.linspace(0, 1, 8)):  # row 2: the pixels blended, made here
        np.testing.assert_allclose(tiles[1][column], (1 - t) * sneaker + t * boot, atol=1.5 / 255)
    np.testing.assert_allclose(tiles[0][0], sneaker, atol=1 / 255)  # the decoded path starts and ends at the images
    np.testing.assert_allclose(tiles[0][7], boot, atol=1 / 255)
    middle = tiles[0][1:7]
    assert all(np.abs(m - tiles[1][k + 1]).mean() > 0.01 for k, m in enumerate(middle))  # decoded, not blended


def test_show_refuses_an_exercise_without_pictures(workspace):
    result = CliRunner().invoke(cli, ["-C", str(workspace.root), "show", "mse"])
    assert result.exit_code != 0 and "has no pictures" in result.output


def test_quitting_kills_a_drawing_in_flight(tmp_path, reaper):
    """watch quits (or dlx exits) while the learner's code draws: the pictures process dies with it."""
    import threading
    import time

    from checker.engine import pictures

    target = _write(tmp_path, "while True:\n    pass\n")
    failed = []
    thread = threading.Thread(target=lambda: failed.append(pytest.raises(PicturesFailed, make_pictures, target, "morphing")))
    thread.start()
    deadline = time.time() + 30
    while not pictures._LIVE and time.time() < deadline:
        time.sleep(0.05)
    (child,) = list(pictures._LIVE)
    pictures.kill_all()
    assert child.wait(timeout=5) is not None  # gone at once, not after the 300-s limit
    thread.join(timeout=10)
    assert not thread.is_alive() and failed
