"""Exercise 29 — data augmentation: random flips and shifts.

A shirt is still a shirt when it is mirrored left–right or moved by a pixel or
two.  Augmentation shows a network such label-preserving variations of its
training images, so that it learns the object and not its exact position.

`augment(images, rng)` takes a batch of images, NHWC, float32, shape (N, H, W, C),
and returns a NEW array of the same shape and dtype in which EACH image,
independently of the others, has been

  1. flipped horizontally (left ↔ right, along the width axis W) with probability 0.5:
         flipped[n, i, j, c] = image[n, i, W − 1 − j, c]
  2. shifted by dy rows and dx columns, where dy and dx are integers drawn
     uniformly from {−2, −1, 0, 1, 2}, independently of each other:
         shifted[n, i + dy, j + dx, c] = image[n, i, j, c]
     Pixels that move out of the image are dropped, and the pixels left empty on
     the other side are filled with ZEROS (black, the background).  Do not wrap
     around: what leaves on the right must not come back on the left.

Every image gets its own draws (a flip decision, a dy and a dx), so a batch of
64 images gets 64 different-looking transformations.  The checks identify, for
each output image, which of the 2 × 5 × 5 = 50 possible flip/shift combinations
produced it, so the order of the two steps, the sign convention of the shift and
which rng method you call (rng.random, rng.integers, ...) are up to you.

All randomness comes from `rng` (a numpy.random.Generator): the same seed gives
the same output, and numpy's global np.random state is never used.  Do not
modify `images`.

Example, one 3×4 single-channel image, flipped, then shifted by dy = 1, dx = −1:

    image        flipped      shifted (dy=1, dx=-1)
    1 2 3 4      4 3 2 1      0 0 0 0
    5 6 7 8      8 7 6 5      3 2 1 0
    9 8 7 6      6 7 8 9      7 6 5 0
"""

import numpy as np


def augment(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A randomly flipped and shifted copy of each image in the NHWC batch `images`."""
    # TODO: an output array of zeros with the shape and dtype of images (np.zeros_like)
    # TODO: for each image n: flip it along the width axis when rng.random() < 0.5
    # TODO: draw dy and dx, each an integer in [-2, 2] (mind that rng.integers excludes its upper bound)
    # TODO: copy the part of the image that stays inside into its shifted place; the rest stays 0
    # TODO: return the output
    raise NotImplementedError("augment")
