"""Exercise 33 — a denoising autoencoder (reference solution)."""

import keras
import numpy as np
from keras import layers


def add_gaussian_noise(X: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """X plus independent N(0, sigma²) noise on every pixel, clipped to [0, 1], in X's dtype."""
    noisy = X + sigma * rng.standard_normal(X.shape)
    return np.clip(noisy, 0.0, 1.0).astype(X.dtype)


def build_denoising_autoencoder(img_shape: tuple[int, int, int], code_size: int):
    """(encoder, decoder) as in exercise 32: noisy images → codes → clean images in [0, 1]."""
    H, W, C = img_shape
    encoder = keras.Sequential(
        [
            keras.Input(shape=img_shape),
            layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dense(code_size),
        ],
        name="encoder",
    )
    decoder = keras.Sequential(
        [
            keras.Input(shape=(code_size,)),
            layers.Dense(H // 4 * (W // 4) * 32, activation="relu"),
            layers.Reshape((H // 4, W // 4, 32)),
            layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2DTranspose(C, 3, strides=2, padding="same", activation="sigmoid"),
        ],
        name="decoder",
    )
    return encoder, decoder
