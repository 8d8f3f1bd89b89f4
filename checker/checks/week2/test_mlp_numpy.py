"""Hidden checks for exercise 19 (mlp_numpy).

Forward values and gradients come from a small numpy network written here,
independently of the learner's code, and the gradients are also held against
central differences.  fit is first watched with a spy model (a linear softmax
model that records every call), so a loop mistake is named without depending on
the learner's MLP; then the learner's MLP and fit train together, on a toy
problem and on the course's Fashion-MNIST subset.
"""

import functools
import time

import numpy as np
import pytest

from checker.testing import (
    fmt_gap,
    report_figure,
    report_progress,
    assert_array,
    assert_close,
    assert_true,
    call_unchanged,
    fail,
    fmt,
    gradcheck,
    learner_cpu_time,
    rng,
    set_in_place,
    seed_global_random,
    after_cheap_checks,
    shipped_fashion_mnist,
)

SIZES = [784, 128, 10]
BATCH = 64
SCHEDULE = [0.1] * 5 + [0.01] * 3  # one learning rate per epoch
THRESHOLD = 0.82
CPU_BUDGET = 45.0  # CPU seconds of the learner's process for the whole training (the reference: about 10 on 2 threads)

NO_DIVISION = (
    "the gradients were divided by the batch size N. Do not divide in backward: dlogits already "
    "carries the 1/N of the mean loss, so dividing again counts it twice."
)
NO_RELU_GRAD = (
    "ReLU's derivative is missing: below each hidden layer multiply by the mask (z > 0), "
    "dz = (dz @ W.T) * (z_below > 0)."
)
RELU_AT_ZERO = "ReLU's derivative at z = 0 must be 0: use the mask (z > 0), not (z >= 0)."
TRANSPOSED = "a transposed weight gradient: dW_l = h_{l-1}.T @ dz (shape like W_l), not dz.T @ h_{l-1}."

# A tiny network you can follow by hand: sizes [2, 3, 2], a batch of N = 2.
TINY = {
    "W1": np.array([[1.0, -1.0, 0.0], [2.0, 0.0, -1.0]]),
    "b1": np.array([0.0, 1.0, 0.5]),
    "W2": np.array([[1.0, 0.0], [-1.0, 1.0], [2.0, -2.0]]),
    "b2": np.array([0.5, -0.5]),
}
TINY_X = np.array([[1.0, 1.0], [0.5, -1.0]])
TINY_DLOGITS = np.array([[1.0, -1.0], [0.5, 2.0]])


# ---------------------------------------------------------------- the oracle network


def _keys(n_layers):
    return [k for l in range(1, n_layers + 1) for k in (f"W{l}", f"b{l}")]


def _oracle_forward(params, x, n_layers, mistake=None):
    """(logits, inputs h_{l-1}, pre-activations z_l); `mistake` replays a typical error."""
    h, hs, zs = x, [], []
    for l in range(1, n_layers + 1):
        z = h @ params[f"W{l}"] + params[f"b{l}"]
        hs.append(h)
        zs.append(z)
        hidden = l < n_layers
        if (hidden and mistake != "no_relu") or (not hidden and mistake == "relu_on_logits"):
            h = np.maximum(z, 0.0)
        else:
            h = z
    return h, hs, zs


def _oracle_grads(params, x, dlogits, n_layers, mistake=None):
    """The gradients of every parameter; `mistake` replays a typical error."""
    _, hs, zs = _oracle_forward(params, x, n_layers)
    n, grads, dz = x.shape[0], {}, dlogits
    for l in range(n_layers, 0, -1):
        grads[f"W{l}"] = hs[l - 1].T @ dz
        grads[f"b{l}"] = dz.sum(axis=0)
        if mistake == "divide":
            grads[f"W{l}"], grads[f"b{l}"] = grads[f"W{l}"] / n, grads[f"b{l}"] / n
        if l > 1:
            dh = dz @ params[f"W{l}"].T
            z = zs[l - 2]
            dz = {"no_relu_grad": dh, "relu_at_zero": dh * (z >= 0)}.get(mistake, dh * (z > 0))
    return grads


def _softmax_xent(logits, y):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(y)
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1.0
    return float(-np.mean(log_probs[np.arange(n), y])), dlogits / n


# ---------------------------------------------------------------- talking to the learner's MLP


def _params_of(model, sizes, what="MLP"):
    """The learner's self.params, checked for names, types and shapes."""
    n_layers = len(sizes) - 1
    params = getattr(model, "params", None)
    if not isinstance(params, dict):
        fail(
            f"{what} has no dict `params` (found {fmt(params, max_chars=80)}).\n"
            'Store the parameters in self.params = {"W1": ..., "b1": ..., "W2": ..., ...} in __init__.'
        )
    expected = _keys(n_layers)
    if sorted(params) != sorted(expected):
        fail(
            f"{what} with sizes {sizes} has params keys {sorted(params)}, expected {expected}.\n"
            'Name them "W1", "b1", "W2", "b2", ... (l = 1 for the first layer), one W and one b per layer.'
        )
    for l in range(1, n_layers + 1):
        for key, shape in ((f"W{l}", (sizes[l - 1], sizes[l])), (f"b{l}", (sizes[l],))):
            value = params[key]
            if key.startswith("W") and isinstance(value, np.ndarray) and value.shape == shape[::-1] and shape[0] != shape[1]:
                fail(
                    f"{what} with sizes {sizes}: params[{key!r}] has shape {value.shape}, expected {shape}.\n"
                    f"W{l} maps layer {l - 1}'s {sizes[l - 1]} units to layer {l}'s {sizes[l]}: shape "
                    "(fan_in, fan_out), so that z = h @ W + b."
                )
            assert_array(value, what=f"{what} with sizes {sizes}: params[{key!r}]", shape=shape)
    return params


def _model(ex, sizes, seed):
    model = ex.MLP(list(sizes), rng(seed))
    _params_of(model, sizes)
    return model


def _set_params(model, values):
    for key, value in values.items():
        set_in_place(model, "params", key, value)


def _forward(ex, model, x, sizes):
    what = f"MLP{sizes}.forward on x of shape {x.shape}"
    logits = call_unchanged(model.forward, x, what=what, names=["x"])
    return assert_array(logits, what=what, shape=(x.shape[0], sizes[-1]), inputs={"x": x} if x.size <= 12 else None)


def _backward(model, dlogits, sizes):
    """Run backward and return the learner's grads, checked for names and shapes."""
    what = f"MLP{sizes}.backward (dlogits of shape {dlogits.shape})"
    call_unchanged(model.backward, dlogits, what=what, names=["dlogits"])
    grads = getattr(model, "grads", None)
    if not isinstance(grads, dict):
        fail(f"After backward, model.grads is {fmt(grads, max_chars=80)}, expected a dict with the keys of model.params.\n"
             "Fill self.grads[key] for every parameter key in backward.")
    n_layers = len(sizes) - 1
    missing = [k for k in _keys(n_layers) if k not in grads]
    if missing:
        fail(f"After backward, model.grads lacks {missing}: it must hold one gradient per entry of model.params "
             f"(keys {_keys(n_layers)}).")
    for l in range(1, n_layers + 1):
        for key, shape in ((f"W{l}", (sizes[l - 1], sizes[l])), (f"b{l}", (sizes[l],))):
            value = grads[key]
            if key.startswith("W") and isinstance(value, np.ndarray) and value.shape == shape[::-1] and shape[0] != shape[1]:
                fail(f"{what}: grads[{key!r}] has shape {value.shape}, expected W{l}'s shape {shape}.\nLikely mistake: {TRANSPOSED}")
            if key.startswith("b") and isinstance(value, np.ndarray) and value.shape == (dlogits.shape[0], shape[0]):
                fail(f"{what}: grads[{key!r}] has shape {value.shape}, expected {shape}.\n"
                     "Likely mistake: db not summed over the batch: db = dz.sum(axis=0).")
            assert_array(value, what=f"{what}: grads[{key!r}]", shape=shape)
    return {k: np.array(grads[k], dtype=float, copy=True) for k in _keys(n_layers)}


def _grad_mistakes(params, x, dlogits, n_layers, key):
    mistakes = {}
    for name, text in (("divide", NO_DIVISION), ("no_relu_grad", NO_RELU_GRAD), ("relu_at_zero", RELU_AT_ZERO)):
        wrong = _oracle_grads(params, x, dlogits, n_layers, mistake=name)[key]
        mistakes.setdefault(text, wrong)
    return mistakes


def _problem(seed, sizes, n):
    g = rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = g.normal(size=(sizes[l - 1], sizes[l])) / np.sqrt(sizes[l - 1])
        params[f"b{l}"] = g.normal(size=sizes[l]) * 0.5
    return params, g.normal(size=(n, sizes[0])), g.normal(size=(n, sizes[-1]))


# ---------------------------------------------------------------- construction


@pytest.mark.parametrize("sizes", [[5, 4, 3], [784, 128, 10], [6, 5, 4, 3]], ids=str)
def test_parameters_have_the_stated_names_and_shapes(ex, sizes):
    """MLP(sizes, rng) stores W1, b1, W2, ... in self.params with the right shapes"""
    _model(ex, sizes, seed=0)


def test_weights_follow_he_initialization(ex):
    """weights are drawn with He's std √(2 / fan_in), biases are zero"""
    sizes = [800, 300, 50]
    params = _model(ex, sizes, seed=1).params
    for l in (1, 2):
        fan_in, fan_out = sizes[l - 1], sizes[l]
        W, b = params[f"W{l}"], params[f"b{l}"]
        std, target = float(W.std()), np.sqrt(2.0 / fan_in)
        if not np.all(np.isfinite(W)) or abs(std / target - 1) > 0.05 or abs(float(W.mean())) > 0.1 * target:
            candidates = {
                "no scaling: rng.normal(size=...) alone has std 1; scale it by √(2 / fan_in).": 1.0,
                "the std is √(1 / fan_in) (LeCun/Xavier): for ReLU layers He's √(2 / fan_in) is needed.": np.sqrt(1.0 / fan_in),
                "Xavier's √(2 / (fan_in + fan_out)) was used: for ReLU layers use He's √(2 / fan_in).": np.sqrt(2.0 / (fan_in + fan_out)),
                "fan_out was used instead of fan_in: std = √(2 / fan_in), fan_in = sizes[l - 1].": np.sqrt(2.0 / fan_out),
                "the variance 2 / fan_in was used as the std: take its square root.": 2.0 / fan_in,
            }
            named = [text for text, value in candidates.items() if abs(std / value - 1) < 0.05]
            fail(
                f"MLP({sizes}): W{l} (fan_in = {fan_in}) has std {std:.5f} and mean {float(W.mean()):.5f}; "
                f"He initialization gives std √(2 / {fan_in}) = {target:.5f} and mean 0.\n"
                + (f"Likely mistake: {named[0]}" if named else
                   "Draw W with rng.normal(0.0, np.sqrt(2 / fan_in), size=(fan_in, fan_out)).")
            )
        if np.any(b != 0):
            fail(f"MLP({sizes}): b{l} is {fmt(b[:6])}..., expected zeros: biases start at 0 (np.zeros(fan_out)).")


def test_initialization_uses_rng(ex):
    """the weights come from the rng argument: same seed, same network"""
    sizes = [6, 5, 3]
    seed_global_random(0)
    first = _model(ex, sizes, seed=2).params
    second = _model(ex, sizes, seed=2).params
    other = _model(ex, sizes, seed=3).params
    assert_true(
        all(np.array_equal(first[k], second[k]) for k in first),
        "Two MLPs made with generators of the same seed have different weights.\n"
        "Draw the weights with the rng argument (rng.normal), never with np.random.* or a new generator.",
    )
    assert_true(
        not np.array_equal(first["W1"], other["W1"]),
        "MLPs made with generators of different seeds have the same W1: draw it with rng.normal(...).",
    )


# ---------------------------------------------------------------- forward


def test_forward_tiny(ex):
    """forward on a tiny [2, 3, 2] network you can check by hand"""
    sizes = [2, 3, 2]
    model = _model(ex, sizes, seed=4)
    _set_params(model, TINY)
    logits = _forward(ex, model, TINY_X, sizes)
    # z1 = [[3, 0, -0.5], [-1.5, 0.5, 1.5]] → h1 = [[3, 0, 0], [0, 0.5, 1.5]] → logits below
    expected = _oracle_forward(TINY, TINY_X, 2)[0]
    assert_close(
        logits,
        expected,
        what="MLP([2, 3, 2]).forward(x) (logits)",
        inputs={"x": TINY_X, **TINY},
        mistakes={
            "ReLU is missing on the hidden layer: h = max(z, 0) after every layer but the last.":
                _oracle_forward(TINY, TINY_X, 2, mistake="no_relu")[0],
            "a ReLU was applied to the output layer: the logits must stay linear (no activation on the last layer).":
                _oracle_forward(TINY, TINY_X, 2, mistake="relu_on_logits")[0],
            "the biases are missing: z = h @ W + b.": np.maximum(TINY_X @ TINY["W1"], 0) @ TINY["W2"],
        },
    )


@pytest.mark.parametrize("sizes, n", [([4, 6, 3], 5), ([3, 8, 2], 1), ([6, 5, 4, 3], 7)], ids=["4-6-3", "N=1", "two-hidden"])
def test_forward_values(ex, sizes, n):
    """forward gives the logits of the ReLU network for several shapes (logits stay linear)"""
    params, x, _ = _problem(10 + n, sizes, n)
    params["b" + str(len(sizes) - 1)] -= 2.0  # some negative logits, so a ReLU on them shows
    model = _model(ex, sizes, seed=5)
    _set_params(model, params)
    logits = _forward(ex, model, x, sizes)
    n_layers = len(sizes) - 1
    assert_close(
        logits,
        _oracle_forward(params, x, n_layers)[0],
        what=f"MLP{sizes}.forward on x of shape {x.shape}",
        mistakes={
            "a ReLU was applied to the output layer: the logits must stay linear (no activation on the last layer).":
                _oracle_forward(params, x, n_layers, mistake="relu_on_logits")[0],
            "ReLU is missing on the hidden layers.": _oracle_forward(params, x, n_layers, mistake="no_relu")[0],
        },
        hint="forward must read the weights from self.params each time (the check wrote new values into them).",
    )


# ---------------------------------------------------------------- backward


def test_backward_tiny(ex):
    """backward fills self.grads with the right values on the tiny [2, 3, 2] network"""
    sizes = [2, 3, 2]
    model = _model(ex, sizes, seed=6)
    _set_params(model, TINY)
    _forward(ex, model, TINY_X, sizes)
    grads = _backward(model, TINY_DLOGITS, sizes)
    expected = _oracle_grads(TINY, TINY_X, TINY_DLOGITS, 2)
    for key in _keys(2):
        assert_close(
            grads[key],
            expected[key],
            what=f"model.grads[{key!r}] after backward",
            inputs={"x": TINY_X, "dlogits": TINY_DLOGITS, **TINY},
            mistakes=_grad_mistakes(TINY, TINY_X, TINY_DLOGITS, 2, key),
        )


@pytest.mark.parametrize("sizes, n", [([4, 5, 3], 6), ([3, 4, 2], 1), ([5, 4, 3, 2], 4)], ids=["4-5-3", "N=1", "two-hidden"])
def test_backward_matches_numerical_gradient(ex, sizes, n):
    """every gradient agrees with a numerical gradient (one and two hidden layers)"""
    params, x, upstream = _problem(20 + n, sizes, n)
    model = _model(ex, sizes, seed=7)
    _set_params(model, params)
    _forward(ex, model, x, sizes)
    grads = _backward(model, upstream, sizes)
    n_layers = len(sizes) - 1
    original = {k: v.copy() for k, v in params.items()}

    for key in _keys(n_layers):
        def loss(value, key=key):  # L = Σ upstream ⊙ logits, so that ∂L/∂logits = upstream
            set_in_place(model, "params", key, value)
            try:
                return float(np.sum(upstream * np.asarray(model.forward(x), dtype=float)))
            finally:
                set_in_place(model, "params", key, original[key])

        gradcheck(
            loss,
            grads[key],
            original[key],
            what=f"MLP{sizes}: model.grads[{key!r}] (x of shape {x.shape})",
            mistakes=_grad_mistakes(params, x, upstream, n_layers, key),
        )


def test_backward_uses_the_most_recent_forward(ex):
    """backward works on the batch of the most recent forward call"""
    sizes = [4, 5, 3]
    params, x_old, _ = _problem(25, sizes, 6)
    _, x_new, upstream = _problem(26, sizes, 6)
    model = _model(ex, sizes, seed=7)
    _set_params(model, params)
    _forward(ex, model, x_old, sizes)
    _forward(ex, model, x_new, sizes)
    grads = _backward(model, upstream, sizes)
    stale = _oracle_grads(params, x_old, upstream, 2)
    for key in _keys(2):
        assert_close(
            grads[key],
            _oracle_grads(params, x_new, upstream, 2)[key],
            what=f"model.grads[{key!r}] after forward(x_a), forward(x_b), backward(dlogits)",
            mistakes={
                "backward used the values kept by an earlier forward call: each forward must replace what it "
                "keeps (start it with self.cache = []), not add to it.": stale[key],
            },
        )


def test_backward_replaces_the_gradients(ex):
    """a second forward and backward replace model.grads, they do not add to them"""
    sizes = [4, 5, 3]
    params, x, upstream = _problem(27, sizes, 6)
    model = _model(ex, sizes, seed=7)
    _set_params(model, params)
    for _ in range(2):
        _forward(ex, model, x, sizes)
        grads = _backward(model, upstream, sizes)
    expected = _oracle_grads(params, x, upstream, 2)
    for key in _keys(2):
        assert_close(
            grads[key],
            expected[key],
            what=f"model.grads[{key!r}] after forward(x), backward(dlogits), then the same forward and backward again",
            mistakes={
                "the gradients accumulate across calls (+=, or adding to the old model.grads): each backward must "
                "store fresh gradients (self.grads[key] = ...), or step after step they pile up and training "
                "diverges.": 2 * expected[key],
            },
        )


# ---------------------------------------------------------------- step


def test_step_moves_every_parameter_by_minus_lr_times_its_gradient(ex):
    """step(lr) does params[k] ← params[k] − lr · grads[k] for every parameter"""
    sizes = [4, 5, 3]
    params, x, upstream = _problem(30, sizes, 3)
    model = _model(ex, sizes, seed=8)
    _set_params(model, params)
    _forward(ex, model, x, sizes)
    grads = _backward(model, upstream, sizes)
    before = {k: np.array(model.params[k], dtype=float, copy=True) for k in _keys(2)}
    model.step(0.25)
    after = _params_of(model, sizes, what="after step, MLP")
    for key in _keys(2):
        expected = before[key] - 0.25 * grads[key]
        assert_close(
            after[key],
            expected,
            what=f"model.params[{key!r}] after step(0.25)",
            mistakes={
                "the parameters did not change: step must write the updated values into self.params.": before[key],
                "the gradient was added: SGD moves AGAINST the gradient, params[k] - lr * grads[k].":
                    before[key] + 0.25 * grads[key],
                "the learning rate was ignored: params[k] - lr * grads[k].": before[key] - grads[key],
            },
        )


# ---------------------------------------------------------------- fit, watched with a spy


class _Spy:
    """A linear softmax model (logits = features @ W) that records what fit does with it.

    Column 0 of the spy's X holds each row's index, so every batch can be traced
    back to the rows it came from.
    """

    def __init__(self, n_features, n_classes, seed=0):
        self.W = rng(seed).normal(size=(n_features, n_classes)) * 0.5
        self.events = []
        self._features = None
        self._grad = np.zeros_like(self.W)

    def forward(self, x):
        x = np.asarray(x, dtype=float)
        self._features = x[:, 1:]
        logits = self._features @ self.W
        self.events.append(("forward", np.rint(x[:, 0]).astype(int), logits.copy()))
        return logits

    def backward(self, dlogits):
        dlogits = np.asarray(dlogits, dtype=float)
        self.events.append(("backward", dlogits.copy()))
        self._grad = self._features.T @ dlogits

    def step(self, lr):
        self.events.append(("step", lr))
        self.W = self.W - lr * self._grad


def _spy_data(seed, n, n_features=3, n_classes=4):
    g = rng(seed)
    X = np.column_stack([np.arange(n, dtype=float), g.normal(size=(n, n_features))])
    return X, g.integers(0, n_classes, size=n)


def _fit(ex, model, X, y, epochs, batch_size, lr, seed):
    losses = call_unchanged(
        ex.fit, model, X, y, epochs, batch_size, lr, rng(seed),
        what="fit", names=["model", "X", "y", "epochs", "batch_size", "lr", "rng"],
    )
    if losses is None:
        fail("fit returned None.\nDid you forget `return losses` (a list with one mean loss per epoch)?")
    if isinstance(losses, (int, float, np.number)) or not hasattr(losses, "__len__"):
        fail(f"fit returned {fmt(losses, max_chars=80)}, expected a list of {epochs} floats, one mean loss per epoch.")
    if len(losses) != epochs:
        hint = " It looks like one loss per batch: average them per epoch." if len(losses) > epochs else ""
        fail(f"fit with epochs = {epochs} returned {len(losses)} losses, expected {epochs} (one per epoch).{hint}")
    try:
        values = np.array([float(v) for v in losses])
    except (TypeError, ValueError):
        fail(f"fit returned {fmt(list(losses), max_chars=160)}: each entry must be a float (the epoch's mean loss).")
    return values


def _batches(spy):
    """[(row ids, logits, dlogits, lr)] per batch, after checking the call order."""
    kinds = [e[0] for e in spy.events]
    n = len(kinds) // 3
    if kinds != ["forward", "backward", "step"] * n:
        shown = ", ".join(kinds[:9]) + (", ..." if len(kinds) > 9 else "")
        fail(
            f"fit called the model's methods in the order: {shown}.\n"
            "For each batch call model.forward, then model.backward, then model.step, once each."
        )
    return [
        (spy.events[3 * i][1], spy.events[3 * i][2], spy.events[3 * i + 1][1], spy.events[3 * i + 2][1])
        for i in range(n)
    ]


def test_fit_returns_one_mean_loss_per_epoch(ex):
    """fit returns a list with one loss per epoch"""
    X, y = _spy_data(40, 12)
    _fit(ex, _Spy(3, 4), X, y, epochs=3, batch_size=4, lr=0.1, seed=1)


@pytest.mark.parametrize("n, batch_size", [(10, 4), (9, 3), (5, 8)], ids=["short-last", "even", "batch>N"])
def test_fit_uses_every_row_once_per_epoch(ex, n, batch_size):
    """every epoch visits each row exactly once, in batches of batch_size"""
    X, y = _spy_data(41, n)
    spy = _Spy(3, 4)
    epochs = 2
    _fit(ex, spy, X, y, epochs=epochs, batch_size=batch_size, lr=0.1, seed=2)
    batches = _batches(spy)
    per_epoch = -(-n // batch_size)
    assert_true(
        len(batches) == epochs * per_epoch,
        f"With N = {n}, batch_size = {batch_size} and {epochs} epochs, fit ran {len(batches)} batches, "
        f"expected {epochs} × {per_epoch} = {epochs * per_epoch} (the last batch of an epoch may be shorter; "
        "none may be dropped or repeated).",
    )
    for e in range(epochs):
        ids = [b[0] for b in batches[e * per_epoch:(e + 1) * per_epoch]]
        sizes = [len(i) for i in ids]
        rows = np.sort(np.concatenate(ids))
        if not np.array_equal(rows, np.arange(n)):
            fail(
                f"In epoch {e + 1} (N = {n}, batch_size = {batch_size}) the batches held rows {fmt(rows)}, "
                f"expected each of the rows 0 … {n - 1} exactly once.\n"
                "Slice one permutation per epoch: idx = order[start:start + batch_size] for start in range(0, N, batch_size)."
            )
        assert_true(
            all(s == batch_size for s in sizes[:-1]),
            f"In epoch {e + 1} the batch sizes were {sizes}, expected {batch_size} for every batch but the last.",
        )


def test_fit_shuffles_with_rng(ex):
    """each epoch has a new order, drawn from the rng argument"""
    X, y = _spy_data(42, 20)
    runs = []
    for i, seed in enumerate((3, 3, 4)):
        spy = _Spy(3, 4)
        seed_global_random(100 + i)  # a fit that shuffles with np.random.* would differ between the two seed-3 runs
        _fit(ex, spy, X, y, epochs=2, batch_size=20, lr=0.1, seed=seed)
        runs.append([b[0] for b in _batches(spy)])
    first, again, other = runs
    assert_true(
        not np.array_equal(first[0], np.arange(20)),
        "fit visited the rows in their original order 0, 1, 2, ...: shuffle them every epoch with "
        "order = rng.permutation(N).",
    )
    assert_true(
        not np.array_equal(first[0], first[1]),
        "Both epochs visited the rows in the same order: draw a new order = rng.permutation(N) at the start of "
        "every epoch (inside the epoch loop).",
    )
    assert_true(
        all(np.array_equal(a, b) for a, b in zip(first, again)),
        "Two runs of fit with generators of the same seed shuffled differently.\n"
        "Shuffle with the rng argument (rng.permutation), never with np.random.* or a new generator.",
    )
    assert_true(
        any(not np.array_equal(a, b) for a, b in zip(first, other)),
        "Runs of fit with generators of different seeds shuffled the same way: shuffle with rng.permutation(N).",
    )


def test_fit_hands_backward_the_gradient_of_the_batch(ex):
    """backward gets ∂loss/∂logits of the batch's own labels, and step gets lr"""
    X, y = _spy_data(43, 12)
    spy = _Spy(3, 4)
    _fit(ex, spy, X, y, epochs=2, batch_size=5, lr=0.3, seed=5)
    for k, (ids, logits, dlogits, lr) in enumerate(_batches(spy)):
        start = (k % 3) * 5
        expected = _softmax_xent(logits, y[ids])[1]
        unshuffled = _softmax_xent(logits, y[start:start + len(ids)])[1]
        assert_close(
            dlogits,
            expected,
            what=f"the dlogits fit handed to backward for batch {k + 1} (rows {ids.tolist()})",
            mistakes={
                "the labels do not follow the shuffle: use the same idx for both, X[idx] and y[idx].": unshuffled,
            },
            hint="Pass backward the dlogits of softmax_cross_entropy(logits, y[idx]), with the logits forward returned.",
        )
        if not isinstance(lr, (int, float, np.number)) or not np.isclose(float(lr), 0.3):
            fail(f"fit called model.step({fmt(lr, max_chars=60)}) with lr = 0.3: pass the learning rate on, model.step(lr).")


@pytest.mark.parametrize("batch_size", [4, 12], ids=["batches", "full-batch"])
def test_fit_returns_the_mean_batch_loss_of_each_epoch(ex, batch_size):
    """each returned loss is the mean of that epoch's batch losses, before each step"""
    X, y = _spy_data(44, 12)
    spy = _Spy(3, 4)
    losses = _fit(ex, spy, X, y, epochs=3, batch_size=batch_size, lr=0.5, seed=6)
    batches = _batches(spy)
    per_epoch = 12 // batch_size
    batch_losses = np.array([_softmax_xent(logits, y[ids])[0] for ids, logits, _, _ in batches])
    expected = batch_losses.reshape(3, per_epoch).mean(axis=1)
    mistakes = {
        "the losses were summed over the batches: return their mean per epoch.": batch_losses.reshape(3, per_epoch).sum(axis=1),
        "only the last batch's loss of each epoch was kept: average the epoch's batch losses.": batch_losses.reshape(3, per_epoch)[:, -1],
    }
    assert_close(losses, expected, what=f"fit's losses (N = 12, batch_size = {batch_size}, 3 epochs)", mistakes=mistakes,
                 hint="Record the loss softmax_cross_entropy returns for each batch, then append their mean after the epoch.")


# ---------------------------------------------------------------- training for real


def _blobs(seed, n_per_class=30):
    g = rng(seed)
    centres = g.normal(size=(3, 4)) * 2.0
    X = np.concatenate([c + g.normal(size=(n_per_class, 4)) for c in centres])
    return X, np.repeat(np.arange(3), n_per_class)


def test_fit_reduces_the_loss(ex):
    """your MLP and fit together bring the loss down on a toy problem"""
    X, y = _blobs(50)
    model = _model(ex, [4, 16, 3], seed=9)
    losses = _fit(ex, model, X, y, epochs=15, batch_size=10, lr=0.1, seed=10)
    if not np.all(np.isfinite(losses)):
        fail(f"Training MLP([4, 16, 3]) on 90 points gave the epoch losses {fmt(losses)}: not finite.")
    assert_true(
        losses[-1] < 0.5 * losses[0],
        f"Training MLP([4, 16, 3]) with fit on 90 points of 3 well separated classes (15 epochs, batches of 10, "
        f"lr 0.1), the epoch losses went {fmt(losses[0])} → {fmt(losses[-1])}; expected them to fall by half at least.\n"
        "If the other checks pass, look at how forward, backward and step share the model's state.",
    )


@functools.lru_cache(maxsize=1)
def _fashion_mnist():
    """The shipped subset (always: the budget and the threshold are set for it), flattened."""
    return shipped_fashion_mnist(flatten=True)


def train_and_score(ex, seed=0, budget=CPU_BUDGET):
    """Train ex.MLP(SIZES) with ex.fit on the shipped subset; return (test accuracy, seconds).

    One fit call per epoch (with the same rng throughout), so the learning rate
    can follow SCHEDULE and the budget is checked after every epoch: CPU seconds of the learner's process (from
    the kernel's accounting), so a busy machine does not fail a vectorized MLP, and a loop over examples still
    runs out of it.
    """
    (x_train, y_train), (x_test, y_test) = _fashion_mnist()
    g = np.random.default_rng(seed)
    model = ex.MLP(list(SIZES), g)
    _params_of(model, SIZES)
    start, cpu_start, losses = time.perf_counter(), learner_cpu_time(), []
    for epoch, lr in enumerate(SCHEDULE, start=1):
        result = ex.fit(model, x_train, y_train, 1, BATCH, lr, g)
        if result is None or not hasattr(result, "__len__") or len(result) != 1:
            fail(f"fit(model, X, y, epochs=1, ...) returned {fmt(result, max_chars=80)}, expected a list of 1 loss.")
        losses.append(float(result[0]))
        report_progress(epoch, len(SCHEDULE), "epoch", loss=losses[-1])  # shown while it trains
        cpu = learner_cpu_time() - cpu_start
        if not np.isfinite(losses[-1]):
            fail(
                f"Training MLP({SIZES}) on Fashion-MNIST, the loss of epoch {epoch} is {losses[-1]}: the training diverged.\n"
                "The other checks should show which part misbehaves."
            )
        if cpu > budget and epoch < len(SCHEDULE):
            fail(
                f"Training stopped: {epoch} of {len(SCHEDULE)} epochs took {cpu:.1f} s of CPU, past the {budget:.0f} s "
                "budget for the whole training (a vectorized MLP needs a few seconds).\n"
                "Is there a Python loop over examples or pixels? Use one matrix product per layer and batch."
            )
    seconds = time.perf_counter() - start
    logits = np.asarray(model.forward(x_test), dtype=float)
    accuracy = float(np.mean(logits.argmax(axis=1) == y_test))
    return accuracy, seconds, losses


def assert_accuracy(ex, seed=0):
    """Fail unless MLP(SIZES) trained with ex.fit reaches THRESHOLD test accuracy."""
    accuracy, seconds, losses = train_and_score(ex, seed=seed)
    report_figure("accuracy", accuracy)
    if accuracy < THRESHOLD:
        fail(
            f"test accuracy {fmt_gap(accuracy, THRESHOLD)} needed.\n"
            f"MLP({SIZES}) trained with your fit on the 10 000 training images, batches of {BATCH}, "
            f"{len(SCHEDULE)} epochs (lr 0.1 for 5, then 0.01) in {seconds:.1f} s; the epoch losses were {fmt(np.array(losses))}.\n"
            "The reference reaches about 0.84. If the loss hardly moved, check step and the gradients; "
            "if it went down but the accuracy is low, check the labels go with their images (X[idx] and y[idx])."
        )


def test_reaches_82_percent_on_fashion_mnist(ex, request):
    """MLP([784, 128, 10]) trained with your fit reaches ≥ 82% test accuracy on Fashion-MNIST"""
    # A first tiny call, so an unwritten MLP or fit shows as "not written yet", as everywhere else.
    X, y = _blobs(0, n_per_class=2)
    ex.fit(ex.MLP([4, 3, 3], rng(0)), X, y, 1, 3, 0.1, rng(0))
    after_cheap_checks(request, "Training takes a few seconds, and a network with a broken part cannot learn.")
    assert_accuracy(ex)
