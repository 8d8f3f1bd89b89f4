"""Hidden checks for exercise 52 (decoder).

The learner's model is built where its code runs and called there on inputs
chosen here; the logits come back by value.  The layers are described by a
helper of this file run on the learner's side (class, units, activation,
mask_zero, return flags, weight shapes: plain data), so that the four named
layers that `dlx train captioner` and the decoders of exercises 54-55 re-use
are checked one by one.  Behaviour is then judged on values: the shapes for
several sizes, the image changing the first step's output (and nothing else
once init_state is zeroed: the image enters by the initial state only), and
the output at step t depending on tokens 0..t only and on token t.  PAD is
checked by the embedding's mask_zero flag only: Keras 3 does not hand an
Embedding's mask on to an RNN called with initial_state, so a PAD between two
words is read as a word even by the reference; padding only ever follows END,
where the masked loss (53) ignores the outputs, so no check asks more.
"""

import keras
import numpy as np
import pytest

from checker.testing import assert_array, fail, fmt, learner_isinstance, learner_side, rng, type_name

NAMES = ("init_state", "embedding", "rnn", "logits")
EVERY_STEP = ("the image features are fed at every step (repeated along time and concatenated to the embeddings?): "
              "they must only set the initial state, h0 = init_state(features), rnn(embedded, initial_state=[h0, h0]).")
NO_STATE = ("the image does not change the output: h0 = init_state(features) is not used. Call the rnn with "
            "initial_state=[h0, h0] (an LSTM) or initial_state=[h0] (a GRU).")


def describe(model):
    """The four named layers as plain data (run where the model lives): None for a missing name."""
    out = {"n_inputs": len(model.inputs) if getattr(model, "inputs", None) is not None else None}
    for name in NAMES:
        try:
            layer = model.get_layer(name)
        except ValueError:
            out[name] = None
            continue
        config = layer.get_config()
        info = {"class": type(layer).__name__, "weights": [tuple(int(d) for d in w.shape) for w in layer.weights]}
        for key in ("units", "input_dim", "output_dim", "mask_zero", "return_sequences", "return_state", "go_backwards"):
            if key in config:
                info[key] = config[key] if isinstance(config[key], (bool, int)) else str(config[key])
        if "activation" in config:
            activation = config["activation"]
            info["activation"] = activation if isinstance(activation, str) else getattr(activation, "__name__", str(activation))
        out[name] = info
    return out


def zero_init_state(model):
    """init_state's kernel and bias set to zero (where the model lives): h0 = tanh(0) = 0 for every image."""
    layer = model.get_layer("init_state")
    layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])


def build(ex, v, f, e, h):
    call = f"build_caption_decoder(vocab_size={v}, feature_dim={f}, embed_dim={e}, hidden_dim={h})"
    model = ex.build_caption_decoder(v, f, e, h)
    if model is None:
        fail(f"{call} returned None.\nDid you forget `return keras.Model([features, tokens], logits)`?")
    if not learner_isinstance(model, keras.Model):
        fail(f"{call} returned {type_name(model)}, expected a keras.Model.")
    return model, call


def logits_of(model, call, features, tokens):
    what = f"{call} called on [features {features.shape}, tokens {tokens.shape}]"
    try:
        out = model([features, tokens], training=False)
    except Exception as exc:  # noqa: BLE001 - the learner's model failed on a well-formed call: say which
        fail(f"{what} failed: {type(exc).__name__}: {exc}\n"
             "The model takes a list of two inputs, [features (B, feature_dim) float32, tokens (B, T) int], T free "
             "(keras.Input(shape=(None,), dtype=\"int32\")).")
    if isinstance(out, (list, tuple)):
        fail(f"{what} returned {len(out)} outputs, expected one: the logits (B, T, vocab_size). "
             "Keep only the sequence of the rnn's outputs (sequence, *states = rnn(...)).")
    return assert_array(np.asarray(out, dtype=np.float64), what=what, shape=(*tokens.shape, call_vocab(call)))


def call_vocab(call):
    return int(call.split("vocab_size=")[1].split(",")[0])


def inputs(seed, b, t, v, f):
    g = rng(seed)
    return g.normal(size=(b, f)).astype(np.float32), g.integers(1, v, size=(b, t)).astype(np.int32)


@pytest.mark.parametrize("v, f, e, h, b, t", [(11, 6, 4, 5, 3, 7), (20, 128, 8, 16, 1, 4), (7, 3, 5, 9, 4, 1)])
def test_shapes(ex, v, f, e, h, b, t):
    """[features (B, F), tokens (B, T)] give logits (B, T, V), for several sizes and caption lengths"""
    model, call = build(ex, v, f, e, h)
    info = learner_side(describe, model)
    if info["n_inputs"] is not None and info["n_inputs"] != 2:
        fail(f"{call} returned a model with {info['n_inputs']} input(s), expected two: [features, tokens].")
    features, tokens = inputs(v + t, b, t, v, f)
    logits_of(model, call, features, tokens)
    logits_of(model, call, features, tokens[:, : max(1, t - 2)])  # another length, the same model


def test_the_four_named_layers(ex):
    """the layers "init_state", "embedding", "rnn" and "logits" are there, as the contract says"""
    v, f, e, h = 13, 10, 6, 8
    model, call = build(ex, v, f, e, h)
    info = learner_side(describe, model)
    missing = [name for name in NAMES if info[name] is None]
    if missing:
        fail(f"{call}: no layer named {', '.join(repr(n) for n in missing)}.\n"
             f"The decoders re-use the layers by name: give each its name, e.g. layers.Dense(..., name=\"init_state\"). "
             f"Expected the four names {', '.join(repr(n) for n in NAMES)}.")
    init, emb, rnn, out = (info[name] for name in NAMES)
    if init["class"] != "Dense" or init.get("units") != h or init.get("activation") != "tanh":
        fail(f"{call}: layer \"init_state\" is a {init['class']} with units={init.get('units')}, activation="
             f"{init.get('activation')!r}; expected Dense({h}, activation=\"tanh\") (hidden_dim units: it becomes the "
             "rnn's initial state).")
    if emb["class"] != "Embedding" or emb.get("input_dim") != v or emb.get("output_dim") != e:
        fail(f"{call}: layer \"embedding\" is a {emb['class']} ({emb.get('input_dim')} → {emb.get('output_dim')}); "
             f"expected Embedding({v}, {e}): vocab_size ids, embed_dim numbers each.")
    if not emb.get("mask_zero"):
        fail(f"{call}: layer \"embedding\" has mask_zero=False.\nDeclare id 0 (PAD) as padding: "
             "Embedding(vocab_size, embed_dim, mask_zero=True).")
    if rnn["class"] not in ("LSTM", "GRU"):
        why = " (a Bidirectional rnn would read the future words)" if rnn["class"] == "Bidirectional" else ""
        fail(f"{call}: layer \"rnn\" is a {rnn['class']}, expected keras.layers.LSTM or keras.layers.GRU{why}.")
    if rnn.get("units") != h or not rnn.get("return_sequences") or not rnn.get("return_state"):
        fail(f"{call}: layer \"rnn\" has units={rnn.get('units')}, return_sequences={rnn.get('return_sequences')}, "
             f"return_state={rnn.get('return_state')}; expected {rnn['class']}({h}, return_sequences=True, "
             "return_state=True): an output at every step, and the states for decoding one step at a time.")
    if rnn.get("go_backwards"):
        fail(f"{call}: layer \"rnn\" has go_backwards=True: it would read the caption from the end.")
    kernel = rnn["weights"][0] if rnn["weights"] else None
    if kernel is not None and kernel[0] != e:
        extra = f" ({kernel[0] - e} more than embed_dim = {e})" if kernel[0] > e else ""
        fail(f"{call}: the rnn reads {kernel[0]} numbers per step{extra}, expected the {e} of the embedding.\n"
             f"Likely mistake: {EVERY_STEP}")
    if out["class"] != "Dense" or out.get("units") != v:
        fail(f"{call}: layer \"logits\" is a {out['class']} with units={out.get('units')}; expected Dense({v}), "
             "one score per word of the vocabulary.")
    if out.get("activation") not in ("linear", None):
        fail(f"{call}: layer \"logits\" has activation={out.get('activation')!r}.\nThe model returns logits: "
             "Dense(vocab_size) with no activation (the loss applies the softmax; applying it here too would apply "
             "it twice).")


@pytest.mark.parametrize("v, f, e, h", [(9, 5, 4, 6), (15, 12, 3, 10)])
def test_the_image_sets_the_initial_state(ex, v, f, e, h):
    """two images, the same words: the logits differ from the first step on"""
    model, call = build(ex, v, f, e, h)
    features, tokens = inputs(40 + v, 2, 4, v, f)
    tokens = np.repeat(tokens[:1], 2, axis=0)
    logits = logits_of(model, call, features, tokens)
    gap = np.abs(logits[0, 0] - logits[1, 0]).max()
    if gap < 1e-5:
        fail(f"{call}: two different images with the same tokens {fmt(tokens[0])} give the same logits at step 0 "
             f"(largest difference {gap:.2e}).\nLikely mistake: {NO_STATE}")


def test_the_image_enters_only_by_the_initial_state(ex):
    """with init_state's weights zeroed, the image no longer changes anything (it is not fed at every step)"""
    v, f, e, h = 10, 6, 5, 7
    model, call = build(ex, v, f, e, h)
    if learner_side(describe, model)["init_state"] is None:
        fail(f"{call}: no layer named \"init_state\": name the Dense layer on the features name=\"init_state\".")
    learner_side(zero_init_state, model)
    features, tokens = inputs(50, 2, 5, v, f)
    tokens = np.repeat(tokens[:1], 2, axis=0)
    logits = logits_of(model, call, features, tokens)
    gap = np.abs(logits[0] - logits[1]).max()
    if gap > 1e-5:
        fail(f"{call}: with the \"init_state\" layer's weights set to zero, two different images still give different "
             f"logits (largest difference {gap:.2e}).\nLikely mistake: {EVERY_STEP}")


@pytest.mark.parametrize("t", [0, 2, 4])
def test_step_t_sees_tokens_up_to_t(ex, t):
    """the output at step t depends on tokens 0..t (token t included), never on later tokens"""
    v, f, e, h, T = 12, 4, 5, 6, 6
    model, call = build(ex, v, f, e, h)
    features, tokens = inputs(60 + t, 2, T, v, f)
    base = logits_of(model, call, features, tokens)
    later = tokens.copy()
    later[:, t + 1:] = (later[:, t + 1:] % (v - 1)) + 1  # other real words after t
    later[:, t + 1:] = np.where(later[:, t + 1:] == tokens[:, t + 1:], later[:, t + 1:] % (v - 1) + 1, later[:, t + 1:])
    if t + 1 < T:
        moved = np.abs(logits_of(model, call, features, later)[:, : t + 1] - base[:, : t + 1]).max()
        if moved > 1e-5:
            fail(f"{call}: changing the tokens AFTER step {t} changed the logits at steps 0..{t} (by {moved:.2e}).\n"
                 "The output at step t must depend on tokens 0..t only: a forward LSTM/GRU, not Bidirectional, not "
                 "go_backwards, no layer mixing all the steps.")
    own = tokens.copy()
    own[:, t] = tokens[:, t] % (v - 1) + 1
    changed = np.abs(logits_of(model, call, features, own)[:, t] - base[:, t]).max()
    if changed < 1e-6:
        fail(f"{call}: changing token {t} did not change the logits at step {t}.\n"
             "The output at step t is the prediction AFTER reading token t (teacher forcing: tokens[t] in, the next "
             "word out); do not shift the tokens inside the model.")

