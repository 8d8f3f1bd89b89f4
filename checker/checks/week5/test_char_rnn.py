"""Hidden checks for exercise 46 (char_rnn).

generate_names is first held against models whose next-character
probabilities the check chose: a one-layer Keras model (an Embedding of log
probabilities, so the logits depend on the last character only) made where the
learner's code runs.  A near-greedy temperature must follow the one likely
chain; at temperature 2 the two possible one-letter names must come in the
proportion softmax(log p / 2) says (2 000 names, six standard deviations:
a false fail about once in 10^9); a chain that never ends must stop at 20
letters; PAD (shown here as "~") is never drawn; every draw comes from rng.

build_char_model is checked for shapes and causality, then trained on the
shipped names with fixed seeds under a time guard; its loss on the held-out
names is computed here from its logits, and 200 names sampled at temperature 1
by the learner's own generate_names must be well-formed and mostly new.
"""

from __future__ import annotations

import functools
import math
import re

import keras
import numpy as np

from checker.datasets import load_names
from checker.testing import (
    judge_side_model,
    after_cheap_checks,
    assert_true,
    fail,
    global_random_state,
    guarded_fit,
    learner_isinstance,
    learner_side,
    rng,
    shipped,
    type_name,
)

LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)]
VOCAB = ["", "."] + LETTERS
SHOWN_VOCAB = ["~", "."] + LETTERS  # PAD visible, so a drawn PAD shows in a name
V = len(VOCAB)
MAX_LEN = 20
EPOCHS, BATCH, LR = 4, 64, 1e-2
THRESHOLD = 2.2  # nats per character on the held-out names
TIME_BUDGET = 60.0  # CPU seconds of training (checker.testing.guarded_fit)
N_SAMPLES, NEW_SHARE = 200, 0.5
WELL_FORMED = re.compile(r"[a-z]{1,20}")


# ---------------------------------------------------------------- models with chosen probabilities


def _table(pairs, default="."):
    """A (V, V) table of next-character probabilities: pairs {char: {next: p}}; other rows go to `default`."""
    table = np.full((V, V), 1e-30)
    for row in range(V):
        table[row, VOCAB.index(default)] = 1.0
    for char, nexts in pairs.items():
        table[VOCAB.index(char)] = 1e-30
        for nxt, p in nexts.items():
            table[VOCAB.index(char), VOCAB.index(nxt)] = p
    return table / table.sum(axis=1, keepdims=True)


def table_model(table):
    """(N, T) ids → (N, T, V) logits log table[id]: a model that looks at the last character only."""
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"), keras.layers.Embedding(V, V)])
    model.layers[0].set_weights([np.log(table).astype(np.float32)])
    return model


def _generate(ex, model, n, temperature, seed, vocab=SHOWN_VOCAB):
    what = f"generate_names(model, vocab, n={n}, temperature={temperature}, rng)"
    names = ex.generate_names(model, list(vocab), n, temperature, rng(seed))
    if names is None:
        fail(f"{what} returned None.\nReturn the list of names.")
    if not isinstance(names, (list, tuple)) or not all(isinstance(name, str) for name in names):
        fail(f"{what} returned {type_name(names)}, expected a list of {n} strings (\"\".join of each name's letters).")
    if len(names) != n:
        fail(f"{what} returned {len(names)} names, expected {n}.")
    pads = [name for name in names if "~" in name]
    if pads:
        fail(f"{what} drew PAD (id 0, shown as \"~\"): {pads[:3]}.\nSet the PAD logit to -inf before the softmax: "
             "logits[:, 0] = -np.inf, so that it is never drawn.")
    dots = [name for name in names if "." in name]
    if dots:
        fail(f"{what} returned names with \".\" inside: {dots[:3]}.\nA name ENDS when \".\" (id 1) is drawn: stop it "
             "there, without adding the \".\".")
    return list(names)


def test_near_greedy_follows_the_likely_chain(ex):
    """at temperature 0.001, a model with the chain . → e → v → a → . (p = 0.9 each) gives "eva" every time"""
    chain = _table({".": {"e": 0.9, "b": 0.1}, "e": {"v": 0.9, "x": 0.1}, "v": {"a": 0.9, "o": 0.1},
                    "a": {".": 0.9, "n": 0.1}})
    model = learner_side(table_model, chain)
    names = _generate(ex, model, 5, 0.001, 1)
    if names != ["eva"] * 5 and len(set(names)) > 1:
        fail(f"At temperature 0.001 the draw is all but certain, yet generate_names gave different names: {names}.\n"
             "Likely mistake: the logits were MULTIPLIED by the temperature (at T = 0.001 that flattens them to a "
             "uniform draw), or the temperature was ignored. Divide them: p = softmax(logits / temperature).")
    if names != ["eva"] * 5:
        fail(f"With next-character probabilities . → e → v → a → . (0.9 each) and temperature 0.001, "
             f"generate_names gave {names}; expected [\"eva\"] * 5.\nThe ids are positions in vocab (vocab[2] is "
             "\"a\"), a name starts after \".\" (id 1) and stops at the next \".\"; use the logits of the LAST step, "
             "model(tokens)[:, -1, :].")


def test_temperature_divides_the_logits(ex):
    """at temperature 2, "a" (p = 0.7) and "b" (p = 0.3) come in the proportion 0.604 : 0.396 (2 000 names)"""
    two = _table({".": {"a": 0.7, "b": 0.3}})
    model = learner_side(table_model, two)
    names = _generate(ex, model, 2000, 2.0, 2)
    if set(names) - {"a", "b"}:
        fail(f"From a model where \".\" is followed by \"a\" or \"b\" and each letter by \".\", generate_names gave "
             f"{sorted(set(names) - {'a', 'b'})[:3]}: only \"a\" and \"b\" are possible.")
    share = names.count("a") / len(names)
    expected = 0.7**0.5 / (0.7**0.5 + 0.3**0.5)
    tolerance = 6 * math.sqrt(expected * (1 - expected) / len(names))
    if abs(share - expected) > tolerance:
        known = {0.7: "the temperature was ignored (or applied after the softmax)",
                 0.49 / 0.58: "the logits were MULTIPLIED by the temperature: divide them, p = softmax(logits / T)"}
        named = [why for value, why in known.items() if abs(share - value) < tolerance]
        fail(f"At temperature 2, with p(a) = 0.7 and p(b) = 0.3, \"a\" came {share:.3f} of the time; softmax(log p / 2) "
             f"gives {expected:.3f} (± {tolerance:.3f}).\n"
             + (f"Likely mistake: {named[0]}." if named else "Divide the logits by the temperature before the softmax."))


def test_a_name_stops_at_20_letters(ex):
    """a model that never draws "." still stops: every name has MAX_LEN = 20 letters"""
    endless = _table({".": {"a": 1.0}, "a": {"a": 1.0}})
    names = _generate(ex, learner_side(table_model, endless), 3, 1.0, 3)
    if names != ["a" * MAX_LEN] * 3:
        fail(f"With a model that always draws \"a\", generate_names gave names of lengths {[len(n) for n in names]}; "
             f"expected {MAX_LEN} each: stop a name once it has MAX_LEN = {MAX_LEN} letters.")


def test_pad_is_never_drawn(ex):
    """a model that gives PAD (id 0) half the probability after "." still makes only "a" (PAD is never drawn)"""
    pad_heavy = _table({".": {"": 0.5, "a": 0.5}})
    names = _generate(ex, learner_side(table_model, pad_heavy), 200, 1.0, 10)
    if set(names) != {"a"}:
        fail(f"From a model where \".\" is followed by PAD or \"a\" (and \"a\" by \".\"), generate_names gave "
             f"{sorted(set(names))[:5]}; expected only \"a\": set the PAD logit to -inf before the softmax.")


def test_randomness_comes_from_rng(ex):
    """the same seed gives the same names, another seed others, and np.random is left alone"""
    spread = _table({".": {ch: 1.0 for ch in LETTERS}, **{ch: {".": 0.3, **{c: 0.7 / 26 for c in LETTERS}}
                                                           for ch in LETTERS}})
    model = learner_side(table_model, spread)
    state = global_random_state()
    first = _generate(ex, model, 20, 1.0, 4)
    if not all(np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
               for a, b in zip(state, global_random_state())):
        fail("generate_names used numpy's global random state (np.random.*): draw from the rng argument.")
    assert_true(first == _generate(ex, model, 20, 1.0, 4),
                "Two calls with generators of the same seed gave different names: draw from the rng argument only.")
    assert_true(first != _generate(ex, model, 20, 1.0, 5),
                "Generators of different seeds gave the same names: the draws do not come from the rng argument.")


# ---------------------------------------------------------------- the model


def _build(ex, seed=0):
    learner_side(keras.utils.set_random_seed, seed)
    model = ex.build_char_model(V)
    if model is None:
        fail(f"build_char_model({V}) returned None.\nDid you forget `return model`?")
    if not learner_isinstance(model, keras.Model):
        fail(f"build_char_model({V}) returned {type_name(model)}, expected a keras.Model.")
    return model


def check_model(model):
    x = rng(6).integers(1, V, size=(3, 7)).astype(np.int32)
    try:
        out = np.asarray(model(x, training=False), dtype=np.float64)
    except Exception as exc:  # noqa: BLE001 - a model that does not take integer ids
        fail(f"The model could not take ids of shape (3, 7):\n{type(exc).__name__}: {str(exc)[:300]}\n"
             "Start with keras.Input(shape=(None,), dtype=\"int32\") and an Embedding layer.")
    if out.shape != (3, 7, V):
        hint = ("\nLikely mistake: return_sequences=True is missing: the model must give logits at EVERY step."
                if out.shape == (3, V) else "")
        fail(f"For ids of shape (3, 7) the model gave outputs of shape {out.shape}, expected (3, 7, {V}).{hint}")
    changed = x.copy()
    changed[:, 4:] = rng(7).integers(1, V, size=(3, 3))
    again = np.asarray(model(changed, training=False), dtype=np.float64)
    if not np.allclose(out[:, :4], again[:, :4], atol=1e-5):
        fail("Changing the ids at steps 4-6 changed the outputs at steps 0-3: the model looks at the future.\n"
             "Likely mistake: a Bidirectional layer (or go_backwards). A model that generates text must be causal: "
             "one GRU or LSTM going forwards.")
    return out


def test_the_model_gives_causal_logits_at_every_step(ex):
    """ids (N, T) → logits (N, T, 28), and step t depends on ids 0 … t only"""
    check_model(_build(ex))


@functools.lru_cache(maxsize=1)
def _data():
    train, validation = shipped(load_names, what="the course's list of first names")
    ids = {ch: i for i, ch in enumerate(VOCAB)}

    def encode(names):
        T = max(map(len, names)) + 1
        x, y = np.zeros((len(names), T), np.int32), np.zeros((len(names), T), np.int32)
        for row, name in enumerate(names):
            seq = [1] + [ids[ch] for ch in name] + [1]
            x[row, :len(seq) - 1], y[row, :len(seq) - 1] = seq[:-1], seq[1:]
        return x, y

    return train, encode(train), encode(validation)


def _compiled(model, lr):
    model.compile(keras.optimizers.Adam(lr),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    return model


def held_out_loss(logits, y):
    """Mean −log p(target) over the real (non-PAD) targets, in nats, from logits (N, T, V)."""
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0]
    return float(-picked[y > 0].mean())


def train_and_score(build_char_model, seed=0, budget=TIME_BUDGET):
    """Train as the stub says; return (held-out nats per character, seconds, model)."""
    _, (x, y), (xv, yv) = _data()
    learner_side(keras.utils.set_random_seed, seed)
    model = build_char_model(V)
    check_model(model)
    learner_side(_compiled, model, LR)
    guard, seconds, _ = guarded_fit(model, x, y, budget, EPOCHS * math.ceil(len(x) / BATCH),
                                    epochs=EPOCHS, batch_size=BATCH, shuffle=True, verbose=0)
    if guard["stopped"]:
        fail(f"Training was stopped after {seconds:.0f} s of CPU (the budget is {budget:.0f} s of CPU): use a smaller model "
             "(one GRU of 64 units trains in about 15 s on two CPU cores).")
    logits = np.asarray(judge_side_model(model).predict(xv, batch_size=256, verbose=0), dtype=np.float64)  # here
    if logits.shape != (*xv.shape, V) or not np.all(np.isfinite(logits)):
        fail(f"After training, the model gave outputs of shape {logits.shape} (or NaN/inf) for the held-out names.")
    return held_out_loss(logits, yv), seconds, model


def test_trained_it_makes_new_well_formed_names(ex, request):
    """trained 4 epochs: held-out loss < 2.2 nats per character (the reference: ≈ 2.0); 200 names well-formed, ≥ half new"""
    check_model(_build(ex))
    after_cheap_checks(request, "Training takes several seconds, and it needs a model and a sampler that work.")
    loss, seconds, model = train_and_score(ex.build_char_model)
    if not loss < THRESHOLD:
        fail(f"After {EPOCHS} epochs ({seconds:.0f} s of CPU) the loss on the 516 held-out names is {loss:.3f} nats per "
             f"character; under {THRESHOLD} is needed (letter pairs alone give about 2.45, the suggested GRU about "
             "2.0).\nAre the outputs logits (no softmax on the last Dense)? Is the recurrent layer wide enough?")
    train = set(_data()[0])
    names = _generate(ex, model, N_SAMPLES, 1.0, 8, vocab=VOCAB)
    bad = [name for name in names if not WELL_FORMED.fullmatch(name)]
    if bad:
        fail(f"Of {N_SAMPLES} names sampled at temperature 1, {len(bad)} are not 1 to 20 letters a-z: {bad[:5]}.")
    new = [name for name in names if name not in train]
    if len(new) < NEW_SHARE * N_SAMPLES:
        fail(f"Only {len(new)} of {N_SAMPLES} sampled names are new (not in the training list); at least "
             f"{NEW_SHARE:.0%} are needed. The model recites instead of inventing: sample with the rng from "
             "softmax(logits / temperature), do not take the argmax.")
