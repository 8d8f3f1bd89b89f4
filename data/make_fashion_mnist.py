"""Make data/fashion_mnist_subset.npz: a class-balanced subset of Fashion-MNIST.

    python data/make_fashion_mnist.py [SOURCE_DIR] [OUTPUT]

SOURCE_DIR holds the four official files (train-images-idx3-ubyte.gz, ...), as
released by Zalando Research or installed by Debian's `dataset-fashion-mnist`
package (default: /usr/share/datasets/fashion-mnist; on a machine without the
package, `apt-get download dataset-fashion-mnist && dpkg -x dataset-*.deb x`
puts them under x/usr/share/datasets/fashion-mnist).

The subset takes TRAIN_PER_CLASS images of each class from the official training
split and TEST_PER_CLASS from the official test split, chosen with a fixed seed,
and keeps them as uint8 in the official layout.  The .npz is written with fixed
zip timestamps, so the same inputs and numpy give the same bytes.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a source checkout: use its checker/

from checker.datasets import FASHION_MNIST_FILES, load_fashion_mnist_arrays  # noqa: E402

SEED = 20261121
TRAIN_PER_CLASS, TEST_PER_CLASS = 1000, 200
DEFAULT_SOURCE = Path("/usr/share/datasets/fashion-mnist")


def balanced_indices(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """`per_class` indices of each class, drawn without replacement, then shuffled together."""
    chosen = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(10)]
    return rng.permutation(np.concatenate(chosen))


def make_subset(source: Path) -> dict[str, np.ndarray]:
    full = load_fashion_mnist_arrays(source)
    rng = np.random.default_rng(SEED)
    train = balanced_indices(full["y_train"], TRAIN_PER_CLASS, rng)
    test = balanced_indices(full["y_test"], TEST_PER_CLASS, rng)
    return {
        "x_train": full["x_train"][train], "y_train": full["y_train"][train],
        "x_test": full["x_test"][test], "y_test": full["y_test"][test],
    }


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like np.savez_compressed, but with fixed timestamps, so the bytes reproduce."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for key in FASHION_MNIST_FILES:
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    output = Path(argv[1]) if len(argv) > 1 else HERE / "fashion_mnist_subset.npz"
    arrays = make_subset(source)
    write_npz(output, arrays)
    print(f"wrote {output}: " + ", ".join(f"{k} {v.shape}" for k, v in arrays.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
