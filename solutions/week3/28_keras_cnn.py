"""Exercise 28 — a small convolutional network in Keras (reference solution)."""

import keras
from keras import layers


def build_cnn(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """A compiled CNN: images of `input_shape` (H, W, C) → `n_classes` class scores."""
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=2e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


if __name__ == "__main__":
    from checker.datasets import load_fashion_mnist

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    keras.utils.set_random_seed(0)
    model = build_cnn(x_train.shape[1:], 10)
    model.summary()
    model.fit(x_train, y_train, epochs=5, batch_size=128, validation_split=0.1)
    print("test accuracy:", model.evaluate(x_test, y_test, verbose=0)[1])
