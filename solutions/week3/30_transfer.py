"""Exercise 30 — transfer learning: a new head on a pre-trained encoder (reference solution)."""

import keras
from keras import layers


def build_transfer_model(base: keras.Model, n_classes: int, n_trainable: int = 0) -> keras.Model:
    """A compiled model: the encoder `base` (frozen but for its last n_trainable weighted layers) + a new head."""
    weighted = [layer for layer in base.layers if layer.weights]
    for layer in base.layers:
        layer.trainable = False
    for layer in weighted[max(len(weighted) - n_trainable, 0):]:
        layer.trainable = True

    inputs = keras.Input(shape=base.input_shape[1:])
    features = base(inputs)
    outputs = layers.Dense(n_classes, activation="softmax", name="head")(features)
    model = keras.Model(inputs, outputs)
    # A head on frozen features takes big steps; fine-tuning pre-trained layers takes small ones.
    learning_rate = 1e-2 if n_trainable == 0 else 1e-3
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
