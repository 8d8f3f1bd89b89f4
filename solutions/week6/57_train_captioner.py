"""Exercise 57 — training the captioner: teacher forcing, one tape per batch, shuffled epochs (reference solution)."""

import math

import numpy as np
import tensorflow as tf


def caption_train_step(decoder, optimizer, loss_fn, features, captions, pad_id: int) -> float:
    """One gradient step on a batch of (features, captions); the batch's loss before the step, a float."""
    inputs, targets = captions[:, :-1], captions[:, 1:]
    with tf.GradientTape() as tape:
        logits = decoder([features, inputs], training=True)
        loss = loss_fn(logits, targets, pad_id)
    gradients = tape.gradient(loss, decoder.trainable_variables)
    optimizer.apply_gradients(zip(gradients, decoder.trainable_variables))
    return float(loss)


def fit_captioner(decoder, optimizer, loss_fn, features, captions, pad_id: int, epochs: int, batch_size: int,
                  rng: np.random.Generator, on_batch=None) -> list[float]:
    """Train for `epochs` shuffled epochs of batches; the mean batch loss of each epoch."""
    n = len(captions)
    n_batches = math.ceil(n / batch_size)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(n)
        losses = []
        for batch in range(n_batches):
            rows = order[batch * batch_size:(batch + 1) * batch_size]
            loss = caption_train_step(decoder, optimizer, loss_fn, features[rows], captions[rows], pad_id)
            losses.append(loss)
            if on_batch is not None:
                on_batch(epoch, batch, n_batches, loss)
        history.append(float(np.mean(losses)))
    return history
