"""What exercises and checks load, never downloaded: the shipped data sets, or the full ones by path.

Every loader returns the small subset that ships with the course by default; a
path (or an environment variable) points it at the full data on disk.

Names are imported on first use (PEP 562), so that `checker.datasets.shipped`,
which the parent needs to find the course, costs no numpy; TensorFlow is
imported only when a model is loaded.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "checker.datasets.shipped": ("DataNotFound", "course_root", "data_dir"),
    "checker.datasets.fashion_mnist": (
        "FASHION_MNIST_CLASSES", "FASHION_MNIST_ENV", "FASHION_MNIST_FILES", "FASHION_MNIST_SUBSET",
        "load_fashion_mnist", "load_fashion_mnist_arrays", "read_idx",
    ),
    "checker.datasets.encoder": (
        "ENCODER_FILE", "FEATURE_DIM", "NEW_CLASSES", "NEW_CLASS_NAMES", "PRETRAINED_CLASSES",
        "PRETRAINED_CLASS_NAMES", "encoder_path", "load_encoder",
    ),
    "checker.datasets.names": ("NAMES_FILE", "NAMES_SPLITS", "load_names"),
    "checker.datasets.text": (
        "CORPUS_FILE", "EMBEDDINGS_FILE", "POS_CLASSES", "POS_TAGS", "POS_WORDS_FILE", "TAGGED_FILE", "UNTAGGED",
        "load_corpus", "load_embeddings", "load_pos_words", "load_tagged_sentences",
    ),
    "checker.datasets.captions": (
        "CAPTION_SCENES_FILE", "CAPTION_SCENE_POSITIONS", "CAPTION_SCENE_SIZE", "CAPTION_SCENE_SPLITS",
        "SCENE_ENCODER_FILE", "SCENE_FEATURE_DIM", "SCENE_MAP_LAYER", "SCENE_MAP_SHAPE",
        "load_caption_scenes", "load_coco_captions", "load_scene_encoder", "scene_encoder_path",
    ),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'checker.datasets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
