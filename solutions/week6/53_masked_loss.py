"""Exercise 53 — the masked caption loss: cross-entropy averaged over the real tokens (reference solution)."""

import tensorflow as tf


def masked_caption_loss(logits, targets, pad_id: int):
    """Mean softmax cross-entropy over the positions where targets != pad_id: a 0-d tensor."""
    logits = tf.convert_to_tensor(logits)
    targets = tf.cast(tf.convert_to_tensor(targets), tf.int32)
    per_token = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
    mask = tf.cast(tf.not_equal(targets, pad_id), per_token.dtype)
    return tf.reduce_sum(per_token * mask) / tf.reduce_sum(mask)
