"""Make data/scene_encoder.keras: a small CNN pre-trained on the TRAIN caption scenes (week 6).

    python data/make_scene_encoder.py [OUTPUT]

The encoder maps a 64×64×1 scene to a 128-d feature vector, and keeps the
8×8×64 spatial map that vector is made from (layer `feature_map`, for attention):

    conv1 (3×3, 16) → pool1 → conv2 (3×3, 32) → pool2 → conv3 (3×3, 64) → pool3
      → feature_map (3×3, 64; 8×8×64) → grid_pool (average 4×4, stride 2; 3×3×64)
      → flatten → features (dense 128, ReLU)

All convolutions are 'same' with ReLU, pools are 2×2 max.  The vector is pooled
over a coarse 3×3 grid rather than globally, so that it still says where things
are (global pooling would lose left from right).

Pre-training is NOT captioning.  Temporary heads (not saved) learn, from the
train scenes of `caption_scenes.npz` only:
- on the spatial map, for each 8×8-pixel cell, which class covers it (10
  classes or background): so each cell's 64 channels describe what is there;
- on the feature vector, for each of the five places (left, right, top, bottom,
  centre), which class is there (or none), its size and its shade.

Seeds are fixed and TensorFlow's op determinism is on, so a rebuild on the same
machine and versions gives the same weights; elsewhere it gives an equivalent
encoder (the same accuracy within about a point), not the same bytes (a .keras
file also records when it was saved).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a source checkout: use its checker/

import numpy as np  # noqa: E402

from checker.datasets import (  # noqa: E402
    CAPTION_SCENE_POSITIONS,
    CAPTION_SCENES_FILE,
    SCENE_ENCODER_FILE,
    SCENE_FEATURE_DIM,
    SCENE_MAP_LAYER,
    SCENE_MAP_SHAPE,
    load_caption_scenes,
)

SEED = 20261205
EPOCHS, BATCH, LEARNING_RATE, BN_MOMENTUM = 16, 64, 2e-3, 0.9
WIDTHS = (16, 32, 64)  # conv1..conv3; conv4 has SCENE_MAP_SHAPE[-1]
CELL = 8  # pixels per cell of the spatial map (64 / 8)
EMPTY = 10  # the class id of "nothing here" (background cell, empty place)
FOREGROUND = 0.15  # a pixel at least this bright belongs to an item
CELL_MIN_PIXELS = 4  # a cell with fewer item pixels is background
PLACES = len(CAPTION_SCENE_POSITIONS)


def build_encoder():
    """The encoder alone: image → SCENE_FEATURE_DIM features, with the named spatial map inside."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(64, 64, 1), name="image")
    x = inputs
    for i, width in enumerate(WIDTHS, start=1):
        x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"norm{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        x = layers.MaxPooling2D(name=f"pool{i}")(x)
    x = layers.Conv2D(SCENE_MAP_SHAPE[-1], 3, padding="same", use_bias=False, name="conv4")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name="norm4")(x)
    spatial = layers.ReLU(name=SCENE_MAP_LAYER)(x)
    x = layers.AveragePooling2D(pool_size=4, strides=2, name="grid_pool")(spatial)
    x = layers.Flatten(name="flatten")(x)
    features = layers.Dense(SCENE_FEATURE_DIM, activation="relu", name="features")(x)
    return keras.Model(inputs, features, name="scene_encoder")


def targets(images: np.ndarray, meta: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What the temporary heads learn: per cell (N, 8, 8) and per place (N, 5) class, size and shade."""
    n = len(images)
    side = images.shape[1] // CELL
    counts = np.zeros((n, side, side, EMPTY + 1), dtype=np.int32)
    place_class = np.full((n, PLACES), EMPTY, dtype=np.int64)
    place_size = np.full((n, PLACES), 2, dtype=np.int64)  # 0 small, 1 large, 2 nobody there
    place_shade = np.full((n, PLACES), 2, dtype=np.int64)  # 0 dark, 1 light, 2 nobody there
    for s in range(n):
        for k in np.flatnonzero(meta["labels"][s] >= 0):
            label, place = int(meta["labels"][s, k]), int(meta["positions"][s, k])
            place_class[s, place] = label
            place_size[s, place], place_shade[s, place] = meta["sizes"][s, k], meta["shades"][s, k]
            x0, y0, x1, y1 = (int(v) for v in meta["boxes"][s, k])
            mask = np.zeros(images.shape[1:3], dtype=np.int32)
            mask[y0:y1, x0:x1] = images[s, y0:y1, x0:x1, 0] >= FOREGROUND
            counts[s, :, :, label] += mask.reshape(side, CELL, side, CELL).sum(axis=(1, 3))
    cells = np.where(counts.max(axis=-1) >= CELL_MIN_PIXELS, counts.argmax(axis=-1), EMPTY)
    return {"cells": cells, "place_class": place_class, "place_size": place_size, "place_shade": place_shade}


def pretraining_model(encoder):
    """The encoder with its temporary heads (dict outputs named like `targets`)."""
    import keras
    from keras import layers

    spatial = encoder.get_layer(SCENE_MAP_LAYER).output
    features = encoder.output
    cells = layers.Conv2D(EMPTY + 1, 1, activation="softmax", name="cells")(spatial)

    def per_place(name, classes):
        x = layers.Dense(PLACES * classes, name=f"{name}_logits")(features)
        x = layers.Reshape((PLACES, classes), name=f"{name}_reshape")(x)
        return layers.Softmax(name=name)(x)

    outputs = {
        "cells": cells,
        "place_class": per_place("place_class", EMPTY + 1),
        "place_size": per_place("place_size", 3),
        "place_shade": per_place("place_shade", 3),
    }
    return keras.Model(encoder.input, outputs, name="scene_pretraining")


def accuracies(model, images: np.ndarray, truth: dict[str, np.ndarray]) -> dict[str, float]:
    """Accuracy of each head where there is something to get right (occupied places, item cells)."""
    predicted = {key: value.argmax(axis=-1) for key, value in model.predict(images, verbose=0).items()}
    occupied = truth["place_class"] != EMPTY
    items = truth["cells"] != EMPTY
    return {
        "place class (occupied places)": float((predicted["place_class"] == truth["place_class"])[occupied].mean()),
        "place empty or not": float(((predicted["place_class"] != EMPTY) == occupied).mean()),
        "size": float((predicted["place_size"] == truth["place_size"])[occupied].mean()),
        "shade": float((predicted["place_shade"] == truth["place_shade"])[occupied].mean()),
        "whole scene right": float(np.all(
            (predicted["place_class"] == truth["place_class"]) & (predicted["place_size"] == truth["place_size"])
            & (predicted["place_shade"] == truth["place_shade"]), axis=1).mean()),
        "cell class (item cells)": float((predicted["cells"] == truth["cells"])[items].mean()),
        "cell item or background": float(((predicted["cells"] != EMPTY) == items).mean()),
    }


def main(argv: list[str]) -> None:
    import keras
    import tensorflow as tf

    output = Path(argv[0]) if argv else HERE / SCENE_ENCODER_FILE
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    x_train, _, meta_train = load_caption_scenes(HERE / CAPTION_SCENES_FILE, "train", layout=True)
    x_test, _, meta_test = load_caption_scenes(HERE / CAPTION_SCENES_FILE, "test", layout=True)
    y_train, y_test = targets(x_train, meta_train), targets(x_test, meta_test)

    encoder = build_encoder()
    model = pretraining_model(encoder)
    model.compile(
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(LEARNING_RATE, EPOCHS * -(-len(x_train) // BATCH))
        ),
        loss={key: "sparse_categorical_crossentropy" for key in y_train},
    )
    started = time.perf_counter()
    model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH, shuffle=True, verbose=2)
    seconds = time.perf_counter() - started
    encoder.save(output)  # the encoder alone: the temporary heads are dropped
    print(f"trained on {len(x_train)} train scenes in {seconds:.0f} s; on the {len(x_test)} test scenes:")
    train_check = {key: value[:1000] for key, value in y_train.items()}
    on_train = accuracies(model, x_train[:1000], train_check)
    for name, value in accuracies(model, x_test, y_test).items():
        print(f"  {name}: {value:.3f} (first 1000 train scenes: {on_train[name]:.3f})")
    print(f"wrote {output} ({output.stat().st_size / 1024:.0f} KiB, {encoder.count_params()} parameters)")


if __name__ == "__main__":
    main(sys.argv[1:])
