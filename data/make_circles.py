"""Make data/circles.npz: two noisy concentric rings (exercise 12, train_logreg).

    python data/make_circles.py [OUTPUT]        # default: circles.npz next to this script

Class 1 is the inner ring (radius 1), class 0 the outer ring (radius 2); each
point's radius gets Gaussian noise (σ = 0.2), its angle is uniform.  No straight
line separates the rings, but a logistic regression on the quadratic features
[x0, x1, x0², x1², x0·x1, 1] (a circular boundary) classifies ~99% correctly.

The script is deterministic: a fixed seed, and the .npz is written with fixed zip
timestamps, so running it again gives the same bytes.  Only numpy is needed.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import numpy as np

SEED = 20240601
N_TRAIN, N_TEST = 400, 200
RADII = {1: 1.0, 0: 2.0}  # class -> ring radius
NOISE = 0.2


def rings(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` points, half on each ring, shuffled; X float64 (n, 2), y int64 (n,)."""
    y = np.repeat(np.array([1, 0], dtype=np.int64), [n // 2, n - n // 2])
    radius = np.where(y == 1, RADII[1], RADII[0]) + NOISE * rng.normal(size=n)
    angle = rng.uniform(0.0, 2.0 * np.pi, size=n)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    order = rng.permutation(n)
    return X[order], y[order]


def make_circles(seed: int = SEED) -> dict[str, np.ndarray]:
    """The train and test splits, drawn from one seeded generator."""
    rng = np.random.default_rng(seed)
    X_train, y_train = rings(N_TRAIN, rng)
    X_test, y_test = rings(N_TEST, rng)
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like np.savez, but byte-for-byte reproducible (fixed zip timestamps)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, buffer.getvalue())


def main(argv: list[str]) -> None:
    output = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "circles.npz"
    save_npz(output, make_circles())
    print(f"wrote {output}")


if __name__ == "__main__":
    main(sys.argv)
