"""Exercise 35 — morphing: a straight path between two codes (reference solution)."""

import numpy as np


def interpolate_codes(a: np.ndarray, b: np.ndarray, steps: int) -> np.ndarray:
    """`steps` evenly spaced points from a to b (both included), stacked on a new first axis."""
    t = np.linspace(0.0, 1.0, steps).reshape((steps,) + (1,) * np.ndim(a))
    return (1 - t) * a + t * b
