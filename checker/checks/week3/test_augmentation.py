"""Hidden checks for exercise 29 (augmentation).

The checks never replay the learner's random draws.  Instead they build, for
every input image, all 2 × 5 × 5 = 50 allowed results (flip or not, then a
zero-filled shift by dy, dx in [−2, 2]) and identify which one each output
image is.  The identified transforms of a large batch then show whether every
transform happens, independently per image.  Unmatched outputs are compared
with what typical mistakes give (np.roll's wrap-around, an upside-down flip,
shifts out of range) so the message can name the mistake.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest

from checker.testing import (
    assert_array,
    call_unchanged,
    fail,
    fmt,
    global_random_state,
    rng,
    shipped_fashion_mnist,
)

SHIFTS = range(-2, 3)
TRANSFORMS = [(flip, dy, dx) for flip in (False, True) for dy in SHIFTS for dx in SHIFTS]


# ---------------------------------------------------------------- the oracle


def _shift(x, dy, dx):
    """Batch `x` (N, H, W, C) moved down by dy and right by dx, zeros where nothing moved in."""
    h, w = x.shape[1:3]
    out = np.zeros_like(x)
    if abs(dy) < h and abs(dx) < w:
        out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = x[:, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def _transform(x, flip, dy, dx, *, roll=False, axis=2):
    x = np.flip(x, axis=axis) if flip else x
    return np.roll(x, (dy, dx), axis=(1, 2)) if roll else _shift(x, dy, dx)


def _matches(x, out, **kwargs):
    """For each candidate transform, which images of `out` it explains: shape (len(TRANSFORMS), N)."""
    return np.stack([np.all(np.abs(_transform(x, *t, **kwargs) - out) <= 1e-6, axis=(1, 2, 3)) for t in TRANSFORMS])


def _identify(x, out):
    """The (flip, dy, dx) of each output image, and a mask of the images no allowed transform explains."""
    matches = _matches(x, out)
    found = matches.any(axis=0)
    index = np.argmax(matches, axis=0)
    flips = np.array([TRANSFORMS[i][0] for i in index])
    dys = np.array([TRANSFORMS[i][1] for i in index])
    dxs = np.array([TRANSFORMS[i][2] for i in index])
    return flips, dys, dxs, ~found


def _diagnose(image, got):
    """Name the mistake that turns `image` (1, H, W, C) into `got`, if a typical one does."""
    for flip, dy, dx in TRANSFORMS:
        if (dy or dx) and np.allclose(_transform(image, flip, dy, dx, roll=True), got, atol=1e-6):
            return (
                f"Likely mistake: the shift wraps around (np.roll): with dy = {dy}, dx = {dx}, the pixels pushed "
                "out on one side come back on the other. The vacated pixels must be zeros: copy the part that "
                "stays inside into an array of zeros instead."
            )
    if not np.any(got):
        return ("It is all zeros: was the image copied into the output? (A shift of more than 2 pixels can also "
                "push a small image out of the frame; shifts must stay within −2 … 2.)")
    wide = list(itertools.product(range(-4, 5), repeat=2))
    for flip, (dy, dx) in itertools.product((False, True), wide):
        if max(abs(dy), abs(dx)) > 2 and np.allclose(_transform(image, flip, dy, dx), got, atol=1e-6):
            return f"Likely mistake: this image was shifted by dy = {dy}, dx = {dx}; shifts must stay within −2 … 2."
    for axis, where in ((1, "vertically (upside down, along the height axis)"), (3, "along the channel axis")):
        if any(np.allclose(_transform(image, True, dy, dx, axis=axis), got, atol=1e-6) for dy in SHIFTS for dx in SHIFTS):
            return (
                f"Likely mistake: the image was flipped {where}. Flip it horizontally, left ↔ right: "
                "the width axis, image[:, ::-1] for one (H, W, C) image, or axis 2 of the batch."
            )
    kept = [np.allclose(_transform(image, *t), got * (_transform(np.ones_like(image), *t) > 0), atol=1e-6) for t in TRANSFORMS]
    if any(kept):
        return "The pixels are in the right places, but the vacated border is not zero: fill it with zeros."
    return "It is not a horizontal flip and/or a shift by at most 2 pixels of the input image."


def _tiny_images(n, h, w, c, seed):
    """Distinct values in (0, 1], easy to read: multiples of 1/(h·w·c)."""
    g = rng(seed)
    size = h * w * c
    return np.stack([g.permutation(np.arange(1, size + 1)).reshape(h, w, c) / size for _ in range(n)]).astype(np.float32)


def _augment(ex, images, seed, what="augment(images, rng)"):
    out = call_unchanged(ex.augment, images, rng(seed), what="augment", names=["images", "rng"])
    out = assert_array(out, what=what, shape=images.shape)
    if out.dtype != images.dtype:
        fail(
            f"{what} returned an array of dtype {out.dtype}, expected {images.dtype} like the input.\n"
            "Make the output with np.zeros_like(images) (same shape AND dtype), or convert with .astype(images.dtype)."
        )
    return out


@functools.lru_cache(maxsize=1)
def _fashion_images():
    (_, _), (x_test, _) = shipped_fashion_mnist()
    return x_test[:64].copy()


# ---------------------------------------------------------------- checks


def test_returns_a_new_array_of_the_same_shape_and_dtype(ex):
    """returns a new float32 array of the input's shape, and leaves the input alone"""
    images = _tiny_images(5, 6, 7, 1, seed=0)
    out = _augment(ex, images, seed=1)
    if np.shares_memory(out, images):
        fail(
            "augment returned an array that shares memory with its input (the input itself, or a view of it).\n"
            "Return a NEW array: start from np.zeros_like(images) and fill it in."
        )


@pytest.mark.parametrize("shape", [(1, 3, 4, 1), (12, 6, 7, 3), (6, 28, 28, 1)], ids=["1x3x4x1", "12x6x7x3", "6x28x28x1"])
def test_each_image_is_a_flip_and_shift_of_its_input(ex, shape):
    """each output image is its input, maybe flipped left–right, shifted by at most 2 px with zero fill"""
    images = _tiny_images(*shape, seed=sum(shape))
    for seed in range(3 if shape[0] == 1 else 1):  # a single image gets a few draws
        out = _augment(ex, images, seed=10 + seed)
        unmatched = _identify(images, out)[3]
        if unmatched.any():
            n = int(np.argmax(unmatched))
            small = images.shape[1] * images.shape[2] <= 42 and images.shape[3] == 1
            shown = (
                f"input image {n} (channel 0):\n{fmt(images[n, :, :, 0], precision=3)}\n"
                f"its output:\n{fmt(out[n, :, :, 0], precision=3)}\n"
                if small
                else ""
            )
            fail(
                f"On a batch of shape {images.shape}, output image {n} is not an allowed augmentation of input image {n}.\n"
                + shown
                + _diagnose(images[n:n + 1], out[n:n + 1])
            )


def test_labels_are_preserved_on_fashion_mnist(ex):
    """on real clothes, the pixels stay in [0, 1] and almost all of each image's ink stays"""
    images = _fashion_images()
    out = _augment(ex, images, seed=3, what="augment on 64 Fashion-MNIST images")
    if out.min() < 0 or out.max() > 1:
        fail(f"The augmented pixels range over [{out.min():.3f}, {out.max():.3f}]; the input's are in [0, 1]. "
             "Augmentation moves pixels, it must not change their values.")
    mass_in, mass_out = images.sum(axis=(1, 2, 3)), out.sum(axis=(1, 2, 3))
    ratio = mass_out / mass_in
    n = int(np.argmin(ratio))
    if ratio[n] < 0.7 or np.any(mass_out > mass_in * (1 + 1e-5)):
        worst = n if ratio[n] < 0.7 else int(np.argmax(ratio))
        fail(
            f"Image {worst}'s total brightness went from {mass_in[worst]:.1f} to {mass_out[worst]:.1f}.\n"
            "A shift by at most 2 pixels only loses the few pixels pushed over the border (a few percent on these "
            "images) and adds none, and a flip changes nothing; the garment must stay recognisable."
        )


def _transforms_of_a_big_batch(ex, seed):
    images = _tiny_images(400, 5, 6, 1, seed=seed)
    out = _augment(ex, images, seed=seed + 1, what="augment on a batch of 400 images")
    flips, dys, dxs, unmatched = _identify(images, out)
    if unmatched.any():
        n = int(np.argmax(unmatched))
        fail(
            f"On a batch of 400 images of shape 5×6×1, output image {n} is not an allowed augmentation of input "
            f"image {n}.\n" + _diagnose(images[n:n + 1], out[n:n + 1])
        )
    return flips, dys, dxs


def test_each_image_gets_its_own_random_transform(ex):
    """the images of one batch are transformed independently, not all the same way"""
    flips, dys, dxs = _transforms_of_a_big_batch(ex, seed=20)
    same_flip, same_shift = len(set(flips)) == 1, len(set(zip(dys, dxs))) == 1
    if same_shift:
        fail(
            f"All 400 images of one batch got the same shift (dy = {dys[0]}, dx = {dxs[0]}).\n"
            "Likely mistake: one random draw for the whole batch. Draw dy and dx for EACH image, inside the loop "
            "over the images (or draw N values at once, one per image)."
        )
    if same_flip:
        done = "were flipped" if flips[0] else "were left unflipped"
        fail(
            f"All 400 images of one batch {done}, although each should be flipped with probability 0.5.\n"
            "Likely mistake: one flip decision for the whole batch: draw rng.random() < 0.5 for EACH image, inside "
            f"the loop over the images{'' if flips[0] else ' (or the flip is never applied: it reverses the width axis, image[:, ::-1])'}."
        )


def test_flips_about_half_of_the_images(ex):
    """about half of the images are flipped (probability 0.5)"""
    flips, _, _ = _transforms_of_a_big_batch(ex, seed=30)
    share = flips.mean()
    if not 0.4 <= share <= 0.6:
        why = {0.0: " None was: is the flip ever applied?", 1.0: " All were: the flip must be random, rng.random() < 0.5."}
        fail(f"{share:.0%} of 400 images were flipped; about 50% expected (each with probability 0.5).{why.get(share, '')}")


def test_every_shift_occurs(ex):
    """shifts cover every dy, dx in −2…2, about uniformly, dy independent of dx"""
    _, dys, dxs = _transforms_of_a_big_batch(ex, seed=40)
    for name, values in (("dy", dys), ("dx", dxs)):
        seen = sorted(set(values.tolist()))
        if seen != list(SHIFTS):
            missing = sorted(set(SHIFTS) - set(seen))
            why = (
                " Likely mistake: rng.integers(-2, 2) never gives 2, because its upper bound is excluded: "
                "use rng.integers(-2, 3)."
                if missing == [2]
                else ""
            )
            fail(f"Over 400 images, {name} took the values {seen}; all of −2, −1, 0, 1, 2 should occur (missing: {missing}).{why}")
        shares = np.array([np.mean(values == s) for s in SHIFTS])
        if shares.min() < 0.1 or shares.max() > 0.3:
            fail(
                f"Over 400 images, {name} = −2 … 2 occurred with shares {fmt(shares, precision=2)}; each should be "
                "about 0.2 (uniform). Draw the shift with rng.integers(-2, 3)."
            )
    if np.all(dys == dxs):
        fail("Over 400 images, dy always equalled dx: the shifts only go along the diagonal.\n"
             "Likely mistake: the same random draw is used for both. Draw dy and dx separately.")


def test_randomness_comes_from_rng(ex):
    """the same seed gives the same output, another seed another one, and np.random is left alone"""
    images = _tiny_images(20, 5, 6, 1, seed=50)
    state = global_random_state()
    first = _augment(ex, images, seed=7)
    touched = not all(np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
                      for a, b in zip(state, global_random_state()))
    again, other = _augment(ex, images, seed=7), _augment(ex, images, seed=8)
    if touched:
        fail("augment used numpy's global random state (np.random.*). Draw every random number from the rng argument "
             "(rng.random(), rng.integers(...)), never from np.random.")
    if not np.array_equal(first, again):
        fail("Two calls with generators of the same seed gave different outputs.\n"
             "All randomness must come from the rng argument, never from np.random.* or a new generator.")
    if np.array_equal(first, other):
        fail("Calls with generators of different seeds gave the same output: the draws do not come from rng.")
    g = rng(9)
    if np.array_equal(ex.augment(images, g), ex.augment(images, g)):
        fail("Two successive calls with the same generator gave the same output: draw from the rng you are given "
             "(do not re-seed or copy it), so that each call gets fresh draws.")
