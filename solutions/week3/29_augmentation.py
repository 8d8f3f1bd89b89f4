"""Exercise 29 — data augmentation: random flips and shifts (reference solution)."""

import numpy as np

MAX_SHIFT = 2


def _shift(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """`image` (H, W, C) moved down by dy and right by dx, with zeros where nothing moved in."""
    h, w = image.shape[:2]
    out = np.zeros_like(image)
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = image[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def augment(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A randomly flipped and shifted copy of each image in the NHWC batch `images`."""
    out = np.zeros_like(images)
    for n, image in enumerate(images):
        if rng.random() < 0.5:
            image = image[:, ::-1]
        dy, dx = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=2)
        out[n] = _shift(image, int(dy), int(dx))
    return out
