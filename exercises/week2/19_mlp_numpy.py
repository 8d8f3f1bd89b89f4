"""Exercise 19 — a multi-layer perceptron in numpy, trained with minibatch SGD.

The layers of the last exercises (dense, ReLU, softmax cross-entropy, He
initialization) become one network that learns to recognize clothes.

The network.  sizes = [D0, D1, ..., DL] lists the widths of the layers: D0
inputs (784 for a flattened 28×28 image), DL outputs (one per class), and L − 1
hidden layers in between.  Layer l = 1 … L is a dense layer:

    z_l = h_{l−1} @ W_l + b_l        h_0 = x: (N, D0)    W_l: (D_{l−1}, D_l)    b_l: (D_l,)
    h_l = relu(z_l) = max(z_l, 0)    for the hidden layers, l < L
    logits = z_L                     the output layer has NO activation: (N, DL)

The parameters, by name (the checks read and write them under these names):

    self.params = {"W1": W_1, "b1": b_1, "W2": W_2, "b2": b_2, ..., "WL": W_L, "bL": b_L}
    self.grads  = a dict with the same keys, each gradient of the shape of its
                  parameter, filled by backward

Both hold float64 numpy arrays.  self.params IS the network: forward reads the
weights from self.params every time it runs (the checks may write new values
into those arrays in place), and step updates self.params.

He initialization (the right one for ReLU), with the rng argument only:

    W_l = rng.normal(0.0, sqrt(2 / D_{l−1}), size=(D_{l−1}, D_l))    std √(2 / fan_in)
    b_l = zeros (D_l,)

forward(x) returns the logits (N, DL) and keeps, in the object (e.g. a list
self.cache), what backward needs: each layer's input h_{l−1} and its
pre-activation z_l.  backward(dlogits) receives dlogits = ∂loss/∂logits (N, DL)
for the batch of the most recent forward call, fills self.grads and returns
nothing.  Going down from the last layer:

    dz_L = dlogits
    for l = L, …, 1:
        dW_l = h_{l−1}ᵀ @ dz_l                 (D_{l−1}, D_l)   like W_l
        db_l = Σₙ dz_l  (sum over the batch)   (D_l,)           like b_l
        if l > 1:
            dh = dz_l @ W_lᵀ                   (N, D_{l−1})
            dz_{l−1} = dh ⊙ (z_{l−1} > 0)      ReLU's derivative (0 where z ≤ 0)

No division by the batch size anywhere in backward: the 1/N of the mean loss is
already inside dlogits (softmax_cross_entropy below puts it there).

step(lr) is plain SGD on every parameter:  params[k] ← params[k] − lr · grads[k].

fit(model, X, y, epochs, batch_size, lr, rng) trains any object with those
three methods, using rng only to shuffle:

    losses = []
    repeat `epochs` times:
        order = rng.permutation(N)                    a new shuffle every epoch
        for start = 0, batch_size, 2·batch_size, … (< N):
            idx = order[start:start + batch_size]     the last batch may be shorter
            logits = model.forward(X[idx])
            loss, dlogits = softmax_cross_entropy(logits, y[idx])   the SAME idx for y
            model.backward(dlogits)
            model.step(lr)
        losses.append(the mean of this epoch's batch losses, a float)
    return losses                                     a list, one float per epoch

X is (N, D0) (e.g. Fashion-MNIST images flattened to 784 pixels in [0, 1]),
y holds integer class ids (N,).  Do not modify X, y, x or dlogits.

The hidden checks train MLP([784, 128, 10]) with your fit on the course's
Fashion-MNIST subset (10 000 training images, flattened), batches of 64, for 8
epochs (lr 0.1 for 5 epochs, then 0.01), and expect at least 82% accuracy on
the 2 000 test images.  Try it yourself: run this file.
"""

import numpy as np


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(logits) against class ids y, and ∂loss/∂logits.

    Exercise 17's answer, given so this file stands alone.  Stable: the row
    maximum is subtracted before exp.  dlogits = (softmax(logits) − onehot(y)) / N.
    """
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
        # TODO: self.params = {} ; for l = 1 … len(sizes) − 1, with fan_in = sizes[l − 1]:
        #       self.params[f"W{l}"] = rng.normal(0.0, np.sqrt(2 / fan_in), size=(sizes[l - 1], sizes[l]))
        #       self.params[f"b{l}"] = np.zeros(sizes[l])
        # TODO: self.grads = {} (backward fills it), and an empty cache for forward
        raise NotImplementedError("MLP.__init__")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The logits (N, DL) for a batch x (N, D0); keeps what backward needs."""
        # TODO: h = x; for each layer l: z = h @ W_l + b_l; keep (h, z) for backward
        # TODO: h = relu(z) for hidden layers only; the last layer's z is the logits
        raise NotImplementedError("MLP.forward")

    def backward(self, dlogits: np.ndarray) -> None:
        """Fill self.grads with the gradient of every parameter, from ∂loss/∂logits."""
        # TODO: dz = dlogits; for l = L down to 1, with (h, z) kept by forward:
        #       grads W_l = h.T @ dz, grads b_l = dz summed over the batch
        # TODO: below the first layer: dz = (dz @ W_l.T) * (z_{l−1} > 0), a new array
        raise NotImplementedError("MLP.backward")

    def step(self, lr: float) -> None:
        """One SGD step: every parameter moves by −lr times its gradient."""
        # TODO: for every key k: self.params[k] = self.params[k] - lr * self.grads[k]
        raise NotImplementedError("MLP.step")


def fit(model, X: np.ndarray, y: np.ndarray, epochs: int, batch_size: int, lr: float,
        rng: np.random.Generator) -> list[float]:
    """Train `model` with minibatch SGD; return the mean batch loss of each epoch."""
    # TODO: losses = []; for each epoch: order = rng.permutation(N)
    # TODO: for each batch idx = order[start:start + batch_size]: forward on X[idx],
    #       softmax_cross_entropy against y[idx], backward, step(lr); keep the loss
    # TODO: append the mean of the epoch's batch losses (a float); return losses
    raise NotImplementedError("fit")


if __name__ == "__main__":
    from checker.datasets import load_fashion_mnist

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(flatten=True)
    generator = np.random.default_rng(0)
    net = MLP([784, 128, 10], generator)
    for epoch, rate in enumerate([0.1] * 5 + [0.01] * 3, start=1):
        (epoch_loss,) = fit(net, x_train, y_train, 1, 64, rate, generator)
        accuracy = np.mean(net.forward(x_test).argmax(axis=1) == y_test)
        print(f"epoch {epoch}: loss {epoch_loss:.4f}, test accuracy {accuracy:.3f}")
