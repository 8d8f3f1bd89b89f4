"""Hidden checks for exercise 33 (denoising).

add_gaussian_noise is judged by its statistics, since any draw from the
learner's rng is acceptable: on a flat grey image, the noise has mean 0 and
standard deviation sigma within six standard errors, Gaussian tails (its
kurtosis), no correlation between images or pixels, values clipped to [0, 1],
X's dtype, X unchanged, and every draw from the rng argument.  Mistakes named:
sigma used as a variance, no clipping, one noise pattern for every image,
uniform noise, the global np.random, float64 out.

The denoising autoencoder is trained where the learner's code runs (fixed
seeds, a time guard) on noise made here, so that it is judged on its own; the
denoised test images come back and their error is reckoned here against the
identity's (the noisy images themselves).
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
    assert_array,
    call_unchanged,
    fail,
    global_random_state,
    guarded_fit,
    learner_isinstance,
    learner_side,
    rng,
    shipped_fashion_mnist,
    type_name,
)

IMG, CODE, SIGMA = (28, 28, 1), 32, 0.4
N_TRAIN, EPOCHS, BATCH, LR = 3000, 4, 64, 2e-3
TIME_BUDGET = 60.0  # CPU seconds of training (checker.testing.guarded_fit)
MAX_PARAMS = 500_000
RATIO = 0.5  # the denoised error must be at most this fraction of the identity's

VARIANCE = ("sigma was used as the VARIANCE: the noise's standard deviation came out √sigma. sigma is the standard "
            "deviation: multiply the standard normal draws by sigma itself.")
SQUARED = "the noise's standard deviation came out sigma²: multiply rng.standard_normal(X.shape) by sigma, not sigma²."
NOT_CLIPPED = ("the noisy values are not clipped: pixels below 0 or above 1 came back. Clip the sum to [0, 1] "
               "with np.clip(X + noise, 0.0, 1.0).")
SAME_PATTERN = ("every image got the SAME noise pattern: the noise was drawn once for one image (X.shape[1:]) and "
                "broadcast. Draw a fresh value for every entry: rng.standard_normal(X.shape).")
UNIFORM = ("the noise is not Gaussian: its tails are those of a uniform draw (rng.random / rng.uniform). "
           "Use rng.standard_normal(X.shape) (or rng.normal(0.0, sigma, X.shape)).")


def _noisy(ex, X, sigma, g, what=None):
    what = what or f"add_gaussian_noise(X, sigma={sigma}, rng) on X of shape {X.shape}"
    out = call_unchanged(ex.add_gaussian_noise, X, sigma, g, what="add_gaussian_noise", names=["X", "sigma", "rng"])
    if out is None:
        fail(f"{what} returned None.\nDid you forget `return`?")
    out = assert_array(out, what=what, shape=X.shape)
    if out.dtype != X.dtype:
        fail(f"{what} returned dtype {out.dtype}, expected {X.dtype} (X's dtype).\n"
             "float32 images plus float64 noise give float64: end with .astype(X.dtype).")
    return out


# ---------------------------------------------------------------- add_gaussian_noise


@pytest.mark.parametrize("shape", [(4, 6, 5, 1), (3, 8, 8, 3), (7, 10)], ids=str)
def test_noise_keeps_the_shape_and_dtype(ex, shape):
    """the noisy images have X's shape and dtype (float32), and X is not modified"""
    X = rng(1).uniform(size=shape).astype(np.float32)
    _noisy(ex, X, 0.2, rng(2))


def test_noise_statistics(ex):
    """on a flat grey image (0.5), the noise has mean 0 and standard deviation sigma = 0.04"""
    X = np.full((50, 20, 20, 1), 0.5, dtype=np.float32)  # 20 000 pixels, 12 σ from both clipping edges
    sigma = 0.04
    noise = _noisy(ex, X, sigma, rng(3)).astype(np.float64) - 0.5
    n = noise.size
    mean, std = noise.mean(), noise.std()
    if np.allclose(noise, 0.0):
        fail(f"add_gaussian_noise(X, sigma={sigma}, rng) returned X unchanged: no noise was added.")
    if np.array_equal(noise[0], noise[1]):
        fail(f"Images 0 and 1 (both flat grey) got identical noise.\nLikely mistake: {SAME_PATTERN}")
    if abs(std - math.sqrt(sigma)) < 0.15 * math.sqrt(sigma):  # 0.2, a little less once clipped
        fail(f"On 20 000 pixels of 0.5 with sigma = {sigma}, the noise has standard deviation {std:.4f}.\n"
             f"Likely mistake: {VARIANCE}")
    if abs(std - sigma**2) < 0.1 * sigma**2:
        fail(f"On 20 000 pixels of 0.5 with sigma = {sigma}, the noise has standard deviation {std:.4f}.\n"
             f"Likely mistake: {SQUARED}")
    if abs(mean) > 6 * sigma / math.sqrt(n):
        hint = " It looks like uniform noise in [0, sigma): " + UNIFORM if abs(mean - sigma / 2) < 0.01 else ""
        fail(f"On 20 000 pixels of 0.5 with sigma = {sigma}, the noise has mean {mean:.5f}; expected 0 "
             f"(within {6 * sigma / math.sqrt(n):.5f}).{hint}")
    if abs(std - sigma) > 6 * sigma / math.sqrt(2 * n):
        hint = " " + UNIFORM if abs(std - sigma / math.sqrt(12)) < 0.1 * sigma else ""
        fail(f"On 20 000 pixels of 0.5 with sigma = {sigma}, the noise has standard deviation {std:.5f}; expected "
             f"{sigma} (within {6 * sigma / math.sqrt(2 * n):.5f}).{hint}")
    kurtosis = float(np.mean((noise - mean) ** 4) / std**4)
    if abs(kurtosis - 3.0) > 6 * math.sqrt(24 / n):
        why = f"Likely mistake: {UNIFORM}" if kurtosis < 2.4 else "Draw it with rng.standard_normal(X.shape)."
        fail(f"The noise's kurtosis is {kurtosis:.2f}; a Gaussian's is 3 (a uniform's 1.8).\n{why}")


def test_noise_is_fresh_for_every_image_and_pixel(ex):
    """every pixel of every image gets its own draw: no shared pattern, no correlation between neighbours"""
    X = np.full((40, 16, 16, 1), 0.5, dtype=np.float32)
    noise = _noisy(ex, X, 0.1, rng(4)).astype(np.float64) - 0.5
    flat = noise.reshape(len(noise), -1)
    if np.allclose(flat[0], flat[1]):
        fail(f"Images 0 and 1 (both flat grey) got identical noise.\nLikely mistake: {SAME_PATTERN}")
    between = float(np.corrcoef(flat[0], flat[1])[0, 1])
    neighbours = float(np.corrcoef(noise[:, :, :-1].ravel(), noise[:, :, 1:].ravel())[0, 1])
    if abs(between) > 6 / math.sqrt(flat.shape[1]) or abs(neighbours) > 6 / math.sqrt(noise[:, :, 1:].size):
        fail(f"The noise is correlated (between two images: {between:.3f}; between neighbouring pixels: "
             f"{neighbours:.3f}); independent draws give about 0.\nDraw rng.standard_normal(X.shape): one value per entry.")


@pytest.mark.parametrize("sigma", [0.5, 1.0])
def test_noisy_images_are_clipped_to_0_1(ex, sigma):
    """the noisy images stay in [0, 1] (clipped), and large noise does reach both ends"""
    X = rng(5).uniform(size=(10, 12, 12, 1)).astype(np.float32)
    out = _noisy(ex, X, sigma, rng(6))
    if out.min() < 0.0 or out.max() > 1.0:
        fail(f"With sigma = {sigma} the noisy values range from {out.min():.3f} to {out.max():.3f}.\n"
             f"Likely mistake: {NOT_CLIPPED}")
    if not (np.any(out == 0.0) and np.any(out == 1.0)):
        fail(f"With sigma = {sigma} no noisy pixel is exactly 0 or 1: clip with np.clip(X + noise, 0.0, 1.0), "
             "do not rescale the images into [0, 1].")


def test_randomness_comes_from_rng(ex):
    """the same seed gives the same noise, another seed other noise, and np.random is left alone"""
    X = rng(7).uniform(size=(5, 6, 6, 1)).astype(np.float32)
    state = global_random_state()
    first = _noisy(ex, X, 0.2, rng(8))
    touched = not all(np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
                      for a, b in zip(state, global_random_state()))
    if touched:
        fail("add_gaussian_noise used numpy's global random state (np.random.normal, np.random.randn...).\n"
             "Draw the noise from the rng argument: rng.standard_normal(X.shape).")
    if not np.array_equal(first, _noisy(ex, X, 0.2, rng(8))):
        fail("Two calls with generators of the same seed gave different noise: draw it from the rng argument only.")
    if np.array_equal(first, _noisy(ex, X, 0.2, rng(9))):
        fail("Generators of different seeds gave the same noise: the noise does not come from the rng argument.")


# ---------------------------------------------------------------- the denoising autoencoder


def build(ex, img_shape=IMG, code_size=CODE, seed=0):
    learner_side(keras.utils.set_random_seed, seed)
    result = ex.build_denoising_autoencoder(tuple(img_shape), code_size)
    call = f"build_denoising_autoencoder({tuple(img_shape)}, {code_size})"
    if result is None:
        fail(f"{call} returned None.\nDid you forget `return encoder, decoder`?")
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{call} returned {type_name(result)}, expected a tuple (encoder, decoder) of two keras.Models, "
             "as in exercise 32.")
    for name, model in zip(("encoder", "decoder"), result):
        if not learner_isinstance(model, keras.Model):
            fail(f"{call}: the {name} is {type_name(model)}, expected a keras.Model.")
    return result


def check_shapes(encoder, decoder, img_shape, code_size):
    call = f"build_denoising_autoencoder({tuple(img_shape)}, {code_size})"
    x = rng(code_size).uniform(size=(3, *img_shape)).astype(np.float32)
    codes = np.asarray(encoder(x, training=False))
    if codes.shape != (3, code_size):
        fail(f"The encoder of {call} turned images of shape {x.shape} into codes of shape {codes.shape}, expected "
             f"(3, {code_size}). The contract is exercise 32's.")
    images = np.asarray(decoder(rng(1).normal(scale=3.0, size=(3, code_size)).astype(np.float32), training=False))
    if images.shape != (3, *img_shape):
        fail(f"The decoder of {call} gave images of shape {images.shape}, expected (3, {', '.join(map(str, img_shape))}).")
    if images.min() < 0.0 or images.max() > 1.0 or not np.all(np.isfinite(images)):
        fail(f"The decoder of {call} gave pixels outside [0, 1]: end it with activation=\"sigmoid\".")
    n_params = encoder.count_params() + decoder.count_params()
    if img_shape == IMG and code_size == CODE and n_params > MAX_PARAMS:
        fail(f"The encoder and the decoder have {n_params:,} parameters together; at most {MAX_PARAMS:,} train within "
             "the time budget. Use fewer filters, or strides=2.")


@pytest.mark.parametrize("img_shape, code_size", [((28, 28, 1), 32), ((28, 28, 1), 1), ((32, 32, 3), 16)], ids=str)
def test_autoencoder_shapes(ex, img_shape, code_size):
    """(encoder, decoder) as in exercise 32: images → (N, code_size) → images in [0, 1]"""
    check_shapes(*build(ex, img_shape, code_size), img_shape, code_size)


@functools.lru_cache(maxsize=1)
def _data():
    """Clean and noisy images (noise made here, seeded), train and test."""
    (x_train, _), (x_test, _) = shipped_fashion_mnist()
    g = rng(2024)
    clean_train, clean_test = x_train[:N_TRAIN], x_test
    noisy = [np.clip(x + SIGMA * g.standard_normal(x.shape), 0.0, 1.0).astype(np.float32)
             for x in (clean_train, clean_test)]
    return clean_train, noisy[0], clean_test, noisy[1]


def _joined(encoder, decoder, lr):
    """decoder(encoder(x)), compiled with Adam(lr) and the mean squared error (made where the models live)."""
    images = keras.Input(encoder.input_shape[1:])
    autoencoder = keras.Model(images, decoder(encoder(images)))
    autoencoder.compile(keras.optimizers.Adam(lr), "mse")
    return autoencoder


def train_and_score(build_denoising_autoencoder, seed=0, budget=TIME_BUDGET):
    """Train as the stub says; return (denoised test MSE, identity test MSE, training seconds)."""
    clean_train, noisy_train, clean_test, noisy_test = _data()
    learner_side(keras.utils.set_random_seed, seed)
    encoder, decoder = build_denoising_autoencoder(IMG, CODE)
    check_shapes(encoder, decoder, IMG, CODE)
    autoencoder = learner_side(_joined, encoder, decoder, LR)
    total = EPOCHS * math.ceil(N_TRAIN / BATCH)
    guard, seconds, _ = guarded_fit(autoencoder, noisy_train, clean_train, budget, total,
                                    epochs=EPOCHS, batch_size=BATCH, shuffle=True, verbose=0)
    if guard["stopped"]:
        fail(f"Training was stopped: after {guard['done']} of {guard['total']} batches it had taken {seconds:.0f} s of CPU; "
             f"the budget is {budget:.0f} s of CPU. Make the networks smaller (fewer filters, strides=2).")
    encoder, decoder = judge_side_model(encoder, "the encoder"), judge_side_model(decoder, "the decoder")
    codes = np.asarray(encoder.predict(noisy_test, batch_size=500, verbose=0), dtype=np.float32)  # computed here
    denoised = np.asarray(decoder.predict(codes, batch_size=500, verbose=0), dtype=np.float64)
    if denoised.shape != clean_test.shape or not np.all(np.isfinite(denoised)):
        fail(f"After training, the denoised images have shape {denoised.shape} or contain NaN/inf.")
    return (float(np.mean((denoised - clean_test) ** 2)), float(np.mean((noisy_test - clean_test) ** 2)), seconds)


def test_denoises_better_than_the_identity(ex, request):
    """trained 4 epochs on 3 000 noisy images (sigma 0.4), its test error is under half the identity's (≈0.1; the reference: ≈0.02)"""
    build(ex)
    after_cheap_checks(request, "Training takes several seconds, and it needs networks that meet the contract.")
    error, identity, seconds = train_and_score(ex.build_denoising_autoencoder)
    if not error <= RATIO * identity:
        fail(f"After {EPOCHS} epochs on {N_TRAIN} noisy images ({seconds:.0f} s of CPU), the denoised test images are "
             f"{error:.4f} from the clean ones (mean squared error); the noisy images themselves are {identity:.4f} "
             f"from them. At most {RATIO * identity:.4f} is needed.\nThe suggested networks reach about 0.02. Was the "
             "model trained to reproduce the noisy input instead of the clean image? The check does the training; "
             "look at the decoder's last activation and the size of the code.")
