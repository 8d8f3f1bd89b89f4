"""Exercise 29 (augmentation): every output of the reference solution is one of the
50 allowed flip/shift results built with TensorFlow's image ops, every transform
occurs about as often as it should, the check's own oracle agrees with TensorFlow,
and typical mistakes are caught and named."""

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import load_check, mutate, solution

sol = solution("augmentation")
checks = load_check("augmentation")
TRANSFORMS = [(flip, dy, dx) for flip in (False, True) for dy in range(-2, 3) for dx in range(-2, 3)]


def tf_transform(images, flip, dy, dx):
    """Flip with tf.image.flip_left_right, then shift with zero padding and a crop."""
    x = tf.convert_to_tensor(images)
    if flip:
        x = tf.image.flip_left_right(x)
    h, w = images.shape[1:3]
    padded = tf.image.pad_to_bounding_box(x, 2, 2, h + 4, w + 4)  # 2 zero rows/columns on every side
    return tf.image.crop_to_bounding_box(padded, 2 - dy, 2 - dx, h, w).numpy()


def tf_identify(images, out):
    """For each output image, the indices of the TF-built candidates it equals."""
    hits = np.stack([np.all(tf_transform(images, *t) == out, axis=(1, 2, 3)) for t in TRANSFORMS])
    return [np.flatnonzero(hits[:, n]) for n in range(len(images))]


def test_the_docstring_example():
    image = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 8, 7, 6]], dtype=np.float32)[None, :, :, None]
    shifted = tf_transform(image, True, 1, -1)[0, :, :, 0]
    np.testing.assert_array_equal(shifted, [[0, 0, 0, 0], [3, 2, 1, 0], [7, 6, 5, 0]])
    np.testing.assert_array_equal(sol._shift(image[0, :, ::-1], 1, -1)[:, :, 0], shifted)


@pytest.mark.parametrize("shape", [(3, 28, 28, 1), (7, 5, 9, 3)])
def test_the_checks_oracle_agrees_with_tensorflow(shape):
    images = np.random.default_rng(0).uniform(0.1, 1, size=shape).astype(np.float32)
    for t in TRANSFORMS:
        np.testing.assert_array_equal(checks._transform(images, *t), tf_transform(images, *t))


@pytest.mark.parametrize("seed", range(3))
def test_every_output_is_exactly_one_allowed_transform(seed):
    g = np.random.default_rng(seed)
    images = g.uniform(0.1, 1, size=(50, 8, 11, 2)).astype(np.float32)
    before = images.copy()
    out = sol.augment(images, np.random.default_rng(100 + seed))
    np.testing.assert_array_equal(images, before)
    assert out.dtype == np.float32 and out.shape == images.shape and not np.shares_memory(out, images)
    assert all(len(hits) == 1 for hits in tf_identify(images, out))


def test_all_fifty_transforms_occur_about_uniformly():
    images = np.random.default_rng(1).uniform(0.1, 1, size=(2500, 5, 6, 1)).astype(np.float32)
    found = [hits[0] for hits in tf_identify(images, sol.augment(images, np.random.default_rng(2)))]
    counts = np.bincount(found, minlength=len(TRANSFORMS))
    assert counts.min() >= 25 and counts.max() <= 80, counts  # expected 50 each, sd ≈ 7
    flipped = counts[25:].sum() / counts.sum()
    assert 0.45 < flipped < 0.55


def test_reproducible_and_leaves_global_state_alone():
    images = np.random.default_rng(3).uniform(size=(10, 6, 6, 1)).astype(np.float32)
    state = np.random.get_state()[1].copy()
    a = sol.augment(images, np.random.default_rng(5))
    np.testing.assert_array_equal(a, sol.augment(images, np.random.default_rng(5)))
    assert not np.array_equal(a, sol.augment(images, np.random.default_rng(6)))
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize(
    "old, new, named",
    [
        (
            "out[n] = _shift(image, int(dy), int(dx))",
            "out[n] = np.roll(image, (int(dy), int(dx)), axis=(0, 1))",
            "wraps around (np.roll)",
        ),
        (
            "    for n, image in enumerate(images):\n        if rng.random() < 0.5:",
            "    flip = rng.random() < 0.5\n    for n, image in enumerate(images):\n        if flip:",
            "one flip decision for the whole batch",
        ),
        (
            "rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=2)",
            "rng.integers(-MAX_SHIFT, MAX_SHIFT, size=2)",
            "its upper bound is excluded",
        ),
        ("if rng.random() < 0.5", "if np.random.random() < 0.5", "global random state"),
        (
            "dy, dx = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=2)",
            "dy = dx = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1)",
            "the same random draw is used for both",
        ),
        ("image = image[:, ::-1]", "image = image[::-1]", "flipped vertically"),
    ],
    ids=["roll", "one-flip-per-batch", "exclusive-upper-bound", "global-random", "dy-equals-dx", "vertical-flip"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("augmentation", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message
