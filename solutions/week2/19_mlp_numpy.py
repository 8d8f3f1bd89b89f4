"""Exercise 19 — a multi-layer perceptron in numpy, trained with minibatch SGD (reference solution)."""

import numpy as np


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(logits) against class ids y, and ∂loss/∂logits."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-np.mean(log_probs[np.arange(n), y]))
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1.0
    return loss, dlogits / n


class MLP:
    """A ReLU network with a linear output layer; parameters in self.params."""

    def __init__(self, sizes: list[int], rng: np.random.Generator):
        self.n_layers = len(sizes) - 1
        self.params = {}
        for l in range(1, self.n_layers + 1):
            fan_in, fan_out = sizes[l - 1], sizes[l]
            self.params[f"W{l}"] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
            self.params[f"b{l}"] = np.zeros(fan_out)
        self.grads = {}
        self.cache = []

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The logits (N, DL) for a batch x (N, D0); keeps what backward needs."""
        self.cache = []
        h = x
        for l in range(1, self.n_layers + 1):
            z = h @ self.params[f"W{l}"] + self.params[f"b{l}"]
            self.cache.append((h, z))
            h = np.maximum(z, 0.0) if l < self.n_layers else z
        return h

    def backward(self, dlogits: np.ndarray) -> None:
        """Fill self.grads with the gradient of every parameter, from ∂loss/∂logits."""
        dz = dlogits
        for l in range(self.n_layers, 0, -1):
            h, _ = self.cache[l - 1]
            self.grads[f"W{l}"] = h.T @ dz
            self.grads[f"b{l}"] = dz.sum(axis=0)
            if l > 1:
                _, z_below = self.cache[l - 2]
                dz = (dz @ self.params[f"W{l}"].T) * (z_below > 0)

    def step(self, lr: float) -> None:
        """One SGD step: every parameter moves by −lr times its gradient."""
        for key in self.params:
            self.params[key] = self.params[key] - lr * self.grads[key]


def fit(model, X: np.ndarray, y: np.ndarray, epochs: int, batch_size: int, lr: float,
        rng: np.random.Generator) -> list[float]:
    """Train `model` with minibatch SGD; return the mean batch loss of each epoch."""
    n = X.shape[0]
    losses = []
    for _ in range(epochs):
        order = rng.permutation(n)
        batch_losses = []
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            logits = model.forward(X[idx])
            loss, dlogits = softmax_cross_entropy(logits, y[idx])
            model.backward(dlogits)
            model.step(lr)
            batch_losses.append(loss)
        losses.append(float(np.mean(batch_losses)))
    return losses
