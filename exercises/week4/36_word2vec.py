"""Exercise 36 — word2vec: the skip-gram loss with negative sampling, and its gradients.

Skip-gram learns two vectors per word of the vocabulary: an input vector v
(used when the word is the CENTER of a window) and an output vector u (used
when it is a CONTEXT word).  A training example is one center word c, one word
o that really appeared near it in the text, and K "negative" words drawn at
random from the vocabulary, which (most likely) did not.  The model should
score the true pair high and the K random pairs low, with the score of a pair
being a dot product passed through the sigmoid σ(z) = 1 / (1 + e^(−z)):

    loss = −log σ(u_o·v_c) − Σ_{k=1..K} log σ(−u_k·v_c)

The first term pulls u_o toward v_c; each term of the sum pushes a u_k away
(note the minus INSIDE σ: σ(−z) = 1 − σ(z) is the probability that the pair
is NOT a real one).  All K negatives count: a sum over k, not a mean.

Shapes (one example; D is the embedding size, K the number of negatives):

    center     (D,)     v_c, the input vector of the center word
    context    (D,)     u_o, the output vector of the true context word
    negatives  (K, D)   u_1 … u_K, the output vectors of the negatives, one per row

With s_o = u_o·v_c and s_k = u_k·v_c (so s = negatives @ center, shape (K,)),
and using d/dz [−log σ(z)] = σ(z) − 1 and d/dz [−log σ(−z)] = σ(z):

    ∂loss/∂v_c = (σ(s_o) − 1) · u_o + Σ_k σ(s_k) · u_k        shape (D,)
    ∂loss/∂u_o = (σ(s_o) − 1) · v_c                            shape (D,)
    ∂loss/∂u_k = σ(s_k) · v_c          (row k)                  shape (K, D)

Stability.  Trained vectors can have dot products of ±50 or more, and the
checks go to ±1000.  Two formulas fail there:
  - np.log(sigmoid(z)) with σ computed as 1 / (1 + np.exp(-z)): at z = −1000,
    np.exp(1000) overflows, σ becomes 0.0 and log(0) = −inf;
  - np.log(1 - sigmoid(z)) for log σ(−z): at z = 50, σ(50) rounds to exactly
    1.0 in float64, and log(0) = −inf again.
Use log σ(z) = −log(1 + e^(−z)) = −np.logaddexp(0, −z), which is exact and
finite for any z, and a sigmoid that never exponentiates a large positive
number (exercise 03: build it from e = np.exp(−|z|)).  Your function must run
without any overflow or divide-by-zero warning at ±1000.

One example, no batch: this function takes a single (center, context,
negatives) triple; `data/make_embeddings.py`, which trained the course's
embeddings on the WordNet corpus, runs the same maths on a batch of pairs at
once.  Return (loss, d_center, d_context, d_negatives): the loss a Python
float, the gradients float64 arrays of the shapes of center, context and
negatives.  Do not modify the inputs.
"""

import numpy as np


def skipgram_neg_sampling(center: np.ndarray, context: np.ndarray, negatives: np.ndarray):
    """Skip-gram negative-sampling loss of one example; return (loss, d_center, d_context, d_negatives)."""
    # TODO: the scores s_o = context @ center (a number) and s = negatives @ center, shape (K,)
    # TODO: loss = -log σ(s_o) - Σ_k log σ(-s_k), with log σ(z) = -np.logaddexp(0, -z), as a float
    # TODO: a stable σ(s_o) and σ(s) (from np.exp(-np.abs(z)), never np.exp of a large positive number)
    # TODO: d_center = (σ(s_o) - 1) * context + Σ_k σ(s_k) * negatives[k]   (a vector-matrix product: σ(s) @ negatives)
    # TODO: d_context = (σ(s_o) - 1) * center
    # TODO: d_negatives = σ(s)[:, None] * center, shape (K, D)
    # TODO: return loss, d_center, d_context, d_negatives
    raise NotImplementedError("skipgram_neg_sampling")
