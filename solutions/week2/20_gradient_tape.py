"""Exercise 20 — automatic differentiation with tf.GradientTape, and a custom training step (reference solution)."""

import tensorflow as tf


def tf_gradients(f, variables: list) -> list:
    """The gradients of the scalar f() with respect to each variable, in order."""
    with tf.GradientTape() as tape:
        for variable in variables:
            tape.watch(variable)
        value = f()
    return tape.gradient(value, variables)


def train_step(model, optimizer, loss_fn, x, y):
    """One optimizer step on the batch (x, y); returns the loss before the step (0-d tensor)."""
    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = loss_fn(y, predictions)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss
