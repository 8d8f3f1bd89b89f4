"""Hidden checks for exercise 32 (autoencoder).

The contract first, in a blink: a tuple (encoder, decoder) of keras.Models,
shapes for code sizes 1 to 512 and for colour images, decoder pixels in [0, 1],
convolutions on both sides, a sane size.  Then the training check: the two
networks, joined and compiled where the learner's code runs, train on 4 000
shipped Fashion-MNIST images with fixed seeds under a time guard; the 2 000 test
images are encoded and decoded there, and their mean squared error is reckoned
here and held against PCA's with the same code size, fitted here on the same
4 000 images by an SVD of their covariance (numpy only, a fraction of a second).
"""

from __future__ import annotations

import functools
import math

import keras
import numpy as np
import pytest

from checker.testing import (
    judge_side_model,
    after_cheap_checks,
    fail,
    guarded_fit,
    learner_isinstance,
    learner_side,
    rng,
    shipped_fashion_mnist,
    type_name,
)

IMG = (28, 28, 1)
CODE = 8  # the training check's code size: small, where a non-linear code pays most
N_TRAIN, EPOCHS, BATCH, LR = 4000, 5, 64, 2e-3
TIME_BUDGET = 60.0  # CPU seconds of training before the guard stops it (checker.testing.guarded_fit)
MAX_PARAMS = 500_000
ENCODER_CONV = (keras.layers.Conv2D, keras.layers.SeparableConv2D, keras.layers.DepthwiseConv2D)
DECODER_CONV = (keras.layers.Conv2D, keras.layers.Conv2DTranspose, keras.layers.SeparableConv2D)


def _all_layers(model):
    for layer in getattr(model, "layers", []):
        yield layer
        yield from _all_layers(layer)


def build(ex, img_shape=IMG, code_size=CODE, seed=0):
    """The learner's (encoder, decoder), built where their code runs, with the basic contract checked."""
    learner_side(keras.utils.set_random_seed, seed)
    result = ex.build_autoencoder(tuple(img_shape), code_size)
    call = f"build_autoencoder({tuple(img_shape)}, {code_size})"
    if result is None:
        fail(f"{call} returned None.\nDid you forget `return encoder, decoder`?")
    if learner_isinstance(result, keras.Model):
        fail(f"{call} returned one keras.Model, expected a tuple (encoder, decoder) of two models.\n"
             "Return the two halves, `return encoder, decoder`: the check joins and trains them itself.")
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{call} returned {type_name(result)}, expected a tuple (encoder, decoder) of two keras.Models.")
    for name, model in zip(("encoder", "decoder"), result):
        if not learner_isinstance(model, keras.Model):
            fail(f"{call}: the {name} is {type_name(model)}, expected a keras.Model (keras.Sequential([...]) works).")
    return result


def _run(model, x, what):
    try:
        return np.asarray(model(x, training=False), dtype=np.float64)
    except Exception as exc:  # noqa: BLE001 - any failure is a model that does not take this input
        fail(f"{what} could not take an input of shape {x.shape}:\n{type(exc).__name__}: {str(exc)[:400]}")


def check_shapes(encoder, decoder, img_shape, code_size):
    """Fail unless images → (N, code_size) → images of img_shape, pixels in [0, 1]."""
    call = f"build_autoencoder({tuple(img_shape)}, {code_size})"
    x = rng(code_size).uniform(size=(3, *img_shape)).astype(np.float32)
    codes = _run(encoder, x, f"The encoder of {call}")
    if codes.shape != (3, code_size):
        hint = ""
        if codes.ndim > 2:
            hint = "\nLikely mistake: the feature maps were not flattened: Flatten() before the last Dense(code_size)."
        elif codes.ndim == 2 and codes.shape[1] != code_size:
            hint = "\nLikely mistake: the code size is hard-coded: the last Dense layer needs code_size units."
        fail(f"The encoder of {call} turned 3 images of shape {tuple(img_shape)} into codes of shape {codes.shape}, "
             f"expected (3, {code_size}).{hint}")
    z = rng(code_size + 1).normal(scale=3.0, size=(3, code_size)).astype(np.float32)
    images = _run(decoder, z, f"The decoder of {call}")
    if images.shape != (3, *img_shape):
        hint = ""
        if images.ndim == 4 and images.shape[1:3] == tuple(img_shape[:2]) and images.shape[3] != img_shape[2]:
            hint = f"\nLikely mistake: the number of channels is fixed: the last layer needs C = {img_shape[2]} filters."
        elif images.ndim == 4 and images.shape[1:3] != tuple(img_shape[:2]):
            hint = ("\nLikely mistake: the height and width are fixed (or halved once too often): start the decoder "
                    "at (H // 4, W // 4) and double twice.")
        fail(f"The decoder of {call} turned codes of shape (3, {code_size}) into {images.shape}, expected "
             f"(3, {', '.join(map(str, img_shape))}).{hint}")
    if not np.all(np.isfinite(images)) or images.min() < 0.0 or images.max() > 1.0:
        fail(f"The decoder of {call} gave pixels from {images.min():.3g} to {images.max():.3g} for random codes; "
             "the images are in [0, 1].\nEnd the decoder with activation=\"sigmoid\", so that every pixel is in [0, 1].")


# ---------------------------------------------------------------- the contract


def test_returns_an_encoder_and_a_decoder(ex):
    """build_autoencoder returns a tuple (encoder, decoder) of keras.Models"""
    build(ex)


@pytest.mark.parametrize("code_size", [1, 8, 32, 512])
def test_shapes_for_every_code_size(ex, code_size):
    """28×28×1 images → (N, code_size) codes → 28×28×1 images in [0, 1], for code sizes 1 to 512"""
    check_shapes(*build(ex, IMG, code_size), IMG, code_size)


def test_shapes_for_colour_images(ex):
    """32×32×3 images → (N, 16) codes → 32×32×3 images (the arguments are used, nothing is fixed)"""
    check_shapes(*build(ex, (32, 32, 3), 16), (32, 32, 3), 16)


def check_architecture(encoder, decoder):
    """Convolutions on both sides, and a size that trains in the budget."""
    if not any(learner_isinstance(layer, kind) for layer in _all_layers(encoder) for kind in ENCODER_CONV):
        fail("The encoder has no Conv2D layer: this exercise is a CONVOLUTIONAL autoencoder.\n"
             "Start the encoder with Conv2D(16, 3, strides=2, padding=\"same\", activation=\"relu\").")
    if not any(learner_isinstance(layer, kind) for layer in _all_layers(decoder) for kind in DECODER_CONV):
        fail("The decoder has no Conv2DTranspose (or Conv2D) layer: this exercise is a CONVOLUTIONAL autoencoder.\n"
             "After Dense and Reshape, double the size back with Conv2DTranspose(..., strides=2, padding=\"same\").")
    n_params = encoder.count_params() + decoder.count_params()
    if n_params > MAX_PARAMS:
        fail(f"For code_size = {CODE} the encoder and the decoder have {n_params:,} parameters together; at most "
             f"{MAX_PARAMS:,} train within the time budget.\nUse fewer filters, or strides=2 so that the Dense layers "
             "work on 7×7 maps, not 28×28.")


def test_convolutional_and_of_sane_size(ex):
    """a Conv2D in the encoder, a (transposed) convolution in the decoder, at most 500 000 parameters"""
    check_architecture(*build(ex))


# ---------------------------------------------------------------- training for real


@functools.lru_cache(maxsize=1)
def _data():
    """The first N_TRAIN shipped training images and the 2 000 test images (always the shipped subset)."""
    (x_train, _), (x_test, _) = shipped_fashion_mnist()
    return x_train[:N_TRAIN], x_test


def pca_error(x_train, x_test, k):
    """Test MSE of PCA with k components fitted on x_train (numpy SVD of the covariance, float64)."""
    a = x_train.reshape(len(x_train), -1).astype(np.float64)
    b = x_test.reshape(len(x_test), -1).astype(np.float64)
    mean = a.mean(axis=0)
    centred = a - mean
    _, _, vt = np.linalg.svd(centred.T @ centred)  # symmetric: its singular vectors are the principal directions
    v = vt[:k]
    rebuilt = (b - mean) @ v.T @ v + mean
    return float(np.mean((rebuilt - b) ** 2))


def _joined(encoder, decoder, lr):
    """decoder(encoder(x)), compiled with Adam(lr) and the mean squared error (made where the models live)."""
    images = keras.Input(encoder.input_shape[1:])
    autoencoder = keras.Model(images, decoder(encoder(images)))
    autoencoder.compile(keras.optimizers.Adam(lr), "mse")
    return autoencoder


def reconstruct(encoder, decoder, x, batch=500):
    """decoder(encoder(x)), in batches, computed here by copies of the two networks rebuilt in the judge."""
    encoder, decoder = judge_side_model(encoder, "the encoder"), judge_side_model(decoder, "the decoder")
    codes = np.asarray(encoder.predict(x, batch_size=batch, verbose=0), dtype=np.float32)
    return np.asarray(decoder.predict(codes, batch_size=batch, verbose=0), dtype=np.float64)


def train_and_score(build_autoencoder, seed: int = 0, budget: float = TIME_BUDGET):
    """Train as the stub says; return (autoencoder test MSE, PCA test MSE, training seconds)."""
    x_train, x_test = _data()
    learner_side(keras.utils.set_random_seed, seed)
    pair = build_autoencoder(IMG, CODE)
    encoder, decoder = pair
    check_shapes(encoder, decoder, IMG, CODE)
    autoencoder = learner_side(_joined, encoder, decoder, LR)
    total = EPOCHS * math.ceil(len(x_train) / BATCH)
    guard, seconds, _ = guarded_fit(autoencoder, x_train, x_train, budget, total,
                                    epochs=EPOCHS, batch_size=BATCH, shuffle=True, verbose=0)
    if guard["stopped"]:
        fail(f"Training was stopped: after {guard['done']} of {guard['total']} batches it had taken {seconds:.0f} s of CPU, "
             f"and the budget is {budget:.0f} s of CPU.\nMake the networks smaller: fewer filters, strides=2 in the "
             "convolutions (the suggested networks train in about 15 s on two CPU cores).")
    rebuilt = reconstruct(encoder, decoder, x_test)
    if rebuilt.shape != x_test.shape or not np.all(np.isfinite(rebuilt)):
        fail(f"After training, the reconstructions have shape {rebuilt.shape} or contain NaN/inf: "
             "the training diverged.")
    return float(np.mean((rebuilt - x_test) ** 2)), pca_error(x_train, x_test, CODE), seconds


def test_beats_pca_with_the_same_code_size(ex, request):
    """trained 5 epochs on 4 000 images, its test error beats PCA's with 8 components (0.027; the reference: 0.024)"""
    check_architecture(*build(ex))
    after_cheap_checks(request, "Training takes several seconds, and it needs networks that meet the contract.")
    error, pca, seconds = train_and_score(ex.build_autoencoder)
    if not error < pca:
        fail(
            f"After {EPOCHS} epochs on {N_TRAIN} images ({seconds:.0f} s of CPU), the autoencoder reconstructs the 2 000 "
            f"test images with a mean squared error of {error:.4f}; PCA with {CODE} components, fitted on the same "
            f"images, gets {pca:.4f}. The autoencoder must do better.\n"
            "The suggested networks reach about 0.024. If the error is near 0.07 (a mean image), the code carries "
            "nothing: is there an activation squashing the code, or a learning rate far from 1e-3?"
        )
