"""Exercise 19 (mlp_numpy): the reference solution against TensorFlow (forward pass,
softmax cross-entropy and tf.GradientTape gradients, He statistics against Keras'
HeNormal), the Fashion-MNIST training check is not flaky across seeds, and typical
mistakes are caught with the message that names them."""

import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from checker.testing import CheckFailure, numerical_gradient
from tests.helpers import (
    CATALOG,
    EXERCISES,
    load_check,
    load_module,
    mutate,
    run_source,
    solution,
)

sol = solution("mlp_numpy")
checks = load_check("mlp_numpy")


def _tf_loss_and_grads(params, x, y, n_layers):
    variables = {k: tf.Variable(v) for k, v in params.items()}
    with tf.GradientTape() as tape:
        h = tf.constant(x)
        for l in range(1, n_layers + 1):
            h = tf.matmul(h, variables[f"W{l}"]) + variables[f"b{l}"]
            if l < n_layers:
                h = tf.nn.relu(h)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
    grads = tape.gradient(loss, variables)
    return h.numpy(), float(loss), {k: g.numpy() for k, g in grads.items()}


@pytest.mark.parametrize("sizes", [[5, 7, 3], [6, 4, 5, 2], [784, 32, 10]])
def test_forward_loss_and_backward_equal_tensorflow(sizes):
    g = np.random.default_rng(len(sizes) * 100 + sizes[1])
    model = sol.MLP(sizes, g)
    for key in model.params:  # non-zero biases, so that their gradients are exercised
        model.params[key] = model.params[key] + 0.1 * g.normal(size=model.params[key].shape)
    x, y = g.normal(size=(9, sizes[0])), g.integers(0, sizes[-1], size=9)
    expected_logits, expected_loss, expected_grads = _tf_loss_and_grads(model.params, x, y, len(sizes) - 1)
    logits = model.forward(x)
    loss, dlogits = sol.softmax_cross_entropy(logits, y)
    model.backward(dlogits)
    np.testing.assert_allclose(logits, expected_logits, rtol=1e-10, atol=1e-12)
    assert loss == pytest.approx(expected_loss, rel=1e-10)
    assert sorted(model.grads) == sorted(model.params)
    for key, expected in expected_grads.items():
        np.testing.assert_allclose(model.grads[key], expected, rtol=1e-9, atol=1e-12)


def test_backward_equals_numerical_gradient_of_the_loss():
    g = np.random.default_rng(7)
    model = sol.MLP([4, 6, 3], g)
    x, y = g.normal(size=(5, 4)), g.integers(0, 3, size=5)
    model.backward(sol.softmax_cross_entropy(model.forward(x), y)[1])
    for key, value in model.params.items():
        def loss(v, key=key):
            saved = model.params[key]
            model.params[key] = v
            try:
                return sol.softmax_cross_entropy(model.forward(x), y)[0]
            finally:
                model.params[key] = saved

        np.testing.assert_allclose(model.grads[key], numerical_gradient(loss, value.copy()), rtol=1e-6, atol=1e-8)


def test_he_statistics_match_keras_he_normal():
    fan_in, fan_out = 600, 400
    W = sol.MLP([fan_in, fan_out, 2], np.random.default_rng(0)).params["W1"]
    keras.utils.set_random_seed(0)
    reference = keras.initializers.HeNormal(seed=0)((fan_in, fan_out)).numpy()
    assert W.std() == pytest.approx(float(reference.std()), rel=0.02)
    assert abs(W.mean()) < 0.01 * W.std()


def test_the_given_softmax_cross_entropy_is_right_and_the_same_in_the_stub():
    stub = load_module(EXERCISES / CATALOG.get("mlp_numpy").file)
    g = np.random.default_rng(3)
    logits, y = g.normal(size=(6, 4)) * 3, g.integers(0, 4, size=6)
    expected = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)).numpy()
    for module in (stub, sol):
        loss, dlogits = module.softmax_cross_entropy(logits, y)
        assert loss == pytest.approx(float(expected), rel=1e-10)
        numeric = numerical_gradient(lambda z, m=module: m.softmax_cross_entropy(z, y)[0], logits.copy())
        np.testing.assert_allclose(dlogits, numeric, rtol=1e-6, atol=1e-8)
        with np.errstate(over="raise", invalid="raise"):
            big, _ = module.softmax_cross_entropy(np.array([[1e4, 0.0], [0.0, 1e4]]), np.array([0, 0]))
        assert big == pytest.approx(5e3)


@pytest.mark.parametrize("seed", range(3))
def test_the_training_check_passes_with_margin_for_several_seeds(seed):
    accuracy, seconds, losses = checks.train_and_score(sol, seed=seed)
    assert accuracy >= checks.THRESHOLD + 0.01, (seed, accuracy, seconds)
    assert losses[-1] < 0.5 * losses[0]


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


@pytest.mark.parametrize(
    "old, new, named",
    [
        ('self.grads[f"W{l}"] = h.T @ dz', 'self.grads[f"W{l}"] = h.T @ dz / dz.shape[0]', "divided by the batch size"),
        ('self.grads[f"W{l}"] = h.T @ dz', 'self.grads[f"W{l}"] = dz.T @ h', "transposed weight gradient"),
        ("* (z_below > 0)", "", "ReLU's derivative is missing"),
        ("* (z_below > 0)", "* (z_below >= 0)", "derivative at z = 0"),
        ("h = np.maximum(z, 0.0) if l < self.n_layers else z", "h = np.maximum(z, 0.0)", "applied to the output layer"),
        ("np.sqrt(2.0 / fan_in)", "np.sqrt(2.0 / (fan_in + fan_out))", "Xavier"),
        ("self.params[key] - lr * self.grads[key]", "self.params[key] + lr * self.grads[key]", "AGAINST the gradient"),
        ("        self.cache = []\n        h = x", "        h = x", "an earlier forward call"),
        ("softmax_cross_entropy(logits, y[idx])", "softmax_cross_entropy(logits, y[start:start + batch_size])",
         "labels do not follow the shuffle"),
        ("order = rng.permutation(n)", "order = np.arange(n)", "original order"),
        ("losses.append(float(np.mean(batch_losses)))", "losses.extend(batch_losses)", "one loss per batch"),
    ],
    ids=["divide-by-N", "transposed-dW", "no-relu-grad", "relu-grad-at-0", "relu-on-logits", "xavier", "sign",
         "stale-cache", "labels-unshuffled", "no-shuffle", "loss-per-batch"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("mlp_numpy", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message


def test_a_model_that_never_learns_fails_the_accuracy_check():
    idle = types.SimpleNamespace(MLP=sol.MLP, fit=lambda model, X, y, epochs, batch_size, lr, rng: [2.3] * epochs)
    with pytest.raises(CheckFailure, match=r"test accuracy 0\.\d+ < 0\.82 needed"):
        checks.assert_accuracy(idle)


def test_the_training_waits_until_the_other_checks_pass(tmp_path):
    verdict = mutate("mlp_numpy", tmp_path, "order = rng.permutation(n)", "order = np.arange(n)")
    training = [c for c in verdict.checks if "82%" in c.title]
    assert len(training) == 1 and not training[0].passed and "fix the checks above first" in training[0].message


def test_gradients_that_accumulate_across_steps_are_named(tmp_path):
    verdict = mutate("mlp_numpy", tmp_path, 'self.grads[f"W{l}"] = h.T @ dz',
                     'self.grads[f"W{l}"] = self.grads.get(f"W{l}", 0) + h.T @ dz')
    assert verdict.status == "failed"
    assert "the gradients accumulate across calls" in verdict.message, verdict.message


# A correct network written another way: the weights drawn as (fan_out, fan_in) and transposed (He's
# distribution, other numbers than the reference's draw, so the training takes another path), the layers kept
# as a list of key pairs, ReLU masks cached instead of pre-activations, einsum gradients, an in-place SGD step,
# and fit with a while loop and a running sum of the batch losses.
MLP_WRITTEN_ANOTHER_WAY = '''
    import numpy as np

    def softmax_cross_entropy(logits, y):
        n = logits.shape[0]
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        dlogits = np.exp(log_probs)
        dlogits[np.arange(n), y] -= 1.0
        return float(-np.mean(log_probs[np.arange(n), y])), dlogits / n

    class MLP:
        def __init__(self, sizes, rng):
            self.layers = [(f"W{l}", f"b{l}") for l in range(1, len(sizes))]
            self.params, self.grads, self.kept = {}, {}, []
            for (w, b), fan_in, fan_out in zip(self.layers, sizes[:-1], sizes[1:]):
                self.params[w] = (rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)).T.copy()
                self.params[b] = np.zeros(fan_out)

        def forward(self, x):
            kept, h = [], x
            for i, (w, b) in enumerate(self.layers):
                z = h @ self.params[w] + self.params[b]
                last = i == len(self.layers) - 1
                kept.append((h, None if last else z > 0))
                h = z if last else z * (z > 0)
            self.kept = kept
            return h

        def backward(self, dlogits):
            dz = dlogits
            for i in reversed(range(len(self.layers))):
                w, b = self.layers[i]
                h, _ = self.kept[i]
                self.grads[w] = np.einsum("ni,nj->ij", h, dz)
                self.grads[b] = np.einsum("nj->j", dz)
                if i:
                    dz = np.einsum("nj,ij->ni", dz, self.params[w]) * self.kept[i - 1][1]

        def step(self, lr):
            for key, gradient in self.grads.items():
                self.params[key] -= lr * gradient

    def fit(model, X, y, epochs, batch_size, lr, rng):
        losses = []
        for _ in range(epochs):
            order, start, total, count = rng.permutation(len(X)), 0, 0.0, 0
            while start < len(X):
                idx = order[start:start + batch_size]
                loss, dlogits = softmax_cross_entropy(model.forward(X.take(idx, axis=0)), y.take(idx))
                model.backward(dlogits)
                model.step(lr)
                total, count, start = total + loss, count + 1, start + batch_size
            losses.append(total / count)
        return losses
'''


@pytest.mark.slow
def test_a_network_written_another_way_passes_every_check(tmp_path):
    verdict = run_source("mlp_numpy", MLP_WRITTEN_ANOTHER_WAY, tmp_path)
    assert verdict.status == "passed", verdict.message
    accuracy = [c for c in verdict.checks if c.name == "test_reaches_82_percent_on_fashion_mnist"]
    assert accuracy and accuracy[0].passed
