"""Exercise 44 — a softmax cross-entropy over time, with a mask for padding.

A recurrent model makes a prediction at every step: logits of shape (N, T, V)
for N sequences of T steps over a vocabulary of V tokens, and y (N, T) holds
the right token id at every step.  Sequences have different lengths, so the
shorter ones are padded to T; mask (N, T) is True at the real steps and False
at the padding, which must not count at all.

For one step (n, t) the cross-entropy is −log p[n, t, y[n, t]], with p the
softmax over the vocabulary (the last axis).  The loss is

    loss = (1/N) · Σ_{n, t with mask[n, t]}  −log p[n, t, y[n, t]]

Normalisation: divided by N, the number of SEQUENCES (as in CS231n), not by
the number of real tokens and not by N·T.  Each sequence contributes its whole
negative log-likelihood (the sum over its tokens), and the batch averages those:
a token's gradient is then 1/N whatever the other sequences' lengths or the
amount of padding in the batch.  (Exercise 53 averages over the real tokens
instead, as Keras' masked losses do; both are used, neither is wrong, but they
are different numbers, and this exercise asks for the sum over tokens / N.)

Its gradient, with onehot(y) the one-hot vector of the right token:

    dlogits[n, t] = (p[n, t] − onehot(y[n, t])) / N      where mask[n, t]
    dlogits[n, t] = 0 exactly                              where not mask[n, t]

Stability: compute log p with the max subtracted, as in exercise 17:
z = logits − max over V (keepdims), log p = z − log Σ exp(z).  Logits of 1e4
must give a finite loss (exp(1e4) overflows to inf).  Masked steps may hold any
logits: do not let them leak a NaN into the loss either (mask BEFORE you sum,
with np.where or by selecting the real steps, or multiply finite values only).

Shapes: logits (N, T, V) float, y (N, T) int with valid ids everywhere (padding
steps hold some id too), mask (N, T) bool.  Return (loss, dlogits): loss a
Python float, dlogits of shape (N, T, V).  No loops; do not modify the inputs.
"""

import numpy as np


def temporal_softmax_loss(logits: np.ndarray, y: np.ndarray, mask: np.ndarray):
    """(loss, dlogits): the masked cross-entropy summed over the real steps, divided by N."""
    # TODO: N, T, V = logits.shape; flatten: logits to (N*T, V), y and mask to (N*T,)
    # TODO: z = logits - the max of each row (keepdims=True); log_p = z - log(sum of exp(z) over each row)
    # TODO: loss = -(sum of log_p[row, y[row]] over the rows where mask is True) / N
    # TODO: dlogits = exp(log_p), minus 1 at each row's right token, zero on the masked rows, divided by N
    # TODO: return float(loss), dlogits reshaped to (N, T, V)
    raise NotImplementedError("temporal_softmax_loss")
