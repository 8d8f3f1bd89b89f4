"""The shared data loader: the shipped subset by default, the official files by path."""

import gzip
import subprocess
import sys

import numpy as np
import pytest

from checker import datasets
from tests.helpers import REPO


def write_idx(path, array: np.ndarray, compress=True) -> None:
    """Write `array` (uint8) in the IDX format the official files use."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    if compress:
        with gzip.open(path, "wb") as handle:
            handle.write(raw)
    else:
        path.write_bytes(raw)


def fake_official(folder, n_train=1200, n_test=300, seed=0, compress=True):
    """A folder shaped like the official release, with random images and balanced labels."""
    g = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "x_train": g.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "y_train": np.arange(n_train, dtype=np.uint8) % 10,
        "x_test": g.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "y_test": np.arange(n_test, dtype=np.uint8) % 10,
    }
    suffix = ".gz" if compress else ""
    for key, stem in datasets.FASHION_MNIST_FILES.items():
        write_idx(folder / f"{stem}{suffix}", arrays[key], compress)
    return arrays


def test_shipped_subset_shapes_types_and_balance():
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist()
    assert x_train.shape == (10000, 28, 28, 1) and x_test.shape == (2000, 28, 28, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0 and x_train.max() > 0.99
    assert np.bincount(y_train).tolist() == [1000] * 10
    assert np.bincount(y_test).tolist() == [200] * 10
    # Real clothing, not noise: the mean trouser is brighter in its leg columns than in the gap between them.
    trousers = x_train[y_train == 1, :, :, 0].mean(axis=0)
    assert trousers[16:24, 11].mean() > trousers[16:24, 14].mean() + 0.3  # legs at columns ~11 and ~16


def test_flatten_gives_rows_of_784():
    (x_train, _), (x_test, _) = datasets.load_fashion_mnist(flatten=True)
    assert x_train.shape == (10000, 784) and x_test.shape == (2000, 784)


@pytest.mark.parametrize("compress", [True, False])
def test_full_set_from_a_folder_of_official_files(tmp_path, compress):
    arrays = fake_official(tmp_path / "fm", compress=compress)
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist(tmp_path / "fm")
    assert x_train.shape == (1200, 28, 28, 1) and x_test.shape == (300, 28, 28, 1)
    np.testing.assert_array_equal((x_train[..., 0] * 255).round().astype(np.uint8), arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


def test_environment_variable_points_at_the_full_set(tmp_path, monkeypatch):
    fake_official(tmp_path / "fm", n_train=50, n_test=20)
    monkeypatch.setenv(datasets.FASHION_MNIST_ENV, str(tmp_path / "fm"))
    (x_train, _), _ = datasets.load_fashion_mnist()
    assert len(x_train) == 50


def test_missing_official_file_is_named(tmp_path):
    fake_official(tmp_path / "fm", n_train=20, n_test=10)
    (tmp_path / "fm" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(datasets.DataNotFound, match="t10k-labels-idx1-ubyte"):
        datasets.load_fashion_mnist(tmp_path / "fm")


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(datasets.DataNotFound, match="nowhere"):
        datasets.load_fashion_mnist(tmp_path / "nowhere")


def test_truncated_file_is_refused(tmp_path):
    arrays = fake_official(tmp_path / "fm", n_train=20, n_test=10, compress=False)
    path = tmp_path / "fm" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    assert arrays
    with pytest.raises(ValueError, match="truncated"):
        datasets.load_fashion_mnist(tmp_path / "fm")


def test_make_script_is_balanced_and_reproducible(tmp_path):
    """The script that made the shipped subset, run on official-format files, twice."""
    fake_official(tmp_path / "fm", n_train=12000, n_test=2500)
    outputs = [tmp_path / "a.npz", tmp_path / "b.npz"]
    for output in outputs:
        subprocess.run([sys.executable, str(REPO / "data" / "make_fashion_mnist.py"), str(tmp_path / "fm"), str(output)],
                       check=True, capture_output=True)
    assert outputs[0].read_bytes() == outputs[1].read_bytes()
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist(outputs[0])
    assert np.bincount(y_train).tolist() == [1000] * 10 and np.bincount(y_test).tolist() == [200] * 10
    assert len(np.unique(x_train.reshape(len(x_train), -1), axis=0)) == 10000  # no image twice
