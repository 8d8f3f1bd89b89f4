"""Exercise 45 — sampling the next token with a temperature.

A language model gives logits over the V tokens of its vocabulary; to write
text we DRAW the next token from the softmax of those logits, sharpened or
flattened by a temperature T > 0:

    p = softmax(logits / T)          p[k] = exp(logits[k] / T) / Σⱼ exp(logits[j] / T)

    T = 1      the model's own distribution
    T < 1      sharper: the likely tokens get likelier (T → 0 tends to always the argmax)
    T > 1      flatter: more surprises (T → ∞ tends to uniform)

The temperature DIVIDES the logits, before the softmax.  (Raising p to the
power 1/T and normalising again is the same thing written differently;
multiplying the logits by T, or changing p after the softmax without
normalising, are not.)

T = 0 exactly means greedy decoding: return np.argmax(logits) (the first of
tied maxima), without dividing by zero and without drawing.  For small T > 0
the logits / T are huge (logits of 10 at T = 0.001 give exp(10 000) = inf):
subtract the max of each row before exp, as in exercise 17.

Shapes.  logits of shape (V,) gives ONE draw, returned as a Python int in
0 … V−1.  logits of shape (N, V) (a batch of N rows) gives one independent
draw per row, returned as an int array of shape (N,).

Randomness comes from `rng`, a numpy Generator, and from nothing else: the
same seed must give the same draws, so never call np.random.* or make a new
generator.  rng.choice(V, p=p) draws one token from one row's p; for a batch,
draw row by row, or vectorise with one uniform number per row:
u = rng.random((N, 1)), and the token is the number of entries of p's running
sum (np.cumsum along the row) that are below u (clip it to V − 1: rounding may
leave the last running sum a hair under 1).  Do not modify the logits.
"""

import numpy as np


def sample_next(logits: np.ndarray, temperature: float, rng: np.random.Generator):
    """A token id drawn from softmax(logits / temperature): an int for (V,) logits, an (N,) int array for (N, V)."""
    # TODO: rows = np.atleast_2d(logits), shape (N, V)
    # TODO: temperature == 0: the argmax of each row (np.argmax(rows, axis=1)), no drawing
    # TODO: otherwise z = rows / temperature, minus the max of each row; p = exp(z) / the sum of each row
    # TODO: draw one token per row from p using rng (rng.choice per row, or u = rng.random((N, 1)) and cumsum)
    # TODO: return an int (int(tokens[0])) when logits has one axis, else the int array of shape (N,)
    raise NotImplementedError("sample_next")
