"""Hidden checks for exercise 13 (autodiff).

Expected values come from closed forms written here (the local derivatives, a
neuron's gradient, a diamond-shaped graph worked out by hand) and, for random
expressions, from central differences of the same expression evaluated on plain
floats by a tiny class below; nothing here runs the reference solution.  The
checks touch only what the stub promises: `.data`, `.grad`, the operators and
methods, and `backward()`.
"""

import math
import traceback

import numpy as np
import pytest

from checker.testing import assert_close, assert_scalar, fail, gradcheck, rng, type_name

A, B = 2.0, -3.0
T2 = math.tanh(A)
E = math.e

SWAP = (
    "the two gradients of a * b are swapped: each input's gradient is the OTHER input's data times out.grad "
    "(self.grad += other.data * out.grad)."
)
K_MISSING = "the factor k is missing: the derivative of a^k is k · a^(k−1)."
OVERWRITE = "grad overwritten instead of accumulated (use +=): a node used twice must receive the sum of both shares."
NO_TOPO = (
    "no topological order: a node ran its _backward before every node that uses it had added its share to its grad. "
    "Sort the graph topologically (depth-first, append a node after its children, skip visited nodes), "
    "then call _backward on the nodes of that order in reverse."
)

# label, build(a, b), expected .data, expected grads, mistakes for a grad, mistakes for the data
OPS = [
    ("a + b", lambda a, b: a + b, -1.0, {"a": 1.0, "b": 1.0}, {}, {}),
    ("a * b", lambda a, b: a * b, -6.0, {"a": B, "b": A}, {"a": {SWAP: A}, "b": {SWAP: B}}, {}),
    ("a ** 3", lambda a, b: a**3, 8.0, {"a": 12.0}, {"a": {K_MISSING: 4.0, "you used k · a^k; the exponent drops by one: k · a^(k−1).": 24.0}}, {}),
    ("a ** -1", lambda a, b: a**-1, 0.5, {"a": -0.25}, {"a": {K_MISSING: 0.25}}, {}),
    ("a ** 0.5", lambda a, b: a**0.5, math.sqrt(A), {"a": 0.5 / math.sqrt(A)}, {"a": {K_MISSING: 1 / math.sqrt(A)}}, {}),
    ("a.exp()", lambda a, b: a.exp(), math.exp(A), {"a": math.exp(A)}, {"a": {"the derivative of exp(a) is exp(a) (out.data), not a.": A}}, {}),
    (
        "a.log()", lambda a, b: a.log(), math.log(A), {"a": 1 / A},
        {"a": {"the derivative of log(a) is 1/a, not log(a).": math.log(A), "the derivative of log(a) is 1/a, not a.": A}}, {},
    ),
    (
        "a.tanh()", lambda a, b: a.tanh(), T2, {"a": 1 - T2**2},
        {"a": {
            "1 − a² uses the input; the derivative of tanh is 1 − t² with t = tanh(a), the OUTPUT.": 1 - A**2,
            "the square is missing: the derivative of tanh is 1 − t², not 1 − t.": 1 - T2,
        }}, {},
    ),
    ("a.relu()", lambda a, b: a.relu(), A, {"a": 1.0}, {"a": {"relu passes out.grad through unchanged where its input is positive (local derivative 1).": A}}, {}),
    (
        "b.relu()", lambda a, b: b.relu(), 0.0, {"b": 0.0},
        {"b": {"relu passed the gradient on although its input is negative: the local derivative is 0 where data ≤ 0.": 1.0}}, {},
    ),
    (
        "(a - 2).relu()", lambda a, b: (a - 2).relu(), 0.0, {"a": 0.0},
        {"a": {"relu's input is exactly 0 here, and you passed the gradient on (data >= 0): the stub's convention "
               "is a local derivative of 0 at 0, so use data > 0.": 1.0}}, {},
    ),
    ("-a", lambda a, b: -a, -A, {"a": -1.0}, {"a": {"the sign is lost: −a is a · (−1), so its local derivative is −1.": 1.0}}, {}),
    ("a - b", lambda a, b: a - b, A - B, {"a": 1.0, "b": -1.0}, {"b": {"in a − b the gradient of b is −out.grad (a + (−b)), not +out.grad.": 1.0}}, {}),
    ("a / b", lambda a, b: a / b, A / B, {"a": 1 / B, "b": -A / B**2}, {"b": {"the sign of ∂(a/b)/∂b is wrong: it is −a/b².": A / B**2}}, {}),
    ("a + 2", lambda a, b: a + 2, 4.0, {"a": 1.0}, {}, {}),
    ("2 + a", lambda a, b: 2 + a, 4.0, {"a": 1.0}, {}, {}),
    ("a * 3", lambda a, b: a * 3, 6.0, {"a": 3.0}, {}, {}),
    ("3 * a", lambda a, b: 3 * a, 6.0, {"a": 3.0}, {}, {}),
    ("a - 5", lambda a, b: a - 5, -3.0, {"a": 1.0}, {}, {}),
    (
        "5 - a", lambda a, b: 5 - a, 3.0, {"a": -1.0}, {"a": {"5 − a decreases as a grows: its gradient is −1.": 1.0}},
        {"__rsub__ computed a − 5: for 5 − a Python calls a.__rsub__(5), which must return other − self.": -3.0},
    ),
    ("a / 4", lambda a, b: a / 4, 0.5, {"a": 0.25}, {}, {}),
    (
        "3 / a", lambda a, b: 3 / a, 1.5, {"a": -0.75}, {},
        {"__rtruediv__ computed a / 3: for 3 / a Python calls a.__rtruediv__(3), which must return other / self.": A / 3},
    ),
]
IDS = [op[0] for op in OPS]


# --------------------------------------------------------------------------- helpers


def _learner_frames(ex, exc):
    path = getattr(ex, "__file__", None)
    return [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]


def _call(ex, label, thunk):
    """Run thunk() (which computes `label`), turning the errors plain-number operands cause into advice."""
    try:
        return thunk()
    except NotImplementedError:
        raise
    except (TypeError, AttributeError) as exc:
        frames = _learner_frames(ex, exc)
        if not frames and isinstance(exc, TypeError):
            fail(
                f"Computing {label} raised TypeError: {exc}\n"
                "With a plain number on the left, Python calls the reversed method of the Value on the right: "
                "2 + a calls a.__radd__(2), 3 * a calls a.__rmul__(3), 5 - a calls a.__rsub__(5), "
                "3 / a calls a.__rtruediv__(3). Each must exist and return a Value."
            )
        if frames and "has no attribute 'data'" in str(exc):
            fail(
                f"Computing {label} raised AttributeError: {exc}\n"
                f"(at line {frames[-1].lineno} of your file: {frames[-1].line})\n"
                "A plain number has no .data: wrap it first, "
                "other = other if isinstance(other, Value) else Value(other)."
            )
        raise


def _as_value(ex, got, label):
    """Fail unless `got` is a Value; return it."""
    if isinstance(got, ex.Value):
        return got
    if got is None:
        fail(f"{label} returned None.\nDid you forget `return out`?")
    if isinstance(got, (int, float, np.number)):
        fail(
            f"{label} returned the plain number {got!r}, expected a Value.\n"
            "An operation must return a new Value, out = Value(result, (inputs...), op), "
            "so that backward() can reach its inputs through it."
        )
    fail(f"{label} returned {type_name(got)}, expected a Value.")


def _fresh(ex):
    return ex.Value(A), ex.Value(B)


def _build(ex, label, build):
    a, b = _fresh(ex)
    out = _as_value(ex, _call(ex, label, lambda: build(a, b)), label)
    return a, b, out


def _backward(ex, out, label):
    _call(ex, f"{label}, then .backward()", out.backward)


def _grad(node, name):
    return assert_scalar(node.grad, what=f"{name}.grad")


def _close_naming(got, expected, *, what, named, hint=""):
    """assert_close, naming the first of several (mistake, value it gives) pairs that matches."""
    hit = next(((d, v) for d, v in named if math.isclose(got, v, rel_tol=1e-6, abs_tol=1e-9)), None)
    assert_close(got, expected, what=what, mistakes=dict([hit]) if hit else None, hint=hint)


# --------------------------------------------------------------------------- the operations


@pytest.mark.parametrize("label, build, value, grads, grad_mistakes, value_mistakes", OPS, ids=IDS)
def test_forward_value(ex, label, build, value, grads, grad_mistakes, value_mistakes):
    """each operation returns a new Value with the right .data (a = 2, b = −3)"""
    a, b, out = _build(ex, label, build)
    if out is a or out is b:
        fail(f"{label} returned one of its inputs; it must return a NEW Value (out = Value(...)).")
    for name, node, start in (("a", a, A), ("b", b, B)):
        if assert_scalar(node.data, what=f"{name}.data after computing {label}") != start:
            fail(
                f"Computing {label} changed {name}.data from {start} to {node.data}.\n"
                "An operation must leave its inputs alone and put the result in a new Value."
            )
    got = assert_scalar(out.data, what=f"({label}).data")
    assert_close(got, value, what=f"({label}).data with a = 2, b = −3", mistakes=value_mistakes)


def test_backward_seeds_the_output_gradient(ex):
    """L.backward() sets L.grad to 1.0, the gradient of L with respect to itself"""
    label = "L = a * b"
    _, _, out = _build(ex, label, lambda a, b: a * b)
    _backward(ex, out, label)
    got = _grad(out, "L")
    if got != 1.0:
        fail(
            f"After L = a * b; L.backward(), L.grad is {got!r}, expected 1.0.\n"
            "backward() starts the chain rule by setting self.grad = 1.0 (∂L/∂L = 1), "
            "then runs the _backward functions."
        )


@pytest.mark.parametrize("label, build, value, grads, grad_mistakes, value_mistakes", OPS, ids=IDS)
def test_gradient(ex, label, build, value, grads, grad_mistakes, value_mistakes):
    """backward() gives each input its gradient, times out.grad (a = 2, b = −3)"""
    a, b, out = _build(ex, label, build)
    _backward(ex, out, label)
    nodes = {"a": a, "b": b}
    for name, expected in grads.items():
        mistakes = dict(grad_mistakes.get(name, {}))
        mistakes[
            f"{name}.grad stayed 0: backward() never reached {name}. Give the new Value its inputs as children, "
            "Value(result, (self, other), op), attach out._backward = _backward, and set self.grad = 1.0 "
            "in backward() BEFORE running the _backward functions."
        ] = 0.0
        assert_close(
            _grad(nodes[name], name),
            expected,
            what=f"{name}.grad after L = {label}; L.backward()  (a = 2, b = −3)",
            mistakes=mistakes,
        )
    # The same operation inside a larger expression: its out.grad is now 2.5, not 1.
    scaled = f"({label}) * 2.5"
    a, b, out = _build(ex, scaled, lambda a, b: build(a, b) * 2.5)
    _backward(ex, out, scaled)
    nodes = {"a": a, "b": b}
    for name, expected in grads.items():
        assert_close(
            _grad(nodes[name], name),
            2.5 * expected,
            what=f"{name}.grad after L = {scaled}; L.backward()  (a = 2, b = −3)",
            mistakes={
                "the local derivative was not multiplied by out.grad (the chain rule): "
                "input.grad += local_derivative * out.grad.": expected,
                f"{name}.grad stayed 0 once {label} sits inside a larger expression. Either backward() runs "
                "the nodes from the leaves to the output (walk the topological order REVERSED, output first), "
                "or the outer * 2.5 does not record its inputs as children (Value(result, (self, other), '*')).": 0.0,
            },
        )


# --------------------------------------------------------------------------- the graph


@pytest.mark.parametrize(
    "label, build, x0, expected, overwritten",
    [
        ("x * x", lambda x: x * x, 3.0, 6.0, [3.0]),
        ("x + x", lambda x: x + x, 3.0, 2.0, [1.0]),
        ("x * 4.0 + x", lambda x: x * 4.0 + x, 3.0, 5.0, [4.0, 1.0]),
        ("x * x * x", lambda x: x * x * x, 2.0, 12.0, [4.0, 8.0]),
    ],
    ids=["x*x", "x+x", "x*4+x", "x*x*x"],
)
def test_gradients_accumulate(ex, label, build, x0, expected, overwritten):
    """a Value used twice receives the sum of both gradients"""
    x = ex.Value(x0)
    out = _as_value(ex, _call(ex, label, lambda: build(x)), label)
    _backward(ex, out, label)
    _close_naming(
        _grad(x, "x"),
        expected,
        what=f"x.grad after L = {label}; L.backward()  (x = {x0})",
        named=[(OVERWRITE, value) for value in overwritten],
    )


def test_topological_order(ex):
    """backward() visits the nodes in reverse topological order (a diamond-shaped graph)"""
    # x ── s = 2x ──┬── p = 3s ─────────────────────┐
    #               └── q = exp(s) ── r = q/2 ── u = r + 1 ──┴── L = p + u
    # s feeds two paths of different lengths, so s must wait for both before passing its grad on to x.
    x = ex.Value(0.5)
    label = "s = x * 2; p = s * 3; q = s.exp(); r = q * 0.5; u = r + 1; L = p + u"

    def graph():
        s = x * 2
        q = s.exp()
        return s, (s * 3) + ((q * 0.5) + 1)

    s, out = _call(ex, label, graph)
    out = _as_value(ex, out, "L")
    _backward(ex, out, label)
    s_grad = 3 + 0.5 * E  # ∂L/∂s: 3 from p, e^s / 2 = e/2 from the exp path (s = 1)
    reversed_order = "backward() ran the nodes from the leaves to the output: walk the topological order REVERSED, output first."
    one_share = "s kept only the share of one of its two users. " + OVERWRITE
    _close_naming(
        _grad(s, "s"),
        s_grad,
        what=f"s.grad after {label}; L.backward()  (x = 0.5)",
        named=[(reversed_order, 0.0), (one_share, 3.0), (one_share, 0.5 * E)],
        hint="s = 2x is used by two nodes, p and q: ∂L/∂s = 3 + e^s / 2.",
    )
    right_s = "s.grad ends up right, but x.grad is not: " + NO_TOPO
    twice = "s passed its gradient on to x twice (once per user): " + NO_TOPO
    _close_naming(
        _grad(x, "x"),
        2 * s_grad,
        what=f"x.grad after {label}; L.backward()  (x = 0.5)",
        named=[(reversed_order, 0.0), (right_s, 6.0), (right_s, E), (twice, 12 + E), (twice, 6 + 2 * E)],
        hint="x.grad = 2 · s.grad = 6 + e: s must pass its gradient on to x once, after both its users, p and q, "
        "have added their shares.",
    )


@pytest.mark.parametrize("n", [1, 3, 6])
def test_neuron(ex, n):
    """a neuron L = tanh(w·x + b) gets the gradients of the closed form, for several sizes"""
    g = rng(13 + n)
    wv, xv, bv = np.round(g.normal(size=n), 2) * 0.5, np.round(g.normal(size=n), 2), round(float(g.normal()) * 0.5, 2)
    w, x, b = [ex.Value(v) for v in wv], [ex.Value(v) for v in xv], ex.Value(bv)
    label = "L = (sum(w[i] * x[i] for i in range(n)) + b).tanh()"
    out = _as_value(ex, _call(ex, label, lambda: (sum(wi * xi for wi, xi in zip(w, x)) + b).tanh()), "L")
    t = math.tanh(float(wv @ xv) + bv)
    assert_close(assert_scalar(out.data, what="L.data"), t, what=f"L.data for {label} with n = {n}")
    _backward(ex, out, label)
    z = float(wv @ xv) + bv
    local, wrong_local = 1 - t**2, 1 - z**2
    tanh_mistake = "tanh's derivative used its input z instead of its output t: it is 1 − t², with t = tanh(z)."
    hint = "∂L/∂w[i] = (1 − L²)·x[i], ∂L/∂x[i] = (1 − L²)·w[i], ∂L/∂b = 1 − L²."
    inputs = {"w": wv, "x": xv, "b": bv}
    for name, nodes, other in (("w", w, xv), ("x", x, wv)):
        assert_close(
            np.array([_grad(v, f"{name}[{i}]") for i, v in enumerate(nodes)]),
            local * other,
            what=f"[{name}[i].grad for each i] for {label} (n = {n})",
            inputs=inputs,
            mistakes={tanh_mistake: wrong_local * other},
            hint=hint,
        )
    assert_close(
        _grad(b, "b"), local, what=f"b.grad for {label} (n = {n})", inputs=inputs, mistakes={tanh_mistake: wrong_local}, hint=hint
    )


# --------------------------------------------------------------------------- random expressions


class _Reject(Exception):
    """The expression leaves the region where every operation is smooth and tame."""


class _F:
    """A plain float with the Value interface (forward only), to evaluate an expression independently."""

    def __init__(self, data):
        self.data = float(data)

    @staticmethod
    def _f(other):
        return other.data if isinstance(other, _F) else float(other)

    def __add__(self, other):
        return _F(self.data + self._f(other))

    __radd__ = __add__

    def __mul__(self, other):
        return _F(self.data * self._f(other))

    __rmul__ = __mul__

    def __sub__(self, other):
        return _F(self.data - self._f(other))

    def __rsub__(self, other):
        return _F(self._f(other) - self.data)

    def __neg__(self):
        return _F(-self.data)

    def __truediv__(self, other):
        d = self._f(other)
        if abs(d) < 0.2:
            raise _Reject
        return _F(self.data / d)

    def __rtruediv__(self, other):
        if abs(self.data) < 0.2:
            raise _Reject
        return _F(self._f(other) / self.data)

    def __pow__(self, k):
        if (k < 0 and abs(self.data) < 0.2) or (k != int(k) and self.data < 0.2):
            raise _Reject
        return _F(self.data**k)

    def exp(self):
        if self.data > 3:
            raise _Reject
        return _F(math.exp(self.data))

    def log(self):
        if self.data < 0.2:
            raise _Reject
        return _F(math.log(self.data))

    def tanh(self):
        return _F(math.tanh(self.data))

    def relu(self):
        if abs(self.data) < 0.05:
            raise _Reject
        return _F(max(self.data, 0.0))


UNARY = ["{}.exp()", "{}.log()", "{}.tanh()", "{}.relu()", "{} ** 2", "{} ** 3", "{} ** -1", "{} ** 0.5",
         "-{}", "2 + {}", "3 * {}", "1 - {}", "2 / {}", "{} - 1.5", "{} / 4"]
BINARY = ["{} + {}", "{} - {}", "{} * {}", "{} / {}"]


def _random_expression(g, depth):
    """Python source of a random expression over a, b, c, and whether it needs parentheses as an operand."""
    if depth == 0 or g.random() < 0.2:
        return "abc"[g.integers(3)], False
    if g.random() < 0.5:
        template, n = UNARY[g.integers(len(UNARY))], 1
    else:
        template, n = BINARY[g.integers(len(BINARY))], 2
    parts = [_random_expression(g, depth - 1) for _ in range(n)]
    text = template.format(*(f"({t})" if needs else t for t, needs in parts))
    return text, not template.endswith("()")  # a method call binds tightest


def _evaluate(expr, leaves):
    return eval(expr, {"__builtins__": {}}, dict(zip("abc", leaves)))  # our own expressions, no builtins


def _tame_expression(seed):
    """A random expression over a, b, c (each used at least once), with values where it is smooth."""
    g = rng(seed)
    while True:
        expr = _random_expression(g, 4)[0]
        values = np.round(g.uniform(-2, 2, size=3), 2)
        if not all(name in expr for name in "abc"):
            continue
        try:
            out = _evaluate(expr, [_F(v) for v in values]).data
            numeric = [_evaluate(expr, [_F(v + dv) for v, dv in zip(values, d)]).data
                       for d in (np.eye(3) * 1e-3).tolist() + (-np.eye(3) * 1e-3).tolist()]
        except (_Reject, ZeroDivisionError, OverflowError):
            continue
        if abs(out) < 30 and max(abs(v - out) for v in numeric) < 0.1:
            return expr, values


@pytest.mark.parametrize("seed", range(8))
def test_random_expressions(ex, seed):
    """values and gradients of random expressions agree with numerical differentiation"""
    expr, values = _tame_expression(seed)
    leaves = [ex.Value(v) for v in values]
    out = _as_value(ex, _call(ex, f"L = {expr}", lambda: _evaluate(expr, leaves)), f"L = {expr}")
    inputs = {"[a, b, c]": values}
    assert_close(
        assert_scalar(out.data, what="L.data"),
        _evaluate(expr, [_F(v) for v in values]).data,
        what=f"L.data for L = {expr}",
        inputs=inputs,
    )
    _backward(ex, out, f"L = {expr}")
    got = np.array([_grad(v, name) for v, name in zip(leaves, "abc")])
    gradcheck(
        lambda v: _evaluate(expr, [_F(t) for t in v]).data,
        got,
        values,
        what=f"[a.grad, b.grad, c.grad] for L = {expr}",
        inputs=inputs,
        rtol=1e-5,
        atol=1e-6,
    )


def test_a_deep_chain(ex):
    """a chain of 30 layers h = tanh(w·h + 0.1) passes the gradient all the way down"""
    ws = [0.9, -1.1, 1.3] * 10

    def chain(x):
        h = x
        for w in ws:
            h = (h * w + 0.1).tanh()
        return h

    x = ex.Value(0.4)
    out = _as_value(ex, _call(ex, "the 30-layer chain", lambda: chain(x)), "the 30-layer chain")
    _backward(ex, out, "the 30-layer chain")
    # forward on floats, then the chain rule by hand: dh/dx = Π w·(1 − h_k²)
    h, slope = 0.4, 1.0
    for w in ws:
        h = math.tanh(h * w + 0.1)
        slope *= w * (1 - h * h)
    assert_close(assert_scalar(out.data, what="L.data"), h, what="L.data of the 30-layer chain (x = 0.4)")
    assert_close(_grad(x, "x"), slope, what="x.grad of the 30-layer chain h = tanh(w·h + 0.1), x = 0.4", rtol=1e-6, atol=1e-12)
