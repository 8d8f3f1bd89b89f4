"""Hidden checks for exercise 12 (train_logreg).

The reference loop, the logistic loss, the quadratic features and the six
optimizers are all written here, independently of the learner's file (which
also holds a logistic_loss_and_grad, and which the checks do not trust).  Spy
optimizers record what the loop hands them, to tell which result it ignored.
"""

import functools

import numpy as np
import pytest

from checker.testing import (
    assert_array, assert_close, assert_true, call_unchanged, fail, fmt, fmt_gap, report_figure, rng, with_progress,
)
from checker.datasets import data_dir

THRESHOLD = 0.95
N_ITER, BATCH = 200, 32


# ---------------------------------------------------------------- references


def _loss_and_grad(X, y, w):
    z = X @ w
    loss = np.mean(np.logaddexp(0.0, z) - y * z)
    return float(loss), X.T @ (1.0 / (1.0 + np.exp(-z)) - y) / len(y)


def _reference(X, y, step, config, n_iter, batch_size, seed, mistake=None):
    """The loop of the exercise; `mistake` replays a typical error."""
    g = rng(seed)
    n, d = X.shape
    w, losses = np.zeros(d), []
    for _ in range(n_iter):
        idx = np.arange(n) if batch_size >= n else g.choice(n, size=batch_size, replace=False)
        if mistake == "full_gradient":
            loss, dw = _loss_and_grad(X[idx], y[idx], w)[0], _loss_and_grad(X, y, w)[1]
        else:
            loss, dw = _loss_and_grad(X[idx], y[idx], w)
        w, config = step(w, dw, config)
        if mistake == "after":
            loss = _loss_and_grad(X[idx], y[idx], w)[0]
        losses.append(loss)
    return w, np.array(losses)


def _features(X):
    x0, x1 = X[:, 0], X[:, 1]
    return np.column_stack([x0, x1, x0**2, x1**2, x0 * x1, np.ones(len(X))])


@functools.lru_cache(maxsize=1)
def _circles():
    path = data_dir() / "circles.npz"
    if not path.is_file():
        fail(
            f"The course's data file {path} is missing, so this check cannot run.\n"
            "It ships with dlx: reinstall dlx (or restore data/circles.npz in a clone: python data/make_circles.py)."
        )
    with np.load(path) as data:
        return (_features(data["X_train"]), data["y_train"], _features(data["X_test"]), data["y_test"])


def _small_problem(seed, n=12, d=3):
    g = rng(seed)
    X = np.column_stack([g.normal(size=(n, d - 1)), np.ones(n)])
    return X, (g.uniform(size=n) < 0.5).astype(np.int64)


# ---------------------------------------------------------------- optimizers (oracles)


def _sgd(w, dw, config):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def _momentum(w, dw, config):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config["momentum"] * config.get("velocity", np.zeros_like(w)) - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def _nesterov(w, dw, config):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    mu, v_prev = config["momentum"], config.get("velocity", np.zeros_like(w))
    v = mu * v_prev - config["learning_rate"] * dw
    config["velocity"] = v
    return w - mu * v_prev + (1 + mu) * v, config


def _adagrad(w, dw, config):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w)) + dw**2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def _rmsprop(w, dw, config):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    rho = config["decay_rate"]
    cache = rho * config.get("cache", np.zeros_like(w)) + (1 - rho) * dw**2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def _adam(w, dw, config):
    config = {} if config is None else config
    for key, value in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)):
        config.setdefault(key, value)
    b1, b2 = config["beta1"], config["beta2"]
    t = config.get("t", 0) + 1
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw**2
    config.update(m=m, v=v, t=t)
    return w - config["learning_rate"] * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + config["epsilon"]), config


OPTIMIZERS = {
    "sgd": (_sgd, {"learning_rate": 0.3}),
    "sgd_momentum": (_momentum, {"learning_rate": 0.03, "momentum": 0.9}),
    "nesterov_momentum": (_nesterov, {"learning_rate": 0.03, "momentum": 0.9}),
    "adagrad": (_adagrad, {"learning_rate": 0.3}),
    "rmsprop": (_rmsprop, {"learning_rate": 0.03, "decay_rate": 0.99}),
    "adam": (_adam, {"learning_rate": 0.03}),
}


class _Spy:
    """An sgd step that records its calls and returns a NEW config dict each time."""

    def __init__(self, learning_rate=0.5):
        self.learning_rate = learning_rate
        self.calls = []  # (w received, dw received, config received, w returned)

    def __call__(self, w, dw, config):
        w = np.array(w, dtype=float, copy=True)
        count = (config or {}).get("count", 0)
        next_w = w - self.learning_rate * np.asarray(dw, dtype=float)
        self.calls.append((w, np.array(dw, dtype=float, copy=True), config, next_w.copy()))
        return next_w, {"count": count + 1}


# ---------------------------------------------------------------- calling the learner


def _train(ex, X, y, step, config, n_iter, batch_size, seed, label="train_logistic_regression"):
    result = call_unchanged(
        ex.train_logistic_regression,
        X, y, step, config, n_iter, batch_size, rng(seed),
        what=label,
        names=["X", "y", "step", "config", "n_iter", "batch_size", "rng"],
    )
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{label} returned {fmt(result, max_chars=120)}, expected a tuple (w, losses).\nEnd with `return w, losses`.")
    w, losses = result
    w = assert_array(w, what=f"{label} (w)", shape=(X.shape[1],))
    losses = assert_array(losses, what=f"{label} (losses)", shape=(n_iter,))
    return w, losses


# ---------------------------------------------------------------- checks


def test_returns_w_and_losses(ex):
    """returns w of shape (D,) and one loss per iteration"""
    X, y = _small_problem(0)
    _train(ex, X, y, _sgd, {"learning_rate": 0.1}, 5, 4, seed=1)


def test_first_loss_is_at_w_zero(ex):
    """w starts at zeros and the first recorded loss is log 2"""
    X, y = _small_problem(1)
    _, losses = _train(ex, X, y, _sgd, {"learning_rate": 0.5}, 3, 4, seed=2)
    after = _reference(X, y, _sgd, {"learning_rate": 0.5}, 3, 4, seed=2, mistake="after")[1]
    if not np.isclose(losses[0], np.log(2.0), rtol=1e-9, atol=1e-12):
        likely = (
            "Likely mistake: the loss was recorded after the update; record it before `w, config = step(...)`."
            if np.isclose(losses[0], after[0], rtol=1e-6)
            else "Start from w = np.zeros(D), and record the loss that logistic_loss_and_grad returns for the batch."
        )
        fail(
            f"losses[0], the loss of the first minibatch, is {fmt(float(losses[0]))}; expected log 2 ≈ 0.693147.\n"
            "With w = zeros every logit is 0, so every example's loss is log(1 + e⁰) = log 2.\n" + likely
        )


def test_step_gets_the_current_w_and_its_gradient(ex):
    """each step gets the w the previous step returned, and the final w is the last one"""
    X, y = _small_problem(3)
    spy = _Spy()
    w, _ = _train(ex, X, y, spy, None, 4, 12, seed=4)
    assert_true(len(spy.calls) == 4, f"With n_iter = 4, step was called {len(spy.calls)} times, expected 4 (once per iteration).")
    for k in range(1, 4):
        received, previous = spy.calls[k][0], spy.calls[k - 1][3]
        if not np.allclose(received, previous, rtol=1e-9, atol=1e-12):
            fail(
                f"At iteration {k + 1}, step received w = {fmt(received)}, but the previous step returned {fmt(previous)}.\n"
                "Likely mistake: w is never updated — the w returned by step is ignored. Write `w, config = step(w, dw, config)`."
            )
        _, expected_dw = _loss_and_grad(X, y, received)
        assert_close(
            spy.calls[k][1],
            expected_dw,
            what=f"the gradient dw handed to step at iteration {k + 1} (full batch)",
            hint="dw must be the gradient of the batch's loss at the current w (from logistic_loss_and_grad).",
        )
    assert_close(w, spy.calls[-1][3], what="the returned w", hint="Return the w of the last step, after the loop.")


def test_uses_the_config_step_returns(ex):
    """the config returned by step is handed to the next step"""
    X, y = _small_problem(4)
    spy = _Spy()
    _train(ex, X, y, spy, None, 5, 6, seed=5)
    seen = [(c or {}).get("count", 0) if isinstance(c, dict) or c is None else c for _, _, c, _ in spy.calls]
    if seen != list(range(len(seen))):
        fail(
            "This test's step returns a NEW config dict each time (with a step counter in it), as an optimizer may.\n"
            f"The counters your loop handed to step were {seen}, expected {list(range(len(seen)))}.\n"
            "Likely mistake: the config returned by step is ignored, so the optimizer's state (velocity, m, v, t...) "
            "is lost at every step. Write `w, config = step(w, dw, config)`, not `w, _ = step(...)`."
        )


@pytest.mark.parametrize("batch_size", [12, 50], ids=["batch=N", "batch>N"])
def test_full_batch_is_gradient_descent(ex, batch_size):
    """batch_size ≥ N uses the whole training set: plain gradient descent"""
    X, y = _small_problem(2)
    w, losses = _train(ex, X, y, _sgd, {"learning_rate": 0.5}, 6, batch_size, seed=3)
    expected_w, expected = _reference(X, y, _sgd, {"learning_rate": 0.5}, 6, batch_size, seed=3)
    after = _reference(X, y, _sgd, {"learning_rate": 0.5}, 6, batch_size, seed=3, mistake="after")[1]
    assert_close(
        losses,
        expected,
        what=f"losses (N = 12, batch_size = {batch_size}, sgd with learning_rate 0.5, 6 iterations)",
        mistakes={
            "each loss was recorded after the update; record it before `w, config = step(...)`.": after,
            "the loss never changes because w is never updated: keep the w that step returns, "
            "`w, config = step(w, dw, config)`.": np.full(6, np.log(2.0)),
        },
    )
    assert_close(w, expected_w, what=f"the final w (N = 12, batch_size = {batch_size}, 6 sgd steps)")


def test_randomness_comes_from_rng(ex):
    """minibatches come from rng: same seed, same run; other seed, other run"""
    X, y = _small_problem(5, n=40, d=4)
    _, first = _train(ex, X, y, _sgd, {"learning_rate": 0.1}, 8, 5, seed=6)
    _, again = _train(ex, X, y, _sgd, {"learning_rate": 0.1}, 8, 5, seed=6)
    _, other = _train(ex, X, y, _sgd, {"learning_rate": 0.1}, 8, 5, seed=7)
    assert_true(
        np.allclose(first, again),
        "Two runs with generators of the same seed gave different losses.\n"
        "Draw the minibatches with the rng argument (rng.choice), never with np.random.* or a new generator.",
    )
    assert_true(
        not np.allclose(first, other),
        "Runs with generators of different seeds gave the same losses.\n"
        "Draw each minibatch with rng.choice(N, size=batch_size, replace=False), from the rng argument.",
    )


@pytest.mark.parametrize("n, batch_size", [(40, 5), (25, 24)])
def test_minibatches_follow_the_convention(ex, n, batch_size):
    """minibatch losses and w match the reference loop with the same rng"""
    X, y = _small_problem(6 + n, n=n, d=4)
    w, losses = _train(ex, X, y, _sgd, {"learning_rate": 0.2}, 10, batch_size, seed=8)
    expected_w, expected = _reference(X, y, _sgd, {"learning_rate": 0.2}, 10, batch_size, seed=8)
    mistakes = {
        "each loss was recorded after the update; record it before `w, config = step(...)`.":
            _reference(X, y, _sgd, {"learning_rate": 0.2}, 10, batch_size, seed=8, mistake="after")[1],
        "the gradient was computed on the whole training set: compute loss AND gradient on the batch X[idx], y[idx].":
            _reference(X, y, _sgd, {"learning_rate": 0.2}, 10, batch_size, seed=8, mistake="full_gradient")[1],
    }
    assert_close(
        losses,
        expected,
        what=f"losses (N = {n}, batch_size = {batch_size}, 10 sgd steps)",
        mistakes=mistakes,
        hint="The reference draws each batch with idx = rng.choice(N, size=batch_size, replace=False), one draw per "
        "iteration and no other use of rng, then records the batch's loss before the step.",
    )
    assert_close(w, expected_w, what=f"the final w (N = {n}, batch_size = {batch_size}, 10 sgd steps)")


def test_config_none_is_passed_on(ex):
    """config=None works: the optimizer makes its own config"""
    X, y = _small_problem(7, n=30, d=4)
    w, losses = _train(ex, X, y, _adam, None, 6, 10, seed=9)
    expected_w, expected = _reference(X, y, _adam, None, 6, 10, seed=9)
    assert_close(losses, expected, what="losses with step = adam and config = None")
    assert_close(w, expected_w, what="the final w with step = adam and config = None")


def test_the_loss_goes_down(ex):
    """on the circle data, the minibatch loss goes down"""
    X, y, _, _ = _circles()
    step = with_progress(_sgd, N_ITER, "iteration")  # the learner's screen shows the iterations meanwhile
    _, losses = _train(ex, X, y, step, {"learning_rate": 0.3}, N_ITER, BATCH, seed=10)
    first, last = float(np.mean(losses[:20])), float(np.mean(losses[-20:]))
    assert_true(
        last < 0.5 * first,
        f"Training with sgd (learning_rate 0.3) for {N_ITER} iterations: the mean loss of the first 20 batches is "
        f"{first:.4f}, of the last 20 {last:.4f}; expected it to fall by at least half.",
    )


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_accuracy_with_each_optimizer(ex, name):
    """each optimizer reaches ≥ 95% test accuracy on the circle data"""
    X, y, X_test, y_test = _circles()
    step, config = OPTIMIZERS[name]
    step = with_progress(step, N_ITER, "iteration")  # the learner's screen shows the iterations meanwhile
    w, _ = _train(ex, X, y, step, dict(config), N_ITER, BATCH, seed=11, label=f"train_logistic_regression with {name}")
    accuracy = float(np.mean((X_test @ w > 0) == (y_test == 1)))
    report_figure("accuracy", accuracy)  # the verdict keeps the lowest, over the optimizers
    if accuracy < THRESHOLD:
        why = " The returned w is all zeros: was w ever updated?" if not np.any(w) else ""
        fail(
            f"Trained with {name} {config}, {N_ITER} iterations of batches of {BATCH}, the model reached "
            f"{accuracy:.4f} accuracy on the held-out test set ({fmt_gap(accuracy, THRESHOLD)}).{why}\n"
            f"Final w = {fmt(w)}"
        )
