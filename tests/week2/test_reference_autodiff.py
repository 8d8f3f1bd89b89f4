"""Exercise 13 (autodiff): the reference solution's gradients against tf.GradientTape,
and typical mistakes caught with the message that names them."""

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import mutate, solution

sol = solution("autodiff")


class T:
    """A TensorFlow tensor behind the Value interface, so one expression runs on both."""

    def __init__(self, t):
        self.t = t

    @staticmethod
    def _u(other):
        return other.t if isinstance(other, T) else other

    def __add__(self, o):
        return T(self.t + self._u(o))

    def __radd__(self, o):
        return T(self._u(o) + self.t)

    def __sub__(self, o):
        return T(self.t - self._u(o))

    def __rsub__(self, o):
        return T(self._u(o) - self.t)

    def __mul__(self, o):
        return T(self.t * self._u(o))

    def __rmul__(self, o):
        return T(self._u(o) * self.t)

    def __truediv__(self, o):
        return T(self.t / self._u(o))

    def __rtruediv__(self, o):
        return T(self._u(o) / self.t)

    def __pow__(self, k):
        return T(self.t**k)

    def __neg__(self):
        return T(-self.t)

    def exp(self):
        return T(tf.exp(self.t))

    def log(self):
        return T(tf.math.log(self.t))

    def tanh(self):
        return T(tf.tanh(self.t))

    def relu(self):
        return T(tf.nn.relu(self.t))


def _compare(fn, values, rtol=1e-10):
    """fn(list of leaves) on Values and on TF variables: same output, same gradients."""
    leaves = [sol.Value(v) for v in values]
    out = fn(leaves)
    out.backward()
    variables = [tf.Variable(v, dtype=tf.float64) for v in values]
    with tf.GradientTape() as tape:
        tf_out = fn([T(v) for v in variables]).t
    tf_grads = [0.0 if g is None else float(g) for g in tape.gradient(tf_out, variables)]
    np.testing.assert_allclose(out.data, float(tf_out), rtol=rtol)
    np.testing.assert_allclose([v.grad for v in leaves], tf_grads, rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("n", [1, 4, 10])
def test_neuron_matches_gradient_tape(n):
    g = np.random.default_rng(n)
    values = list(g.normal(size=2 * n + 1) * 0.7)

    def neuron(v):
        w, x, b = v[:n], v[n : 2 * n], v[-1]
        return (sum(wi * xi for wi, xi in zip(w, x)) + b).tanh()

    _compare(neuron, values)


def test_composite_with_exp_log_pow_div():
    def f(v):
        a, b, c = v
        return (a.exp() + b**2).log() / (c**0.5 + 1) - 3 / (a * b) + (2 - c) ** 3 * a.relu() - (-b).relu()

    _compare(f, [0.7, -1.3, 2.1])
    _compare(f, [-0.4, 0.9, 0.3])


OPS = [
    lambda x, y: x + y,
    lambda x, y: x - y,
    lambda x, y: x * y,
    lambda x, y: x / (y * y + 1),
    lambda x, y: (x * x + 1).log(),
    lambda x, y: (x * x + 0.5) ** 0.5,
    lambda x, y: x.tanh(),
    lambda x, y: y.tanh().exp(),
    lambda x, y: x.relu() + y,
    lambda x, y: -x,
    lambda x, y: 2 - x,
    lambda x, y: 3 / (x * x + 1),
    lambda x, y: x**3 * 0.1,
    lambda x, y: 0.5 * x + y,
]


@pytest.mark.parametrize("seed", range(10))
def test_random_programs_match_gradient_tape(seed):
    """Random straight-line programs whose intermediate nodes are reused many times."""
    g = np.random.default_rng(1000 + seed)
    steps = [(int(g.integers(len(OPS))), *g.integers(0, 3 + k, size=2)) for k in range(12)]

    def program(v):
        nodes = list(v)
        for op, i, j in steps:
            nodes.append(OPS[op](nodes[i], nodes[j]))
        return nodes[-1] + nodes[-2] * nodes[-3]

    _compare(program, list(g.uniform(-1.5, 1.5, size=3)), rtol=1e-9)


def test_overwriting_grad_is_named(tmp_path):
    verdict = mutate("autodiff", tmp_path, "self.grad += other.data * out.grad", "self.grad = other.data * out.grad")
    assert verdict.status == "failed"
    assert "grad overwritten instead of accumulated (use +=)" in verdict.message, verdict.message


NAIVE_RECURSION = (  # each node passes its grad on as soon as the recursion reaches it (once)
    "self.grad = 1.0\n        seen = set()\n\n        def go(node):\n            if node not in seen:\n"
    "                seen.add(node)\n                node._backward()\n                for child in node._prev:\n"
    "                    go(child)\n\n        go(self)"
)


def test_missing_topological_order_is_named(tmp_path):
    source = Path(sol.__file__).read_text(encoding="utf-8")
    start = source.index("order, seen = [], set()")
    end = source.index("node._backward()", start) + len("node._backward()")
    verdict = mutate("autodiff", tmp_path, source[start:end], NAIVE_RECURSION)
    assert verdict.status == "failed"
    assert "no topological order" in verdict.message, verdict.message


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("(1 - t**2)", "(1 - self.data**2)", "the OUTPUT"),
        ("return other + (-self)", "return self - other", "__rsub__ computed a − 5"),
        ("for node in reversed(order):", "for node in order:", "REVERSED"),
        ("self.grad += (self.data > 0) * out.grad", "self.grad += (self.data >= 0) * out.grad", "use data > 0"),
    ],
    ids=["tanh-input", "rsub-order", "not-reversed", "relu-at-zero"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("autodiff", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message
