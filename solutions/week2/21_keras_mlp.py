"""Exercise 21 — a Keras MLP for Fashion-MNIST (reference solution)."""

import keras

# The checks train for 20 epochs of 79 batches (10 000 images, batches of 128):
# the learning rate glides from 1e-3 down to 1e-4 over those steps.
STEPS = 20 * 79


def build_mlp(input_shape: tuple, n_classes: int) -> keras.Model:
    """A compiled MLP classifier: (N, *input_shape) images → (N, n_classes) scores."""
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Flatten(),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(n_classes),
    ])
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=STEPS, alpha=0.1)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model
