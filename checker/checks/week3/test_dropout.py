"""Hidden checks for exercise 27 (dropout).

Any mask drawn from the learner's rng is acceptable, so the checks do not
predict particular numbers.  They test what every correct inverted dropout
does: the fraction of zeros is p_drop and the mean is preserved (within a
tolerance of six standard deviations for the sample size), each surviving entry
is exactly x / (1 − p_drop), the mask is drawn per entry from `rng` alone, the
backward pass goes through the same mask, and test time is the identity.
"""

import math

import numpy as np
import pytest

from checker.testing import (
    assert_array,
    assert_close,
    call_unchanged,
    fail,
    fmt,
    gradcheck,
    rng,
    seed_global_random,
)

NOT_RESCALED = ("the kept entries are not rescaled: divide them by (1 − p_drop) (inverted dropout). "
                "Without it the mean of the output shrinks to (1 − p_drop) times the mean of x during training.")
P_AS_KEEP = ("p_drop is used as the probability to KEEP an entry. It is the probability to DROP one: "
             "keep = rng.random(x.shape) >= p_drop keeps an entry with probability 1 − p_drop.")


def _x(seed, shape):
    """Entries of size 0.5 to 2 with random signs: none is 0, so a 0 in out means dropped."""
    g = rng(seed)
    return g.uniform(0.5, 2.0, size=shape) * g.choice([-1.0, 1.0], size=shape)


def _forward(ex, x, p_drop, training, g, what=None):
    what = what or f"dropout_forward(x, p_drop={p_drop}, training={training}, rng) on x of shape {x.shape}"
    result = call_unchanged(ex.dropout_forward, x, p_drop, training, g, what="dropout_forward",
                            names=["x", "p_drop", "training", "rng"])
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{what} returned {fmt(result, max_chars=120)}, expected a pair (out, cache).\nEnd with `return out, cache`.")
    return assert_array(result[0], what=f"{what} (out)", shape=x.shape), result[1]


def _backward(ex, dout, cache, what):
    dx = call_unchanged(ex.dropout_backward, dout, cache, what="dropout_backward", names=["dout", "cache"])
    return assert_array(dx, what=what, shape=dout.shape)


def _tolerance(p, n):
    """Six standard deviations of the fraction of drops among n independent entries."""
    return 6 * math.sqrt(p * (1 - p) / n)


# --------------------------------------------------------------------------- test time


@pytest.mark.parametrize("shape, p_drop", [((4, 5), 0.5), ((2, 3, 3, 4), 0.3)], ids=str)
def test_test_time_is_the_identity(ex, shape, p_drop):
    """training=False: out equals x, nothing dropped and nothing scaled"""
    x = _x(1 + len(shape), shape)
    out, _ = _forward(ex, x, p_drop, False, rng(0))
    if np.any(out == 0):
        fail(f"dropout_forward(x, p_drop={p_drop}, training=False, rng) set {int(np.sum(out == 0))} of {x.size} "
             "entries to 0.\nAt test time dropout drops nothing: return x unchanged (the scaling during training "
             "already keeps the expected values equal).")
    assert_close(
        out, x, what=f"dropout_forward(x, p_drop={p_drop}, training=False, rng) (out)",
        inputs={"x": x} if x.size <= 20 else None,
        mistakes={
            "you scaled at test time by (1 − p_drop) (the old, non-inverted dropout). With inverted dropout the "
            "scaling happens during training only: at test time out = x.": x * (1 - p_drop),
            "you scaled at test time by 1 / (1 − p_drop). That scaling happens during training only: at test time "
            "out = x.": x / (1 - p_drop),
        },
    )


def test_p_drop_zero_keeps_everything(ex):
    """training=True with p_drop=0: out equals x"""
    x = _x(3, (6, 7))
    out, _ = _forward(ex, x, 0.0, True, rng(1))
    assert_close(out, x, what="dropout_forward(x, p_drop=0.0, training=True, rng) (out)",
                 mistakes={P_AS_KEEP + " (With p_drop = 0 everything was dropped.)": np.zeros_like(x)},
                 hint="With p_drop = 0 no entry is dropped and 1 / (1 − 0) = 1: out = x.")


# --------------------------------------------------------------------------- statistics


def test_mask_is_drawn_per_entry(ex):
    """training=True: each entry is dropped independently (not whole rows or columns)"""
    x = _x(7, (1000, 16))
    out, _ = _forward(ex, x, 0.5, True, rng(8))
    dropped = out == 0
    rows = np.unique(dropped, axis=0).shape[0]
    uniform_rows = float(np.mean(dropped.all(axis=1) | (~dropped).all(axis=1)))
    if uniform_rows > 0.05:
        fail(f"dropout_forward(x, p_drop=0.5, training=True, rng) on x of shape {x.shape}: {uniform_rows:.0%} of the rows "
             "are dropped or kept as a whole (with independent entries it would be about 0.003%).\nLikely mistake: one random "
             "number per example (e.g. rng.random((N, 1))). Draw one per entry: rng.random(x.shape).")
    if rows < 500:
        fail(f"dropout_forward(x, p_drop=0.5, training=True, rng) on x of shape {x.shape}: the 1000 rows share only {rows} "
             "distinct dropout pattern(s).\nLikely mistake: one mask shared by every example (e.g. rng.random(x.shape[1:]) "
             "or rng.random(D)). Draw one random number per entry: rng.random(x.shape).")


def test_mean_is_preserved(ex):
    """training=True: the mean of the output stays the mean of x (the scaling of inverted dropout)"""
    p, value, shape = 0.4, 2.0, (400, 250)
    x = np.full(shape, value)
    out, _ = _forward(ex, x, p, True, rng(2))
    n = x.size
    mean = float(np.mean(out))
    tol = 6 * value * math.sqrt(p / ((1 - p) * n))
    if abs(mean - value) <= tol:
        return
    message = (f"dropout_forward(x, p_drop={p}, training=True, rng) on x = {value} everywhere (shape {shape}, {n} entries): "
               f"the mean of out is {mean:.4f}, expected {value} ± {tol:.4f} (six standard deviations for {n} entries).\n")
    if abs(mean - (1 - p) * value) <= tol * math.sqrt(1 - p) + 1e-9:
        message += f"It is ≈ (1 − p_drop) · {value} = {(1 - p) * value:.4f}. Likely mistake: {NOT_RESCALED}"
    elif abs(mean - (1 - p) ** 2 * value) <= tol:
        message += (f"It is ≈ (1 − p_drop)² · {value} = {(1 - p) ** 2 * value:.4f}. Likely mistake: the kept entries are "
                    "multiplied by (1 − p_drop); divide them by it: out = x · keep / (1 − p_drop).")
    elif abs(mean - p * value) <= 6 * value * math.sqrt(p * (1 - p) / n):
        message += f"It is ≈ p_drop · {value} = {p * value:.4f}: kept entries not rescaled, and p_drop used as the keep probability."
    else:
        message += "Inverted dropout keeps each entry with probability 1 − p_drop and divides the kept ones by (1 − p_drop)."
    fail(message)


@pytest.mark.parametrize("p_drop", [0.2, 0.5, 0.8])
def test_fraction_dropped_is_p_drop(ex, p_drop):
    """training=True: the fraction of zeros is p_drop, within the tolerance of the sample size"""
    x = _x(4, (250, 200))
    out, _ = _forward(ex, x, p_drop, True, rng(int(p_drop * 10)))
    n = x.size
    frac = float(np.mean(out == 0))
    tol = _tolerance(p_drop, n)
    if abs(frac - p_drop) <= tol:
        return
    message = (f"dropout_forward(x, p_drop={p_drop}, training=True, rng) on x of shape {x.shape} dropped a fraction "
               f"{frac:.4f} of the {n} entries; expected {p_drop} ± {tol:.4f} (six standard deviations for {n} entries).\n")
    if abs(frac - (1 - p_drop)) <= tol:
        message += f"Likely mistake: {P_AS_KEEP}"
    elif frac == 0:
        message += "Nothing was dropped: draw keep = rng.random(x.shape) >= p_drop and multiply x by it."
    elif frac == 1:
        message += "Everything was dropped: keep = rng.random(x.shape) >= p_drop keeps an entry with probability 1 − p_drop."
    else:
        message += "Each entry must be dropped independently with probability p_drop (keep = rng.random(x.shape) >= p_drop)."
    fail(message)


# --------------------------------------------------------------------------- exact values for the mask used


@pytest.mark.parametrize("shape, p_drop", [((30, 20), 0.25), ((4, 5, 5, 3), 0.6), ((50,), 0.5)], ids=str)
def test_kept_entries_are_scaled_by_one_over_keep_probability(ex, shape, p_drop):
    """training=True: every entry of out is 0 or exactly x / (1 − p_drop)"""
    x = _x(5 + len(shape), shape)
    out, _ = _forward(ex, x, p_drop, True, rng(6))
    kept = out != 0
    keep = 1 - p_drop
    assert_close(
        out, np.where(kept, x / keep, 0.0),
        what=f"dropout_forward(x, p_drop={p_drop}, training=True, rng) on x of shape {shape} (out, at the entries it kept)",
        mistakes={
            NOT_RESCALED: np.where(kept, x, 0.0),
            "you multiplied the kept entries by (1 − p_drop); divide by it: out = x · keep / (1 − p_drop).": np.where(kept, x * keep, 0.0),
            "you divided the kept entries by p_drop; the keep probability is 1 − p_drop: out = x · keep / (1 − p_drop).":
                np.where(kept, x / p_drop, 0.0),
        },
        hint="Each entry must be either dropped (0) or kept and divided by the keep probability 1 − p_drop.",
    )


def test_mask_comes_from_rng(ex):
    """training=True: the mask comes from rng only (same seed, same mask; other seed, other mask)"""
    x = _x(9, (20, 30))
    outs = []
    for global_seed in (1, 2):
        seed_global_random(global_seed)  # a mask from np.random would change with it
        outs.append(_forward(ex, x, 0.5, True, rng(42))[0])
    seed_global_random(None)
    if not np.array_equal(outs[0], outs[1]):
        fail("Two calls of dropout_forward(x, p_drop=0.5, training=True, rng) with generators made from the same "
             "seed, rng = np.random.default_rng(42), gave different masks.\nLikely mistake: the mask comes from the global "
             "np.random (np.random.rand, np.random.binomial...) or a generator of your own. Draw it from the rng "
             "argument: keep = rng.random(x.shape) >= p_drop.")
    other = _forward(ex, x, 0.5, True, rng(43))[0]
    if np.array_equal(other, outs[0]):
        fail("dropout_forward gave the same mask for rng = np.random.default_rng(42) and np.random.default_rng(43).\n"
             "Likely mistake: the mask does not come from the rng argument (a generator with a fixed seed of your own?). "
             "Draw it with keep = rng.random(x.shape) >= p_drop.")


# --------------------------------------------------------------------------- backward


@pytest.mark.parametrize("shape, p_drop", [((8, 6), 0.3), ((2, 4, 4, 3), 0.5)], ids=str)
def test_backward_uses_the_same_mask(ex, shape, p_drop):
    """dropout_backward sends the gradient through the forward pass's mask and scale"""
    x = _x(10 + len(shape), shape)
    dout = _x(20 + len(shape), shape)
    out, cache = _forward(ex, x, p_drop, True, rng(11))
    kept = out != 0
    what = f"dropout_backward(dout, cache) after dropout_forward(x, p_drop={p_drop}, training=True, rng), x of shape {shape}"
    dx = _backward(ex, dout, cache, what)
    if np.any((dx == 0) != ~kept) and not np.all(dx != 0):
        fail(f"{what}: dx is zero at {int(np.sum(dx == 0))} entries, but the forward pass dropped {int(np.sum(~kept))} "
             f"entries, and not the same ones.\nLikely mistake: the backward pass does not use the forward pass's mask. "
             "Keep the mask in the cache and use it: dx = dout · keep / (1 − p_drop).")
    keep = 1 - p_drop
    assert_close(
        dx, np.where(kept, dout / keep, 0.0), what=what,
        mistakes={
            "the mask is not applied in backward: entries dropped in the forward pass get no gradient. "
            "dx = dout · keep / (1 − p_drop) with the forward's mask.": dout / keep,
            "the mask is not applied in backward, and the scale is missing: dx = dout · keep / (1 − p_drop).": dout,
            "the backward pass is missing the scale 1 / (1 − p_drop): dx = dout · keep / (1 − p_drop).": np.where(kept, dout, 0.0),
        },
    )


def test_backward_matches_numerical_gradient(ex):
    """dropout_backward agrees with a numerical gradient (the mask held fixed by a fixed seed)"""
    shape, p_drop = (5, 4), 0.4
    x, dout = _x(12, shape), _x(13, shape)

    def loss(v):
        out, _ = ex.dropout_forward(v, p_drop, True, rng(14))
        return float(np.sum(out * dout))

    _, cache = _forward(ex, x, p_drop, True, rng(14))
    dx = _backward(ex, dout, cache, f"dropout_backward(dout, cache) for x of shape {shape}, p_drop={p_drop}")
    gradcheck(loss, dx, x, what=f"dropout_backward(dout, cache) for x of shape {shape}, p_drop={p_drop}",
              inputs={"dout": dout})


def test_backward_at_test_time_passes_dout(ex):
    """dropout_backward after a test-time forward returns dout unchanged"""
    x, dout = _x(15, (3, 4)), _x(16, (3, 4))
    _, cache = _forward(ex, x, 0.5, False, rng(17))
    dx = _backward(ex, dout, cache, "dropout_backward(dout, cache) after dropout_forward(x, 0.5, training=False, rng)")
    assert_close(dx, dout, what="dropout_backward(dout, cache) after a test-time forward", inputs={"dout": dout},
                 mistakes={"you scaled the gradient by 1 / (1 − p_drop) at test time: at test time dropout is the "
                           "identity, so dx = dout.": dout / 0.5})
