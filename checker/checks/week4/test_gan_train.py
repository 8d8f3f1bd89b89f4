"""Hidden checks for exercise 39 (gan_train).

The networks and the optimizers are made where the learner's code runs (by the
module-level helpers below, through learner_side): a tape can only see
variables of its own process.  The optimizers are watched ones: each call to
apply (apply_gradients goes through it) notes which network's variables it was
given and, when it runs eagerly, whether each network's weights changed across
that very call -- the two halves of the step, seen separately.  Those notes
are plain values; the verdicts rest on them and on weights read back here.

The losses are checked on a discriminator that answers the same logit c for
every point (kernel 0, bias c) with an optimizer too slow to move it: then
d_loss = softplus(−c) + softplus(c) and g_loss = softplus(−c) exactly, whatever
noise the learner draws.  At c = −150, σ(c) is 0 in float32, so
log(sigmoid(x)) gives inf: the unstable formula is named.

The training check compiles the learner's step with tf.function and trains a
small GAN on a ring of 8 Gaussians (radius 2, standard deviation 0.05) for 1000
steps with fixed seeds; 2 000 samples are drawn, the noise made here, and a
mode counts as covered when at least 2 % of them lie within 0.25 of it.
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np
import tensorflow as tf

from checker.testing import (
    after_cheap_checks,
    assert_close,
    call_unchanged,
    fail,
    fmt,
    learner_side,
    report_progress,
    rng,
    type_name,
)

NOISE_DIM, HIDDEN = 4, 64
MODES, RADIUS, SPREAD = 8, 2.0, 0.05
STEPS, BATCH, LR = 1000, 128, 3e-3
NEAR, SHARE, NEEDED = 0.25, 0.02, 6
TIME_BUDGET = 60.0  # seconds for the 1000 steps (about 4 s of CPU with the reference)

SATURATING = (
    "this is the SATURATING generator loss, mean log(1 − σ(D(G(z)))): it is flat where D rejects the fakes, so G "
    "learns nothing early on. Use the non-saturating one: g_loss = mean softplus(−D(G(z))) = mean −log σ(D(G(z)))."
)
LABEL_ZERO = ("the generator was trained towards label 0, mean −log(1 − σ(D(G(z)))): that is D's loss on the fakes. "
              "G wants D to say REAL: g_loss = mean softplus(−D(G(z))).")
UNSTABLE = (
    "log(sigmoid(x)) computed unstably: at a logit of −150, σ(x) is 0 in float32 and log(0) = −inf. Take the log "
    "analytically: −log σ(x) = tf.math.softplus(−x), −log(1 − σ(x)) = tf.math.softplus(x) (or "
    "keras.losses.BinaryCrossentropy(from_logits=True))."
)
CLIPPED = (
    "the loss was computed from probabilities (a sigmoid, then a cross-entropy with from_logits=False), which Keras "
    "clips at 1e-7, so a loss of 150 came out ≈ 16.1. Compute it from the logits: tf.math.softplus, or "
    "BinaryCrossentropy(from_logits=True)."
)
D_IN_G_STEP = (
    "the discriminator's weights changed in the generator's step: g_opt was given D's variables too (a tape over "
    "both networks, or generator.trainable_variables + discriminator.trainable_variables). The generator's step "
    "would then move D towards being fooled. Differentiate g_loss with respect to generator.trainable_variables only."
)
G_IN_D_STEP = ("the generator's weights changed in the discriminator's step: d_opt was given G's variables. "
               "Differentiate d_loss with respect to discriminator.trainable_variables only, and apply with d_opt.")


# ---------------------------------------------------------------- made where the learner's code runs


class _Watch:
    """A mixin for keras optimizers: notes what each apply call was given and what it changed."""

    def watch(self, generator, discriminator):
        object.__setattr__(self, "_dlx_models", (generator, discriminator))
        object.__setattr__(self, "_dlx_notes", [])
        return self

    def apply(self, grads, trainable_variables=None):
        generator, discriminator = self._dlx_models
        given = list(trainable_variables) if trainable_variables is not None else []

        def owned(model):
            mine = {id(v) for v in model.variables} | {id(getattr(v, "value", v)) for v in model.variables}
            return any(id(v) in mine or id(getattr(v, "value", v)) in mine for v in given)

        eager = tf.executing_eagerly()
        before = [_values(generator), _values(discriminator)] if eager else None
        note = {"generator": owned(generator), "discriminator": owned(discriminator), "eager": eager}
        self._dlx_notes.append(note)  # before the update: an optimizer that refuses a variable is still seen
        result = super().apply(grads, trainable_variables)
        if eager:
            after = [_values(generator), _values(discriminator)]
            note["generator_changed"] = _changed(before[0], after[0])
            note["discriminator_changed"] = _changed(before[1], after[1])
        return result

    def notes(self):
        return [dict(note) for note in self._dlx_notes]


class _WatchedAdam(_Watch, keras.optimizers.Adam):
    pass


class _WatchedSGD(_Watch, keras.optimizers.SGD):
    pass


def _values(model):
    return [np.array(v.numpy()) for v in model.weights]


def _changed(before, after):
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


def _mlp(inputs, outputs):
    return keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(HIDDEN, activation="relu"),
                             keras.layers.Dense(HIDDEN, activation="relu"), keras.layers.Dense(outputs)])


def make_gan(seed, lr=LR, constant_logit=None, build=False):
    """(generator, discriminator, g_opt, d_opt), seeded; with constant_logit, D answers that logit everywhere."""
    keras.utils.set_random_seed(seed)
    generator = _mlp(NOISE_DIM, 2)
    if constant_logit is None:
        discriminator = _mlp(2, 1)
        g_opt = _WatchedAdam(lr, beta_1=0.5, name="g_opt").watch(generator, discriminator)
        d_opt = _WatchedAdam(lr, beta_1=0.5, name="d_opt").watch(generator, discriminator)
    else:
        discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        discriminator.layers[0].set_weights([np.zeros((2, 1), np.float32), np.array([constant_logit], np.float32)])
        g_opt = _WatchedSGD(lr, name="g_opt").watch(generator, discriminator)
        d_opt = _WatchedSGD(1e-6, name="d_opt").watch(generator, discriminator)  # D stays (almost) where it is
    if build:  # for tf.function, which may create the optimizers' variables on its first trace only
        g_opt.build(generator.trainable_variables)
        d_opt.build(discriminator.trainable_variables)
    return generator, discriminator, g_opt, d_opt


def compiled(step):
    """The learner's step under tf.function (made where it runs)."""
    return tf.function(step)


def ring(g, n):
    """n points of the mixture: 8 Gaussians on a circle of radius 2, float32."""
    angles = np.arange(MODES) * 2 * np.pi / MODES
    centres = RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return (centres[g.integers(0, MODES, n)] + SPREAD * g.standard_normal((n, 2))).astype(np.float32), centres


def _weights(model):
    return [np.asarray(w, dtype=np.float64) for w in model.get_weights()]


def _step(ex, gan, real, what="gan_train_step"):
    generator, discriminator, g_opt, d_opt = gan
    try:
        result = call_unchanged(ex.gan_train_step, generator, discriminator, g_opt, d_opt, real, NOISE_DIM,
                                what=what, names=["generator", "discriminator", "g_opt", "d_opt", "real", "noise_dim"])
    except Exception:
        check_ownership(g_opt.notes(), d_opt.notes(), what)  # a refused variable is a mistake we can name
        raise
    return losses_of(result, what)


def check_ownership(g_notes, d_notes, what="gan_train_step"):
    """Fail if an optimizer was given, or changed, the other network's weights."""
    if any(n.get("discriminator") or n.get("discriminator_changed") for n in g_notes):
        fail(f"In {what}, {D_IN_G_STEP}")
    if any(n.get("generator") or n.get("generator_changed") for n in d_notes):
        fail(f"In {what}, {G_IN_D_STEP}")


def losses_of(result, what):
    if result is None:
        fail(f"{what} returned None.\nEnd with `return d_loss, g_loss`.")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        fail(f"{what} returned {type_name(result)}, expected a pair (d_loss, g_loss).")
    values = []
    for name, value in zip(("d_loss", "g_loss"), result):
        array = np.asarray(value.numpy() if tf.is_tensor(value) else value)
        if array.dtype.kind not in "fiu" or array.size != 1:
            fail(f"{what} returned a {name} of shape {array.shape} ({fmt(array, max_chars=80)}), expected a single "
                 "number (a 0-d tensor): take the mean over the batch.")
        values.append(float(array.reshape(())))
    return values


# ---------------------------------------------------------------- the contract


def test_returns_two_finite_losses(ex):
    """one step on a batch of 64 ring points returns (d_loss, g_loss), two finite numbers"""
    gan = learner_side(make_gan, 0)
    real, _ = ring(rng(1), 64)
    d_loss, g_loss = _step(ex, gan, real, "gan_train_step on 64 points of the ring")
    if not (math.isfinite(d_loss) and math.isfinite(g_loss)):
        fail(f"gan_train_step returned d_loss = {d_loss}, g_loss = {g_loss} on a fresh GAN: expected finite losses.")
    if d_loss < 0 or g_loss < 0:
        fail(f"gan_train_step returned d_loss = {d_loss:.4f}, g_loss = {g_loss:.4f}: cross-entropies are never "
             "negative. " + (SATURATING if g_loss < 0 else "Check the signs: −log σ(x) = softplus(−x)."))


def test_each_step_changes_only_its_own_network(ex):
    """d_opt moves only the discriminator, g_opt only the generator (weights seen around each optimizer call)"""
    gan = learner_side(make_gan, 2)
    generator, discriminator, g_opt, d_opt = gan
    real, _ = ring(rng(3), 64)
    before = _weights(generator), _weights(discriminator)
    _step(ex, gan, real)
    g_notes, d_notes = g_opt.notes(), d_opt.notes()
    g_moved = any(not np.array_equal(a, b) for a, b in zip(before[0], _weights(generator)))
    d_moved = any(not np.array_equal(a, b) for a, b in zip(before[1], _weights(discriminator)))
    check_ownership(g_notes, d_notes, "one gan_train_step")
    if not d_notes or not d_moved:
        fail("After one gan_train_step the discriminator's weights are unchanged: compute the gradients of d_loss "
             "with respect to discriminator.trainable_variables and call d_opt.apply_gradients(zip(gradients, "
             "discriminator.trainable_variables)).")
    if not g_notes or not g_moved:
        fail("After one gan_train_step the generator's weights are unchanged: compute the gradients of g_loss with "
             "respect to generator.trainable_variables and call g_opt.apply_gradients(zip(gradients, "
             "generator.trainable_variables)). (If both optimizers were swapped, each network got the other's.)")


def _constant(ex, c, seed):
    gan = learner_side(make_gan, seed, 1e-3, float(c))
    real, _ = ring(rng(seed), 32)
    return _step(ex, gan, real, f"gan_train_step with a discriminator that answers the logit {c} for every point")


def _softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def test_losses_from_logits(ex):
    """with a discriminator that answers the logit 2 everywhere: d_loss = softplus(−2) + softplus(2), g_loss = softplus(−2)"""
    c = 2.0
    d_loss, g_loss = _constant(ex, c, 4)
    what = f"with D answering the logit {c} for every point,"
    assert_close(g_loss, _softplus(-c), what=f"g_loss {what} (mean −log σ({c}))", atol=1e-3, rtol=1e-3,
                 mistakes={SATURATING: -_softplus(c), LABEL_ZERO: _softplus(c),
                           "g_loss has the wrong sign: it is mean −log σ(D(G(z))).": -_softplus(-c)})
    assert_close(d_loss, _softplus(-c) + _softplus(c), what=f"d_loss {what} (−log σ({c}) − log(1 − σ({c})))",
                 atol=1e-3, rtol=1e-3,
                 mistakes={"the two terms were averaged: add them.": (_softplus(-c) + _softplus(c)) / 2,
                           "the fake term is missing: add mean softplus(D(G(z))).": _softplus(-c),
                           "the real term is missing: add mean softplus(−D(real)).": _softplus(c)})


def test_losses_are_stable_for_a_confident_discriminator(ex):
    """with a discriminator that answers −150 everywhere: g_loss = 150 and d_loss = 150 (no inf from log σ)"""
    c = -150.0
    d_loss, g_loss = _constant(ex, c, 5)
    for name, got in (("g_loss", g_loss), ("d_loss", d_loss)):
        if not math.isfinite(got):
            fail(f"With D answering the logit {c} everywhere, {name} came out {got}; it is {_softplus(-c):.0f}.\n"
                 f"Likely mistake: {UNSTABLE}")
        if abs(got - 16.118) < 0.05:
            fail(f"With D answering the logit {c} everywhere, {name} came out {got:.3f}; it is 150.\nLikely mistake: {CLIPPED}")
    assert_close(g_loss, 150.0, what=f"g_loss with D answering the logit {c} everywhere (−log σ(−150) = 150)",
                 atol=1e-2, rtol=1e-4, mistakes={SATURATING: -_softplus(c), LABEL_ZERO: _softplus(c)})
    assert_close(d_loss, 150.0, what=f"d_loss with D answering the logit {c} everywhere", atol=1e-2, rtol=1e-4)


# ---------------------------------------------------------------- training for real


def coverage(samples, centres):
    """(modes covered, fraction of samples near some mode)."""
    distance = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=2)
    near = distance.min(axis=1) < NEAR
    nearest = distance.argmin(axis=1)
    shares = np.array([np.mean(near & (nearest == k)) for k in range(MODES)])
    return int(np.sum(shares >= SHARE)), float(near.mean())


def train(step_fn, seed=0, steps=STEPS, budget=TIME_BUDGET):
    """Train a fresh GAN with step_fn (the learner's, compiled where it runs); return (samples, centres, seconds, losses)."""
    gan = learner_side(make_gan, seed, LR, None, True)
    generator = gan[0]
    step = learner_side(compiled, step_fn)
    g = rng(100 + seed)
    losses, started = [], time.perf_counter()
    for k in range(steps):
        real, centres = ring(g, BATCH)
        try:
            result = step(*gan, real, NOISE_DIM)
        except Exception as exc:  # noqa: BLE001 - the step could not be compiled or run: say so in words
            fail(f"Under tf.function, gan_train_step failed at step {k + 1}:\n{type(exc).__name__}: "
                 f"{str(exc).splitlines()[0][:300] if str(exc) else ''}\nUse TensorFlow operations only inside the "
                 "step (no .numpy(), float(...) or numpy functions on tensors): the check compiles it with "
                 "tf.function.")
        if k % 50 == 0 or k == steps - 1:
            losses.append(losses_of(result, f"gan_train_step (step {k + 1})"))
            report_progress(k + 1, steps, "step", d_loss=losses[-1][0], g_loss=losses[-1][1])
        else:
            report_progress(k + 1, steps, "step")  # shown while it trains (at most four times a second)
        seconds = time.perf_counter() - started
        if seconds > budget:
            fail(f"Training was stopped after {k + 1} of {steps} steps ({seconds:.0f} s; the budget is {budget:.0f} s). "
                 "A step of this small GAN takes a few milliseconds: is something slow (a Python loop over the "
                 "batch, a new model or optimizer made in every step)?")
    noise = rng(200 + seed).standard_normal((2000, NOISE_DIM)).astype(np.float32)
    samples = np.asarray(generator(noise, training=False), dtype=np.float64)
    if samples.shape != (2000, 2) or not np.all(np.isfinite(samples)):
        fail(f"After training, the generator's samples have shape {samples.shape} or contain NaN/inf.")
    return samples, centres, time.perf_counter() - started, losses


def test_covers_the_modes_of_a_ring_of_gaussians(ex, request):
    """1000 steps on a ring of 8 Gaussians: ≥ 2 % of the samples near each of ≥ 6 modes (the reference covers 8)"""
    _step(ex, learner_side(make_gan, 0), ring(rng(9), 16)[0])  # first, so an unwritten step reads "not written yet"
    after_cheap_checks(request, "Training takes several seconds, and it needs a step that meets the contract.")
    samples, centres, seconds, losses = train(ex.gan_train_step)
    covered, near = coverage(samples, centres)
    if covered < NEEDED:
        d_first, g_first = losses[0]
        d_last, g_last = losses[-1]
        fail(f"After {STEPS} steps ({seconds:.0f} s) the generator's samples cover {covered} of the {MODES} modes "
             f"(≥ {SHARE:.0%} of 2 000 samples within {NEAR} of a mode); {NEEDED} are needed. {near:.0%} of the "
             f"samples are near some mode.\nThe losses went d {d_first:.3f} → {d_last:.3f}, g {g_first:.3f} → "
             f"{g_last:.3f}. The reference covers all 8 with d_loss ≈ 1.2 and g_loss ≈ 0.9 at the end. If d_loss "
             "went to 0, D wins and G gets no signal (a saturating loss?); if nothing moved, look at the optimizers.")
