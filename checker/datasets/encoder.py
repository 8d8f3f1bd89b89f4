"""The pre-trained encoder that ships with the course (week 3, exercise 30 `transfer`).

`data/fashion_encoder.keras` is a small convolutional encoder (28×28×1 image →
128 features) trained by `data/make_encoder.py` on five Fashion-MNIST classes
only (`PRETRAINED_CLASSES`).  Exercise 30 re-uses it for the other five
(`NEW_CLASSES`), with few labels.  Nothing is downloaded: the file ships with dlx.

TensorFlow is imported only when the encoder is loaded, so importing this module
stays cheap.
"""

from __future__ import annotations

import os
from pathlib import Path

from checker.datasets.fashion_mnist import FASHION_MNIST_CLASSES
from checker.datasets.shipped import DataNotFound, data_dir

ENCODER_FILE = "fashion_encoder.keras"
FEATURE_DIM = 128
PRETRAINED_CLASSES = (0, 1, 2, 3, 4)  # T-shirt/top, Trouser, Pullover, Dress, Coat: what the encoder was trained on
NEW_CLASSES = (5, 6, 7, 8, 9)  # Sandal, Shirt, Sneaker, Bag, Ankle boot: never seen in pre-training
PRETRAINED_CLASS_NAMES = tuple(FASHION_MNIST_CLASSES[c] for c in PRETRAINED_CLASSES)
NEW_CLASS_NAMES = tuple(FASHION_MNIST_CLASSES[c] for c in NEW_CLASSES)


def encoder_path() -> Path:
    """Where the shipped encoder lives."""
    return data_dir() / ENCODER_FILE


def load_encoder(path: str | os.PathLike | None = None):
    """The pre-trained encoder as a fresh, uncompiled `keras.Model` (each call loads a new copy).

    `path` defaults to the shipped `fashion_encoder.keras`.
    """
    source = Path(path).expanduser() if path is not None else encoder_path()
    if not source.is_file():
        raise DataNotFound(
            f"The pre-trained encoder {source} is missing.\n"
            "It ships with dlx: reinstall dlx, or in a clone of the repository rebuild it with "
            "`python data/make_encoder.py`."
        )
    import keras

    return keras.saving.load_model(source, compile=False)
