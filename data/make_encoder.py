"""Make data/fashion_encoder.keras: a small CNN encoder pre-trained on five Fashion-MNIST classes.

    python data/make_encoder.py [OUTPUT]

The encoder maps a 28×28×1 image to a 128-d feature vector:

    conv1 (3×3, 32, ReLU) → pool1 → conv2 (3×3, 64, ReLU) → pool2 → conv3 (3×3, 128, ReLU) → GlobalAveragePooling

It is trained with a temporary head (dropout 0.3, then softmax) on the shipped subset's classes
0–4 ONLY (T-shirt/top, Trouser, Pullover, Dress, Coat; `checker.datasets.PRETRAINED_CLASSES`),
and saved without the head.  Exercise 30 (`transfer`) re-uses it for the other five
classes, which it has never seen.

Seeds are fixed and TensorFlow's op determinism is on, so a rebuild on the same
machine and versions gives the same weights; elsewhere it gives an equivalent
encoder (the same accuracy within about a point), not the same bytes (a .keras
file also records when it was saved).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a source checkout: use its checker/

import numpy as np

from checker.datasets import FASHION_MNIST_SUBSET, load_fashion_mnist
from checker.datasets import ENCODER_FILE, FEATURE_DIM, PRETRAINED_CLASSES

SEED = 20261122
EPOCHS, BATCH, LEARNING_RATE, DROPOUT = 40, 64, 1e-3, 0.3


def build_encoder():
    """The encoder alone: image → FEATURE_DIM features (named layers, so they can be referred to)."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(name="pool1")(x)
    x = layers.Conv2D(64, 3, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(name="pool2")(x)
    x = layers.Conv2D(FEATURE_DIM, 3, activation="relu", name="conv3")(x)
    features = layers.GlobalAveragePooling2D(name="features")(x)
    return keras.Model(inputs, features, name="fashion_encoder")


def pretraining_data():
    """The shipped subset restricted to PRETRAINED_CLASSES (labels kept: they are 0..4 already)."""
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(HERE / FASHION_MNIST_SUBSET)
    keep_train, keep_test = np.isin(y_train, PRETRAINED_CLASSES), np.isin(y_test, PRETRAINED_CLASSES)
    return (x_train[keep_train], y_train[keep_train]), (x_test[keep_test], y_test[keep_test])


def main(argv: list[str]) -> None:
    import keras
    import tensorflow as tf

    output = Path(argv[0]) if argv else HERE / ENCODER_FILE
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    (x_train, y_train), (x_test, y_test) = pretraining_data()

    encoder = build_encoder()
    # The temporary head; dropout on the features keeps them less specialised to these five classes,
    # which makes them transfer better to the other five.
    head = [
        keras.layers.Dropout(DROPOUT, name="pretraining_dropout"),
        keras.layers.Dense(len(PRETRAINED_CLASSES), activation="softmax", name="pretraining_head"),
    ]
    classifier = keras.Sequential([encoder, *head])
    classifier.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    started = time.perf_counter()
    classifier.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH, verbose=0)
    _, accuracy = classifier.evaluate(x_test, y_test, verbose=0)
    encoder.save(output)  # the encoder alone: the temporary head is dropped
    print(
        f"trained on classes {PRETRAINED_CLASSES} ({len(x_train)} images) in {time.perf_counter() - started:.0f} s; "
        f"test accuracy on those classes {accuracy:.3f} ({len(x_test)} images)\n"
        f"wrote {output} ({output.stat().st_size / 1024:.0f} KiB, {encoder.count_params()} parameters)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
