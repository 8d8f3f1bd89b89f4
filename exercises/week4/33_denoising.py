"""Exercise 33 — a denoising autoencoder.

An autoencoder with a large code can learn to copy its input and nothing else.
A DENOISING autoencoder is shown a corrupted image and asked for the clean one:

    x̃ = add_gaussian_noise(x, sigma, rng)          the corrupted input
    loss = mean squared error between decoder(encoder(x̃)) and x      (the CLEAN image)

To undo the noise it must learn what clothes look like — the same networks as
exercise 32, trained on other pairs.

1. add_gaussian_noise(X, sigma, rng)
    X       images, any shape (for example (N, 28, 28, 1)), float32 in [0, 1]
    sigma   the noise's standard deviation (not its variance)
    rng     a numpy.random.Generator: every random number comes from it
    returns X + sigma · ε with ε ~ N(0, 1) drawn independently for EVERY entry
            (a fresh draw per pixel and per image: rng.standard_normal(X.shape)),
            then CLIPPED to [0, 1] with np.clip (noisy pixels are still pixels),
            in X's dtype (np.clip of float32 + float64 noise gives float64:
            convert back with .astype(X.dtype)).  X itself is left unchanged.

2. build_denoising_autoencoder(img_shape, code_size) -> (encoder, decoder)
    Exactly the contract of exercise 32 (you may reuse your networks from
    there): encoder (None, H, W, C) → (None, code_size), decoder back to
    (None, H, W, C) with a sigmoid at the end, both convolutional, not
    compiled, at most 500 000 parameters together for code_size = 32.

How the hidden check trains it (it makes the noise itself, so that this part is
judged on its own):

    keras.utils.set_random_seed(0)
    encoder, decoder = build_denoising_autoencoder((28, 28, 1), 32)
    x = keras.Input((28, 28, 1)); autoencoder = keras.Model(x, decoder(encoder(x)))
    autoencoder.compile(keras.optimizers.Adam(2e-3), "mse")
    autoencoder.fit(noisy_train, clean_train, epochs=4, batch_size=64)   # 3 000 images, sigma = 0.4

then it denoises 2 000 noisy test images and compares with the clean ones: the
mean squared error must be at most half the error of doing nothing (the
"identity": the noisy images themselves, about 0.1).
"""

import keras
import numpy as np
from keras import layers  # noqa: F401 - for your code


def add_gaussian_noise(X: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """X plus independent N(0, sigma²) noise on every pixel, clipped to [0, 1], in X's dtype."""
    # TODO: noise of X's full shape from the rng: sigma * rng.standard_normal(X.shape)
    # TODO: add it (without modifying X) and clip the sum to [0, 1] with np.clip
    # TODO: return it in X's dtype (.astype(X.dtype))
    raise NotImplementedError("add_gaussian_noise")


def build_denoising_autoencoder(img_shape: tuple[int, int, int], code_size: int):
    """(encoder, decoder) as in exercise 32: noisy images → codes → clean images in [0, 1]."""
    H, W, C = img_shape
    # TODO: the encoder: keras.Input(shape=img_shape), Conv2D(16, 3, strides=2, padding="same", relu),
    #       Conv2D(32, 3, strides=2, padding="same", relu), Flatten, Dense(code_size)
    # TODO: the decoder: keras.Input(shape=(code_size,)), Dense(H // 4 * (W // 4) * 32, relu),
    #       Reshape((H // 4, W // 4, 32)), Conv2DTranspose(16, 3, strides=2, padding="same", relu),
    #       Conv2DTranspose(C, 3, strides=2, padding="same", activation="sigmoid")
    # TODO: return encoder, decoder
    raise NotImplementedError("build_denoising_autoencoder")


if __name__ == "__main__":
    # Try it yourself, then `dlx show denoising` draws noisy / denoised / clean images.
    from checker.datasets import load_fashion_mnist

    (x_train, _), (x_test, _) = load_fashion_mnist()
    g = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    encoder, decoder = build_denoising_autoencoder((28, 28, 1), 32)
    images = keras.Input((28, 28, 1))
    autoencoder = keras.Model(images, decoder(encoder(images)))
    autoencoder.compile(keras.optimizers.Adam(2e-3), "mse")
    autoencoder.fit(add_gaussian_noise(x_train[:3000], 0.4, g), x_train[:3000], epochs=4, batch_size=64)
    noisy = add_gaussian_noise(x_test, 0.4, g)
    print("identity MSE:", float(np.mean((noisy - x_test) ** 2)),
          "denoised MSE:", float(np.mean((autoencoder.predict(noisy, verbose=0) - x_test) ** 2)))
