"""Week 6 data: the shipped caption scenes, the COCO-format loader, the scene encoder.

The scenes are checked against what they claim (each item's pixels are its source
image rendered as said; the captions name every item), against the script that
made them (array for array), and for how little a caption can be guessed without
looking (BLEU-4 by nltk, an independent implementation).
"""

import json
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from checker import datasets
from checker.datasets import DataNotFound, data_dir, load_caption_scenes, load_coco_captions
from tests.helpers import load_module

scenes = load_module(data_dir() / "make_scenes.py")
SPLIT_SIZES = {"train": 6000, "validation": 500, "test": 500}


@pytest.fixture(scope="module")
def shipped():
    """Every split with its layout, loaded once."""
    return {split: load_caption_scenes(split=split, layout=True) for split in SPLIT_SIZES}


@pytest.fixture(scope="module")
def raw():
    with np.load(data_dir() / datasets.CAPTION_SCENES_FILE) as npz:
        return {key: npz[key] for key in npz.files}


# ---------------------------------------------------------------- the shipped scenes

def test_splits_shapes_types_and_five_captions(shipped):
    for split, n in SPLIT_SIZES.items():
        images, captions, layout = shipped[split]
        assert images.shape == (n, 64, 64, 1) and images.dtype == np.float32
        assert images.min() == 0.0 and images.max() <= 1.0
        assert len(captions) == n and all(len(c) == 5 for c in captions)
        assert all(isinstance(c, str) for row in captions for c in row)
        for row in captions:
            for c in row:  # lower case words, single spaces, no punctuation: str.split tokenises
                assert c == " ".join(c.split()) and c.replace(" ", "").isalpha() and c == c.lower(), c
            assert len(set(row)) >= 4, row  # five references, worded differently
        counts = (layout["labels"] >= 0).sum(axis=1)
        assert set(counts.tolist()) == {1, 2, 3}
    # (a plain call gives two values; the shipped file is under its budget)
    assert len(load_caption_scenes(split="validation")) == 2
    assert (data_dir() / datasets.CAPTION_SCENES_FILE).stat().st_size < 6_000_000


def test_every_caption_names_every_item_with_its_size_and_shade(shipped):
    for split in SPLIT_SIZES:
        _, captions, layout = shipped[split]
        for s in range(0, len(captions), 7):
            for k in np.flatnonzero(layout["labels"][s] >= 0):
                nouns = scenes.NOUNS[int(layout["labels"][s, k])]
                size = scenes.SIZE_WORDS[scenes.SIZES[layout["sizes"][s, k]]]
                shade = scenes.SHADE_WORDS[scenes.SHADES[layout["shades"][s, k]]]
                for c in captions[s]:
                    text = f" {c} "
                    assert any(f" {noun} " in text for noun in nouns), (c, nouns)
                    assert any(f" {a} {b} " in text for a in size for b in shade), (c, size, shade)


def test_items_are_their_source_images_drawn_where_and_as_said(shipped):
    """Each item's box holds its source image (train and validation from the subset's
    training images, test from its test images), shrunk and shaded as recorded, placed
    on the side it is said to be on."""
    subset = datasets.load_fashion_mnist_arrays()
    pools = {"train": subset["x_train"], "validation": subset["x_train"], "test": subset["x_test"]}
    labels_of = {"train": subset["y_train"], "validation": subset["y_train"], "test": subset["y_test"]}
    for split in SPLIT_SIZES:
        images, _, layout = shipped[split]
        pixels = np.rint(images[..., 0] * 255).astype(np.uint8)
        for s in range(0, len(images), 11):
            present = np.flatnonzero(layout["labels"][s] >= 0)
            for k in present:
                x0, y0, x1, y1 = layout["boxes"][s, k]
                source = layout["sources"][s, k]
                assert labels_of[split][source] == layout["labels"][s, k]
                size, shade = scenes.SIZES[layout["sizes"][s, k]], scenes.SHADES[layout["shades"][s, k]]
                assert x1 - x0 == y1 - y0 == (28 if size == "large" else 14)
                expected = scenes.render_item(pools[split][source], size, shade)
                # Items never cover each other's foreground here much: the max-composite keeps the item.
                assert np.mean(pixels[s, y0:y1, x0:x1] >= expected) == 1.0
                assert np.mean(pixels[s, y0:y1, x0:x1] == expected) > 0.9
                cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
                place = datasets.CAPTION_SCENE_POSITIONS[layout["positions"][s, k]]
                assert {"left": cx < 32, "right": cx > 32, "top": cy < 32, "bottom": cy > 32,
                        "centre": abs(cx - 32) <= 3 and abs(cy - 32) <= 3}[place]
            outside = np.ones((64, 64), bool)
            for k in present:
                x0, y0, x1, y1 = layout["boxes"][s, k]
                outside[y0:y1, x0:x1] = False
            assert not pixels[s][outside].any()  # black background


def test_no_item_of_a_held_out_scene_is_in_a_train_scene(shipped):
    train = set(shipped["train"][2]["sources"][shipped["train"][2]["sources"] >= 0].tolist())
    validation = set(shipped["validation"][2]["sources"][shipped["validation"][2]["sources"] >= 0].tolist())
    assert train and validation and not train & validation  # both index the subset's training images
    # Test scenes index the subset's TEST images (see the previous test): no scene image repeats.
    seen = {image.tobytes() for image in np.rint(shipped["train"][0] * 255).astype(np.uint8)}
    for split in ("validation", "test"):
        assert not any(image.tobytes() in seen for image in np.rint(shipped[split][0] * 255).astype(np.uint8))


def test_a_caption_cannot_be_guessed_without_looking(raw):
    """BLEU-4 (nltk) against the five test references: blind guesses score far below
    captions that know the scene.  (The script's --measure searches 6 000 candidate
    constants; its best, and the 20 commonest training captions, are tried here.)"""
    from nltk.translate.bleu_score import corpus_bleu

    references = [[c.split() for c in row] for row in raw["test_captions"].tolist()]
    train = [c for row in raw["train_captions"].tolist() for c in row]
    common = [c for c, _ in Counter(train).most_common(20)]
    best_found = "there is a small dark sandal on the left and a large light top on the right"
    constant = max(corpus_bleu(references, [c.split()] * len(references)) for c in [best_found, *common])
    rng = np.random.default_rng(0)
    drawn = corpus_bleu(references, [train[i].split() for i in rng.choice(len(train), len(references))])
    canonical = [scenes.canonical_caption(layout, items) for layout, items in scenes.scene_items(raw, "test")]
    looking = corpus_bleu(references, [c.split() for c in canonical])
    sixth = corpus_bleu(references, [c.split() for c in scenes.sixth_references(raw)])
    assert constant < 0.33 and drawn < 0.25, (constant, drawn)
    assert looking > 0.75 and sixth > 0.6, (looking, sixth)
    # The script's fast constant-caption BLEU is nltk's, sum for sum.
    tables = scenes._reference_tables(references)
    for c in (best_found, common[0], "a small dark bag on the left"):
        assert scenes._constant_bleu(c.split(), tables) == pytest.approx(corpus_bleu(references, [c.split()] * 500))


def test_the_script_makes_the_shipped_scenes(tmp_path, raw):
    out = tmp_path / "scenes.npz"
    subprocess.run([sys.executable, str(data_dir() / "make_scenes.py"), str(out)], check=True, capture_output=True)
    with np.load(out) as npz:
        assert sorted(npz.files) == sorted(raw)
        for key in npz.files:
            assert npz[key].dtype == raw[key].dtype and np.array_equal(npz[key], raw[key]), key


def test_scene_loader_errors(tmp_path):
    with pytest.raises(ValueError, match="split must be one of"):
        load_caption_scenes(split="val")
    with pytest.raises(DataNotFound, match="make_scenes.py"):
        load_caption_scenes(tmp_path / "nowhere.npz")


# ---------------------------------------------------------------- COCO format

def coco_fixture(root):
    """A tiny COCO-format set: images of odd sizes and kinds, one without captions, captions out of order."""
    folder = root / "images"
    (folder / "sub").mkdir(parents=True)
    Image.new("RGB", (37, 23), (255, 0, 51)).save(folder / "red.png")
    Image.new("RGB", (20, 41), (0, 102, 255)).save(folder / "sub" / "blue.jpg", quality=100)
    Image.new("L", (9, 9), 204).save(folder / "grey.png")
    Image.new("RGBA", (16, 16), (0, 255, 0, 128)).save(folder / "green.png")
    Image.new("RGB", (5, 5)).save(folder / "uncaptioned.png")
    data = {
        "info": {"description": "fixture"},
        "images": [
            {"id": 7, "file_name": "red.png", "height": 23, "width": 37},
            {"id": 3, "file_name": "sub/blue.jpg"},
            {"id": 99, "file_name": "uncaptioned.png"},
            {"id": 12, "file_name": "grey.png"},
            {"id": 5, "file_name": "green.png"},
        ],
        "annotations": [
            {"id": 1, "image_id": 3, "caption": "A blue square.\n"},
            {"id": 2, "image_id": 7, "caption": " a red rectangle"},
            {"id": 3, "image_id": 12, "caption": "grey"},
            {"id": 4, "image_id": 7, "caption": "something red "},
            {"id": 5, "image_id": 5, "caption": "green"},
            {"id": 6, "image_id": 3, "caption": "blue"},
            {"id": 7, "image_id": 7, "caption": "red"},
        ],
    }
    (root / "captions.json").write_text(json.dumps(data), encoding="utf-8")
    return root / "captions.json", folder


def test_coco_format_is_read_resized_and_grouped(tmp_path):
    annotations, folder = coco_fixture(tmp_path)
    images, captions = load_coco_captions(annotations, folder, 16)
    assert images.shape == (4, 16, 16, 3) and images.dtype == np.float32
    assert captions == [["a red rectangle", "something red", "red"], ["A blue square.", "blue"], ["grey"], ["green"]]
    assert np.allclose(images[0], np.array([255, 0, 51]) / 255, atol=1e-6)  # PNG: exact
    assert np.allclose(images[1], np.array([0, 102, 255]) / 255, atol=0.02)  # JPEG: lossy
    assert np.allclose(images[2], 204 / 255, atol=1e-6)  # a greyscale file becomes RGB
    assert np.allclose(images[3], np.array([0, 255, 0]) / 255, atol=1e-6)  # alpha dropped

    images, captions = load_coco_captions(str(annotations), str(folder), (12, 20), grayscale=True, limit=2)
    assert images.shape == (2, 12, 20, 1) and len(captions) == 2
    assert np.allclose(images[0], (0.299 * 255 + 0.114 * 51) / 255, atol=0.01)  # Pillow's L = ITU-R 601-2 luma


def test_coco_loader_names_what_is_missing(tmp_path):
    annotations, folder = coco_fixture(tmp_path)
    (folder / "grey.png").unlink()
    with pytest.raises(DataNotFound, match="grey.png"):
        load_coco_captions(annotations, folder, 8)
    with pytest.raises(DataNotFound, match="do not exist"):
        load_coco_captions(tmp_path / "no.json", folder, 8)
    with pytest.raises(DataNotFound, match="does not exist"):
        load_coco_captions(annotations, tmp_path / "no_folder", 8)
    (tmp_path / "bad.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="COCO's caption format"):
        load_coco_captions(tmp_path / "bad.json", folder, 8)


def test_importing_the_loaders_costs_no_keras_nor_pillow():
    code = (
        "import sys, checker.datasets as d; d.load_caption_scenes; d.load_coco_captions; d.load_scene_encoder; "
        "print(sorted(m for m in ('keras', 'tensorflow', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- the scene encoder

def test_scene_encoder_outputs_size_and_usefulness(shipped):
    encoder = datasets.load_scene_encoder()
    assert (data_dir() / datasets.SCENE_ENCODER_FILE).stat().st_size < 2_000_000
    x_train, _, train_layout = shipped["train"]
    x_test, _, test_layout = shipped["test"]
    features = encoder.predict(x_train[:1500], verbose=0)
    assert features.shape == (1500, datasets.SCENE_FEATURE_DIM) and features.dtype == np.float32
    both = datasets.load_scene_encoder(output="both")
    test_features, test_map = (np.asarray(a) for a in both.predict(x_test, verbose=0))
    assert test_map.shape == (500, *datasets.SCENE_MAP_SHAPE)
    assert np.allclose(test_features[:3], encoder.predict(x_test[:3], verbose=0), atol=1e-5)
    spatial = datasets.load_scene_encoder(output="feature_map")
    assert np.allclose(spatial.predict(x_test[:3], verbose=0), test_map[:3], atol=1e-5)
    with pytest.raises(ValueError, match="output must be"):
        datasets.load_scene_encoder(output="map")

    # The vector says what is where: a least-squares linear probe trained on 1500 train scenes
    # reads the class of the item on the left (or "none") of held-out test scenes.
    def left_class(layout):
        on_left = layout["positions"] == 0
        return np.where(on_left.any(axis=1), np.where(on_left, layout["labels"], 0).sum(axis=1), 10)

    def probe(f):
        return np.hstack([f, np.ones((len(f), 1), np.float32)])

    y = np.eye(11)[left_class(train_layout)[:1500]]
    w = np.linalg.lstsq(probe(features), y, rcond=None)[0]
    accuracy = np.mean((probe(test_features) @ w).argmax(axis=1) == left_class(test_layout))
    assert accuracy > 0.6, accuracy  # chance is below 0.4 ("none"), ten classes otherwise

    # The map says what is where: a least-squares linear probe on each cell's 64 channels, trained on
    # 300 train scenes, tells the cells of held-out test scenes that hold an item from background.
    def covered(layout, n):
        mask = np.zeros((n, 8, 8), bool)
        for s in range(n):
            for k in np.flatnonzero(layout["labels"][s] >= 0):
                x0, y0, x1, y1 = layout["boxes"][s, k]
                mask[s, y0 // 8 + 1:(y1 - 1) // 8, x0 // 8 + 1:(x1 - 1) // 8] = True  # cells well inside the box
                mask[s, (y0 + y1) // 16, (x0 + x1) // 16] = True  # and the centre cell (small items)
        return mask

    train_map = np.asarray(both.predict(x_train[:300], verbose=0)[1])
    inside, test_inside = covered(train_layout, 300), covered(test_layout, 500)
    empty = ~covered_any(train_layout, 300)
    rows = np.concatenate([train_map[inside], train_map[empty]])
    w = np.linalg.lstsq(probe(rows), np.r_[np.ones(inside.sum()), -np.ones(empty.sum())], rcond=None)[0]
    test_empty = ~covered_any(test_layout, 500)
    right = np.r_[(probe(test_map[test_inside]) @ w) > 0, (probe(test_map[test_empty]) @ w) < 0]
    assert right.mean() > 0.95, right.mean()


def covered_any(layout, n):
    """Cells that touch any item's box."""
    mask = np.zeros((n, 8, 8), bool)
    for s in range(n):
        for k in np.flatnonzero(layout["labels"][s] >= 0):
            x0, y0, x1, y1 = layout["boxes"][s, k]
            mask[s, y0 // 8:(y1 + 7) // 8, x0 // 8:(x1 + 7) // 8] = True
    return mask


def test_scene_encoder_is_what_its_script_builds():
    builder = load_module(data_dir() / "make_scene_encoder.py")
    built, shipped = builder.build_encoder(), datasets.load_scene_encoder()
    assert [layer.name for layer in built.layers] == [layer.name for layer in shipped.layers]
    assert [w.shape for w in built.weights] == [w.shape for w in shipped.weights]
    assert shipped.get_layer(datasets.SCENE_MAP_LAYER).output.shape[1:] == datasets.SCENE_MAP_SHAPE
    with pytest.raises(DataNotFound, match="make_scene_encoder.py"):
        datasets.load_scene_encoder("/nonexistent/encoder.keras")
