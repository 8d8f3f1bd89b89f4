"""Image captioning data (week 6): the shipped Fashion-MNIST scenes, or real data in COCO's format.

- `load_caption_scenes()` reads `data/caption_scenes.npz` (made by
  `data/make_scenes.py`): 64×64 greyscale scenes of one to three Fashion-MNIST
  items, five reference captions each, in train / validation / test splits.
- `load_coco_captions()` reads any data set in COCO's caption format (COCO
  itself, or Flickr8k/30k converted to it): a JSON file of images and
  annotations, and the folder of the image files, resized with Pillow.
- `load_scene_encoder()` loads `data/scene_encoder.keras` (made by
  `data/make_scene_encoder.py`), the small CNN pre-trained on the train scenes:
  a 128-d feature vector per image, and the 8×8×64 spatial map it is pooled
  from (layer `feature_map`) for attention.

Both data loaders return `(images, captions)`: images float32 `(N, H, W, C)` in
[0, 1], captions a list of N lists of strings (five per scene; as many as the
annotations give for COCO).  Only numpy is imported here; Pillow when COCO
images are read, Keras when the encoder is loaded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from checker.datasets.shipped import DataNotFound, data_dir

CAPTION_SCENES_FILE = "caption_scenes.npz"
CAPTION_SCENE_SPLITS = ("train", "validation", "test")
CAPTION_SCENE_SIZE = 64  # scenes are CAPTION_SCENE_SIZE × CAPTION_SCENE_SIZE × 1
CAPTION_SCENE_POSITIONS = ("left", "right", "top", "bottom", "centre")
SCENE_ENCODER_FILE = "scene_encoder.keras"
SCENE_FEATURE_DIM = 128  # the encoder's output: one vector per image
SCENE_MAP_LAYER = "feature_map"  # the layer to cut at for the spatial map
SCENE_MAP_SHAPE = (8, 8, 64)  # that layer's output per image: 8×8 positions of 64 channels
_LAYOUT_KEYS = ("layouts", "labels", "positions", "sizes", "shades", "boxes", "sources")


def load_caption_scenes(path: str | os.PathLike | None = None, split: str = "train", *, layout: bool = False):
    """The shipped caption scenes of one split, as `(images, captions)`.

    images: float32 `(N, 64, 64, 1)` in [0, 1]; captions: N lists of five strings
    (lower case words separated by single spaces, no punctuation).  `split` is
    "train" (6000), "validation" (500) or "test" (500).  `path` points at another
    `.npz` of the same layout (default: the shipped `caption_scenes.npz`).

    With `layout=True` a third value is returned: a dict of what each scene holds,
    item by item (up to three; -1 where a scene has fewer): `labels` (Fashion-MNIST
    class), `positions` (index into `CAPTION_SCENE_POSITIONS`), `sizes` (0 small,
    1 large), `shades` (0 dark, 1 light), `boxes` (x0, y0, x1, y1 in pixels), and
    `layouts` / `sources` (the layout, the subset image each item came from).
    """
    if split not in CAPTION_SCENE_SPLITS:
        raise ValueError(f"split must be one of {', '.join(CAPTION_SCENE_SPLITS)}, not {split!r}")
    source = Path(path).expanduser() if path is not None else data_dir() / CAPTION_SCENES_FILE
    if not source.is_file():
        raise DataNotFound(
            f"The caption scenes {source} are missing.\n"
            "They ship with dlx: reinstall dlx, or in a clone of the repository rebuild them with "
            "`python data/make_scenes.py`."
        )
    with np.load(source) as npz:
        missing = [key for key in (f"{split}_images", f"{split}_captions") if key not in npz]
        if missing:
            raise DataNotFound(f"{source} lacks the arrays {', '.join(missing)}.")
        images = npz[f"{split}_images"].astype(np.float32) / np.float32(255.0)
        captions = [[str(c) for c in row] for row in npz[f"{split}_captions"]]
        extra = {key: npz[f"{split}_{key}"] for key in _LAYOUT_KEYS if f"{split}_{key}" in npz} if layout else None
    return (images, captions, extra) if layout else (images, captions)


def load_coco_captions(
    annotations_json: str | os.PathLike,
    image_dir: str | os.PathLike,
    image_size: int | tuple[int, int],
    *,
    grayscale: bool = False,
    limit: int | None = None,
):
    """A captioning data set in COCO's format, as `(images, captions)`.

    `annotations_json` holds `{"images": [{"id", "file_name", ...}], "annotations":
    [{"image_id", "caption"}, ...]}` (COCO's `captions_train2017.json`, or Flickr8k/30k
    converted to it); `file_name` is relative to `image_dir`.  Every image with at
    least one caption is read, in the order of "images", and resized with Pillow
    (bilinear) to `image_size` (an int for a square, or `(height, width)`).

    Returns images float32 `(N, height, width, 3)` in [0, 1] (`(..., 1)` with
    `grayscale=True`) and captions: N lists of that image's captions, stripped of
    surrounding white space, in the order of "annotations".  `limit` keeps the
    first `limit` images (the full sets do not fit in memory at large sizes).
    """
    annotations_json, image_dir = Path(annotations_json).expanduser(), Path(image_dir).expanduser()
    if not annotations_json.is_file():
        raise DataNotFound(f"The caption annotations {annotations_json} do not exist.")
    if not image_dir.is_dir():
        raise DataNotFound(f"The image folder {image_dir} does not exist.")
    height, width = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    with open(annotations_json, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or "images" not in data or "annotations" not in data:
        raise ValueError(f"{annotations_json} is not in COCO's caption format: it needs 'images' and 'annotations'.")
    by_image: dict = {}
    for note in data["annotations"]:
        by_image.setdefault(note["image_id"], []).append(str(note["caption"]).strip())
    entries = [entry for entry in data["images"] if entry["id"] in by_image]
    if limit is not None:
        entries = entries[:limit]

    from PIL import Image

    mode, channels = ("L", 1) if grayscale else ("RGB", 3)
    images = np.empty((len(entries), height, width, channels), dtype=np.float32)
    for i, entry in enumerate(entries):
        file = image_dir / entry["file_name"]
        if not file.is_file():
            raise DataNotFound(f"The image {file} (id {entry['id']} in {annotations_json.name}) does not exist.")
        with Image.open(file) as picture:
            picture = picture.convert(mode).resize((width, height), Image.Resampling.BILINEAR)
            images[i] = np.asarray(picture, dtype=np.float32).reshape(height, width, channels) / np.float32(255.0)
    return images, [by_image[entry["id"]] for entry in entries]


def scene_encoder_path() -> Path:
    """Where the shipped scene encoder lives."""
    return data_dir() / SCENE_ENCODER_FILE


def load_scene_encoder(path: str | os.PathLike | None = None, output: str = "features"):
    """The pre-trained scene encoder as a fresh, uncompiled `keras.Model` (each call loads a new copy).

    `output="features"` (the saved model): image `(N, 64, 64, 1)` → `(N, 128)`;
    `output="feature_map"`: the same model cut at layer `feature_map`, image →
    `(N, 8, 8, 64)`, a feature vector per 8×8-pixel cell (for attention);
    `output="both"`: a model with the two outputs `[features, feature_map]`.
    `path` defaults to the shipped `scene_encoder.keras`.
    """
    if output not in ("features", "feature_map", "both"):
        raise ValueError(f"output must be 'features', 'feature_map' or 'both', not {output!r}")
    source = Path(path).expanduser() if path is not None else scene_encoder_path()
    if not source.is_file():
        raise DataNotFound(
            f"The scene encoder {source} is missing.\n"
            "It ships with dlx: reinstall dlx, or in a clone of the repository rebuild it with "
            "`python data/make_scene_encoder.py`."
        )
    import keras

    model = keras.saving.load_model(source, compile=False)
    if output == "features":
        return model
    spatial = model.get_layer(SCENE_MAP_LAYER).output
    if output == "feature_map":
        return keras.Model(model.inputs, spatial, name="scene_encoder_map")
    return keras.Model(model.inputs, [model.outputs[0], spatial], name="scene_encoder_both")
