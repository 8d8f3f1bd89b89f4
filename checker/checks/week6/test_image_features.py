"""Hidden checks for exercise 51 (image_features).

The learner's extract_features drives encoders made where its code runs: a
small counting encoder of this file (a Dense layer on the flattened image, then
Dropout, so that training mode shows; every call's batch size recorded), and
the shipped scene encoder.  Expected features come from ONE big call of the
same encoder here, in inference mode; the calls' batch sizes come back by value
and are held against ceil(N / batch_size) batches of batch_size, the last one
shorter.
"""

import keras
import numpy as np
import pytest

from checker.datasets import load_caption_scenes, load_scene_encoder
from checker.testing import assert_array, assert_close, call_unchanged, fail, fmt, learner_side, rng, shipped

TRAINING_MODE = ("the encoder ran in training mode (its Dropout was active): call it as encoder(batch, training=False), "
                 "a pre-trained encoder is only used here, not trained.")


class CountingEncoder(keras.Model):
    """Flatten -> Dense(D, tanh) with seeded weights -> Dropout(0.5); records the batch size of every call."""

    def __init__(self, image_shape, dim, seed):
        super().__init__()
        self.flat = keras.layers.Flatten()
        self.dense = keras.layers.Dense(dim, activation="tanh")
        self.drop = keras.layers.Dropout(0.5)
        self.sizes = []
        g = np.random.default_rng(seed)
        size = int(np.prod(image_shape))
        self.dense.build((None, size))
        self.dense.set_weights([g.normal(size=(size, dim)).astype(np.float32) / np.sqrt(size),
                                g.normal(size=dim).astype(np.float32)])

    def call(self, images, training=False):
        return self.drop(self.dense(self.flat(images)), training=training)

    def __call__(self, images, *args, **kwargs):
        self.sizes.append(int(np.shape(images)[0]))
        return super().__call__(images, *args, **kwargs)


def counting_encoder(image_shape, dim, seed):
    return CountingEncoder(image_shape, dim, seed)


def sizes_of(encoder):
    """The batch sizes the encoder was called with, as plain ints (read where it lives)."""
    return [int(s) for s in encoder.sizes]


def _batches(n, batch_size):
    return [min(batch_size, n - start) for start in range(0, n, batch_size)]


def _run(ex, n, image_shape, dim, batch_size, seed):
    images = rng(seed).random((n, *image_shape)).astype(np.float32)
    encoder = learner_side(counting_encoder, image_shape, dim, seed)
    what = f"extract_features(encoder, images of shape {images.shape}, batch_size={batch_size})"
    got = call_unchanged(ex.extract_features, encoder, images, batch_size, what=what,
                         names=["encoder", "images", "batch_size"])
    here = CountingEncoder(image_shape, dim, seed)
    expected = np.asarray(here(images, training=False), dtype=np.float32)
    return what, got, expected, sizes_of(encoder)


def _check_values(what, got, expected, sizes, n, batch_size):
    if got is None:
        fail(f"{what} returned None.\nDid you forget to return the stacked features?")
    got = assert_array(got, what=what)
    if got.shape != expected.shape:
        hint = ""
        if got.shape[1:] == expected.shape[1:] and got.shape[0] == n - n % batch_size:
            hint = ("\nLikely mistake: the last, shorter batch is missing: loop over range(0, N, batch_size) and take "
                    "images[start:start + batch_size], which is shorter at the end.")
        elif got.ndim == 3:
            hint = "\nLikely mistake: the batches' results were stacked on a new axis: np.concatenate(parts, axis=0), not np.stack."
        fail(f"{what} returned shape {got.shape}, expected {expected.shape}: one row of {expected.shape[1]} features per "
             f"image.{hint}")
    if got.dtype != np.float32:
        fail(f"{what} returned dtype {got.dtype}, expected float32 (np.concatenate(...).astype(np.float32)).")
    if not np.allclose(got, expected, rtol=1e-5, atol=1e-6) and np.any(got == 0) and np.sum(got == 0) > 0.2 * got.size:
        fail(f"{what}: about half the features are 0 and the others do not match: {TRAINING_MODE}")
    assert_close(got, expected, what=what, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n, batch_size", [(10, 4), (12, 4), (3, 8), (7, 1)])
def test_equals_one_big_call(ex, n, batch_size):
    """the stacked features equal one big call encoder(images), row for row (N not always a multiple of batch_size)"""
    what, got, expected, sizes = _run(ex, n, (6, 5, 1), 7, batch_size, seed=10 + n)
    _check_values(what, got, expected, sizes, n, batch_size)


@pytest.mark.parametrize("n, batch_size", [(10, 4), (9, 3), (3, 8)])
def test_one_call_per_batch(ex, n, batch_size):
    """the encoder is called once per batch of batch_size images, the last one shorter"""
    what, got, expected, sizes = _run(ex, n, (4, 4, 2), 5, batch_size, seed=20 + n)
    want = _batches(n, batch_size)
    if sizes == want:
        return
    if not sizes:
        fail(f"{what} never called the encoder as a function.\n"
             "Call it on each batch: encoder(batch, training=False) (not encoder.predict, which splits batches its own "
             "way).")
    if sizes == [n] and n > batch_size:
        why = "Likely mistake: all the images went through in one call; split them into batches of batch_size."
    elif sizes == [1] * n and batch_size > 1:
        why = "Likely mistake: one call per image; call the encoder on batch_size images at a time."
    elif sizes == want[:-1]:
        why = "Likely mistake: the last, shorter batch was skipped."
    else:
        why = "Loop over start = 0, batch_size, 2·batch_size, ... < N and call the encoder on images[start:start + batch_size]."
    fail(f"{what} called the encoder with batches of {fmt(sizes)} images; expected {fmt(want)}.\n{why}")


def test_returns_float32_features(ex):
    """the result is a float32 numpy array (N, D)"""
    what, got, expected, sizes = _run(ex, 5, (3, 3, 1), 4, 2, seed=30)
    _check_values(what, got, expected, sizes, 5, 2)


def test_on_the_shipped_scene_encoder(ex):
    """on the shipped scene encoder and 37 scenes in batches of 16, the 128 features equal one big call"""
    images, _ = shipped(load_caption_scenes, split="validation", what="the course's caption scenes")
    images = images[:37]
    here = shipped(load_scene_encoder, what="the course's scene encoder")
    expected = np.asarray(here(images, training=False), dtype=np.float32)
    encoder = learner_side(load_scene_encoder)
    what = "extract_features(load_scene_encoder(), 37 validation scenes of shape (37, 64, 64, 1), batch_size=16)"
    got = call_unchanged(ex.extract_features, encoder, images, 16, what=what, names=["encoder", "images", "batch_size"])
    if got is None:
        fail(f"{what} returned None.\nDid you forget to return the stacked features?")
    got = assert_array(got, what=what, shape=expected.shape)
    if got.dtype != np.float32:
        fail(f"{what} returned dtype {got.dtype}, expected float32.")
    assert_close(got, expected, what=what, rtol=1e-4, atol=1e-5)
