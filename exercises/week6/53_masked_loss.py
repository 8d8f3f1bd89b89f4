"""Exercise 53 — the masked caption loss: cross-entropy over the real tokens only.

The decoder of exercise 52 gives logits (B, T, V) for a batch of padded
captions; targets (B, T) are the ids it should have predicted, the caption
shifted by one (exercise 57), padded with `pad_id` after each caption's END:

    targets = [[ 7, 5,  3, 0, 0],        (pad_id = 0: the first caption has 3 real
               [ 9, 4, 11, 6, 3]]         tokens, the second 5: 8 real tokens in all)

At every position the loss is the softmax cross-entropy of the logits against
the target id,

    ce[b, t] = −log softmax(logits[b, t])[targets[b, t]]
             = logsumexp(logits[b, t]) − logits[b, t, targets[b, t]],

and the caption loss is its MEAN OVER THE REAL TOKENS:

    mask[b, t] = 1 where targets[b, t] != pad_id, else 0
    loss = Σ_{b,t} ce[b, t] · mask[b, t]  /  Σ_{b,t} mask[b, t]

Not the mean over all B·T positions (padding would dilute the loss and short
captions would count less), not the mean of each caption's mean (a short
caption's words would weigh more than a long one's): every real token counts
once.  PAD positions must get exactly zero gradient.

Contract (`dlx train captioner` differentiates it):

    masked_caption_loss(logits, targets, pad_id) -> a 0-d tensor (float)

- written with TensorFlow operations (tf.nn..., tf.reduce_sum, tf.cast...), so
  that a tf.GradientTape can differentiate it; numpy arrays and tensors are
  both accepted (tf.convert_to_tensor takes either);
- logits are raw scores (no softmax applied before: the loss applies it),
  float32 or float64; they may be huge (1e4): use a stable formula, e.g.
  tf.nn.sparse_softmax_cross_entropy_with_logits(labels=..., logits=...), which
  gives ce (B, T) directly; never tf.math.log(tf.nn.softmax(...));
- targets are integer ids; `pad_id` is given (0 in this course, but use the
  argument); the batch has at least one real token;
- the loss does not shift anything: logits[:, t] is scored against
  targets[:, t] (the caller aligned them).
"""

import tensorflow as tf


def masked_caption_loss(logits, targets, pad_id: int):
    """Mean softmax cross-entropy over the positions where targets != pad_id: a 0-d tensor."""
    # TODO: logits = tf.convert_to_tensor(logits); targets = tf.cast(tf.convert_to_tensor(targets), tf.int32)
    # TODO: ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits), shape (B, T)
    # TODO: mask = tf.cast(tf.not_equal(targets, pad_id), ce.dtype)
    # TODO: return tf.reduce_sum(ce * mask) / tf.reduce_sum(mask)
    raise NotImplementedError("masked_caption_loss")
