"""Exercise 57 — training the captioner: teacher forcing, one tape per batch, shuffled epochs.

Everything so far comes together: image features (51), the decoder (52), the
masked loss (53), padded caption matrices (49, 50).  `dlx train captioner`
runs YOUR training loop on them.

One step, with teacher forcing.  A batch of B captions is an int matrix
(B, L), START first, END after the last word, PAD after that.  The decoder
reads the caption without its last column and predicts, at every position,
the next token, so the targets are the caption without its first column:

    captions = [[2, 7, 5, 3, 0],          (START = 2, END = 3, PAD = 0)
                [2, 9, 3, 0, 0]]
    inputs   = captions[:, :-1]  = [[2, 7, 5, 3], [2, 9, 3, 0]]   (START ... : END may be read, never predicted from)
    targets  = captions[:, 1:]   = [[7, 5, 3, 0], [9, 3, 0, 0]]   (no START: it is given, never predicted)

    with tf.GradientTape() as tape:
        logits = decoder([features, inputs], training=True)     (B, L-1, V)
        loss = loss_fn(logits, targets, pad_id)                  (PAD targets ignored)
    gradients = tape.gradient(loss, decoder.trainable_variables)
    optimizer.apply_gradients(zip(gradients, decoder.trainable_variables))

    caption_train_step(decoder, optimizer, loss_fn, features, captions, pad_id) -> float
        returns the batch's loss (computed before the update) as a Python float;
        only decoder.trainable_variables change (not frozen layers, not the inputs).

Epochs.  Each epoch visits every row once, in a new random order drawn from
the generator you are given (never np.random's global state):

    fit_captioner(decoder, optimizer, loss_fn, features, captions, pad_id,
                  epochs, batch_size, rng, on_batch=None) -> list of floats

    n_batches = ceil(N / batch_size)
    for epoch in 0 .. epochs-1:
        order = rng.permutation(N)                       (one new permutation per epoch)
        for batch in 0 .. n_batches-1:
            rows = order[batch·batch_size : (batch+1)·batch_size]   (the last batch is shorter)
            loss = caption_train_step(decoder, optimizer, loss_fn, features[rows], captions[rows], pad_id)
            if on_batch is not None: on_batch(epoch, batch, n_batches, loss)
        the epoch's value is the mean of its batch losses (a plain mean, one per batch)
    return the list of the epochs' values

`features` (N, D) float32 and `captions` (N, L) int go row for row (row i of
features is the image of caption i).  `on_batch` draws the progress bar of
`dlx train captioner`; it may raise an exception to stop training early: let
it through (do not catch it).
"""

import math

import numpy as np
import tensorflow as tf


def caption_train_step(decoder, optimizer, loss_fn, features, captions, pad_id: int) -> float:
    """One gradient step on a batch of (features, captions); the batch's loss before the step, a float."""
    # TODO: inputs = captions[:, :-1]; targets = captions[:, 1:]
    # TODO: inside a tf.GradientTape: logits = decoder([features, inputs], training=True); loss = loss_fn(logits, targets, pad_id)
    # TODO: gradients = tape.gradient(loss, decoder.trainable_variables); optimizer.apply_gradients(zip(...))
    # TODO: return float(loss)
    raise NotImplementedError("caption_train_step")


def fit_captioner(decoder, optimizer, loss_fn, features, captions, pad_id: int, epochs: int, batch_size: int,
                  rng: np.random.Generator, on_batch=None) -> list[float]:
    """Train for `epochs` shuffled epochs of batches; the mean batch loss of each epoch."""
    # TODO: n_batches = math.ceil(len(captions) / batch_size); history = []
    # TODO: each epoch: order = rng.permutation(len(captions)); one caption_train_step per batch of rows
    # TODO: after each batch: on_batch(epoch, batch, n_batches, loss) when on_batch is not None
    # TODO: append the mean of the epoch's batch losses to history; return history
    raise NotImplementedError("fit_captioner")
