"""Exercise 35 — morphing: a straight path between two codes.

Decode the codes met along a straight line from the code of one image to the
code of another and you watch the first image turn into the second.  Here you
compute those codes: `steps` points from a to b, evenly spaced, both ends
included.

    t_i = i / (steps − 1)                 for i = 0, 1, …, steps − 1   (so t_0 = 0, t_last = 1)
    out[i] = (1 − t_i) · a + t_i · b

Shapes: a and b have the same shape, any number of axes — a flat code (K,), or
an image-like code (H, W, C).  The points are stacked along a NEW FIRST axis:

    a, b   (*S)            out   (steps, *S)      out[0] is a, out[steps − 1] is b

So steps = 2 gives exactly [a, b], and steps = 5 the points at t = 0, ¼, ½, ¾, 1.

The ends must be a and b EXACTLY, to the last bit, not only approximately.
The formula (1 − t)·a + t·b gives that (at t = 1 it is 0·a + 1·b = b), but the
look-alike a + t·(b − a) does not: a + (b − a) is rounded twice and can miss b
by one unit in the last place.  np.linspace(a, b, steps) also works: it builds
the points along a new first axis and sets its last point to b exactly.

Assume steps ≥ 2.  Return a float array (float64 for float64 codes); do not
modify a or b.
"""

import numpy as np


def interpolate_codes(a: np.ndarray, b: np.ndarray, steps: int) -> np.ndarray:
    """`steps` evenly spaced points from a to b (both included), stacked on a new first axis."""
    # TODO: t = steps numbers from 0 to 1, both included (np.linspace(0.0, 1.0, steps))
    # TODO: give t the shape (steps, 1, 1, ...) — one 1 per axis of a — so that it broadcasts against a
    # TODO: return (1 - t) * a + t * b, shape (steps, *a.shape)
    raise NotImplementedError("interpolate_codes")
