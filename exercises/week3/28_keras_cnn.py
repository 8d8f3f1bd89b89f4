"""Exercise 28 — a small convolutional network in Keras.

You wrote convolution and pooling by hand this week; now let Keras do the work
and build a CNN that classifies Fashion-MNIST clothes.  A network that works well:

    keras.Input(shape=input_shape)                     # 28×28×1
    Conv2D(32, 3×3, ReLU)  → MaxPooling2D(2×2)         # 26×26×32 → 13×13×32
    Conv2D(64, 3×3, ReLU)  → MaxPooling2D(2×2)         # 11×11×64 → 5×5×64
    Flatten → Dense(128, ReLU)                         # 1600 → 128
    Dense(n_classes, softmax)                          # one probability per class

About 225 000 weights, most of them in the first Dense layer: pooling shrinks the
feature maps fourfold each time, which keeps Flatten → Dense small and fast.
Any other architecture passes too, as long as it keeps this contract:

  * `build_cnn(input_shape, n_classes)` returns a `keras.Model` whose input shape
    is (None, *input_shape) and whose output shape is (None, n_classes).  Use the
    arguments: the checks also build a (32, 32, 3) model with 5 classes.
  * It has at least one Conv2D layer and at most 1 000 000 parameters.
  * It is compiled: `model.compile(optimizer=..., loss=..., metrics=["accuracy"])`.
    Adam with a learning rate of 1e-3 to 2e-3 works well.
  * Labels are integer class ids 0 … n_classes−1, not one-hot vectors, so the
    loss is the *sparse* categorical cross-entropy.
  * The last layer and the loss agree: EITHER the last Dense has
    activation="softmax" and the loss takes probabilities
    (loss="sparse_categorical_crossentropy"), OR the last Dense has no activation
    (it outputs logits) and the loss is
    keras.losses.SparseCategoricalCrossentropy(from_logits=True).

How the hidden check trains it (you need not write any training code):

    keras.utils.set_random_seed(0)
    model = build_cnn((28, 28, 1), 10)
    model.fit(x_train, y_train, epochs=5, batch_size=128)    # the 10 000 shipped images

then it predicts the 2 000 test images and expects a test accuracy of at least
0.82 (argmax of the outputs against the labels).  Training must finish within
60 seconds, or it is stopped; the network above takes about 15 s on two CPU cores.
"""

import keras
from keras import layers  # noqa: F401 - for your code


def build_cnn(input_shape: tuple[int, int, int], n_classes: int) -> keras.Model:
    """A compiled CNN: images of `input_shape` (H, W, C) → `n_classes` class scores."""
    # TODO: the input, keras.Input(shape=input_shape)
    # TODO: two blocks of Conv2D (3×3, ReLU) followed by MaxPooling2D (2×2): 32, then 64 filters
    # TODO: Flatten, a Dense(128, ReLU) layer, and the output Dense(n_classes, softmax)
    # TODO: build the model (keras.Sequential([...]) or keras.Model(inputs, outputs))
    # TODO: compile it: Adam, the sparse categorical cross-entropy, metrics=["accuracy"]; return it
    raise NotImplementedError("build_cnn")


if __name__ == "__main__":
    # Try it yourself: `python 28_keras_cnn.py` trains as the check does and prints the test accuracy.
    from checker.datasets import load_fashion_mnist

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    keras.utils.set_random_seed(0)
    model = build_cnn(x_train.shape[1:], 10)
    model.summary()
    model.fit(x_train, y_train, epochs=5, batch_size=128, validation_split=0.1)
    print("test accuracy:", model.evaluate(x_test, y_test, verbose=0)[1])
