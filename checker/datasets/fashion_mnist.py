"""Data loaders shared by every week: the shipped subsets, or the full sets by path.

Nothing here downloads anything.  By default a loader returns the small subset
that ships with the course; when the learner has the official files on disk,
`path=` (or an environment variable) points at them and the full set is read.
Only numpy is imported, so numpy exercises and their checks stay fast.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from checker.datasets.shipped import DataNotFound, data_dir

FASHION_MNIST_ENV = "DLX_FASHION_MNIST"
FASHION_MNIST_SUBSET = "fashion_mnist_subset.npz"
FASHION_MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (the MNIST format), gzipped or not, as a uint8 array."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path} is truncated: expected {int(np.prod(shape))} values, found {data.size}")
    return data.reshape(shape)


def _find_official(folder: Path, stem: str) -> Path:
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    raise DataNotFound(
        f"The Fashion-MNIST file {stem}.gz (or {stem}) is not in {folder}.\n"
        "Point dlx at the folder holding the four official files "
        "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
        f"t10k-labels-idx1-ubyte.gz), or unset {FASHION_MNIST_ENV} to use the shipped subset."
    )


def load_fashion_mnist_arrays(path: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """The raw uint8 arrays: x_* (N, 28, 28) and y_* (N,).

    `path` (or $DLX_FASHION_MNIST) is a folder with the official files, or an
    `.npz` with the four arrays; neither means the shipped subset.
    """
    where = path if path is not None else os.environ.get(FASHION_MNIST_ENV) or None
    if where is None:
        source = data_dir() / FASHION_MNIST_SUBSET
        if not source.is_file():
            raise DataNotFound(f"The shipped Fashion-MNIST subset {source} is missing; reinstall dlx or restore data/.")
        with np.load(source) as npz:
            return {key: npz[key] for key in FASHION_MNIST_FILES}
    where = Path(where).expanduser()
    if where.is_file() and where.suffix == ".npz":
        with np.load(where) as npz:
            missing = [key for key in FASHION_MNIST_FILES if key not in npz]
            if missing:
                raise DataNotFound(f"{where} lacks the arrays {', '.join(missing)}.")
            return {key: npz[key] for key in FASHION_MNIST_FILES}
    if not where.is_dir():
        raise DataNotFound(f"{where} does not exist: give the folder holding the official Fashion-MNIST files.")
    return {key: read_idx(_find_official(where, stem)) for key, stem in FASHION_MNIST_FILES.items()}


def load_fashion_mnist(path: str | os.PathLike | None = None, *, flatten: bool = False):
    """Fashion-MNIST as `(x_train, y_train), (x_test, y_test)`.

    Images are float32 in [0, 1], NHWC `(N, 28, 28, 1)` (or `(N, 784)` with
    `flatten=True`); labels are int64 class ids 0–9 (`FASHION_MNIST_CLASSES`).
    """
    arrays = load_fashion_mnist_arrays(path)

    def images(raw: np.ndarray) -> np.ndarray:
        x = raw.astype(np.float32) / np.float32(255.0)
        return x.reshape(len(x), -1) if flatten else x.reshape(len(x), 28, 28, 1)

    return (
        (images(arrays["x_train"]), arrays["y_train"].astype(np.int64)),
        (images(arrays["x_test"]), arrays["y_test"].astype(np.int64)),
    )
