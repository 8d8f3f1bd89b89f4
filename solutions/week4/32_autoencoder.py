"""Exercise 32 — a deep convolutional autoencoder (reference solution)."""

import keras
from keras import layers


def build_autoencoder(img_shape: tuple[int, int, int], code_size: int):
    """(encoder, decoder): images (N, H, W, C) → codes (N, code_size) → images (N, H, W, C) in [0, 1]."""
    H, W, C = img_shape
    encoder = keras.Sequential(
        [
            keras.Input(shape=img_shape),
            layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),  # H/2 × W/2 × 16
            layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),  # H/4 × W/4 × 32
            layers.Flatten(),
            layers.Dense(code_size),  # the code: no activation
        ],
        name="encoder",
    )
    decoder = keras.Sequential(
        [
            keras.Input(shape=(code_size,)),
            layers.Dense(H // 4 * (W // 4) * 32, activation="relu"),
            layers.Reshape((H // 4, W // 4, 32)),
            layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),  # H/2 × W/2 × 16
            layers.Conv2DTranspose(C, 3, strides=2, padding="same", activation="sigmoid"),  # H × W × C in [0, 1]
        ],
        name="decoder",
    )
    return encoder, decoder


if __name__ == "__main__":
    import numpy as np

    from checker.datasets import load_fashion_mnist

    (x_train, _), (x_test, _) = load_fashion_mnist()
    keras.utils.set_random_seed(0)
    encoder, decoder = build_autoencoder((28, 28, 1), 8)
    images = keras.Input((28, 28, 1))
    autoencoder = keras.Model(images, decoder(encoder(images)))
    autoencoder.compile(keras.optimizers.Adam(2e-3), "mse")
    autoencoder.fit(x_train[:4000], x_train[:4000], epochs=5, batch_size=64)
    print("test MSE:", float(np.mean((autoencoder.predict(x_test, verbose=0) - x_test) ** 2)))
