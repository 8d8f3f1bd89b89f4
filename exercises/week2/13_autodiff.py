"""Exercise 13 — a scalar automatic-differentiation engine.

A `Value` wraps one number and remembers how it was computed.  Every operation
on Values returns a NEW Value `out` that records its inputs (its "children")
and a small function `out._backward` that knows the operation's local
derivatives.  Computing an expression builds a graph:

    a = Value(2.0); b = Value(-3.0)
    c = a * b            # c.data = -6.0, c._prev = {a, b}
    L = c.tanh()         # L.data = tanh(-6), L._prev = {c}

L.backward() then fills in, for every node v of the graph, v.grad = ∂L/∂v.

The chain rule, one node at a time.  When out = op(x, y), each input gets
its share of out's gradient, times the local derivative:

    x.grad += ∂out/∂x · out.grad          y.grad += ∂out/∂y · out.grad

ADD (+=), never assign: a node used twice (x * x, or a in both a*b and a+c)
receives one share from each use, and its gradient is their sum.

The pattern of every operation, shown on sin (not part of this exercise):

    def sin(self):
        out = Value(math.sin(self.data), (self,), "sin")    # a new node; its child
        def _backward():                                     # runs during backward()
            self.grad += math.cos(self.data) * out.grad      # local derivative · out.grad
        out._backward = _backward
        return out

The local derivatives you need (t = the output of tanh, k a constant):

    out = a + b      ∂out/∂a = 1,        ∂out/∂b = 1
    out = a * b      ∂out/∂a = b,        ∂out/∂b = a
    out = a ** k     ∂out/∂a = k · a^(k−1)      (k a plain int or float, not a Value)
    out = exp(a)     ∂out/∂a = exp(a)           (= out.data)
    out = log(a)     ∂out/∂a = 1 / a            (natural log, for a > 0)
    out = tanh(a)    ∂out/∂a = 1 − t²           (t = tanh(a), the output)
    out = relu(a)    ∂out/∂a = 1 if a > 0 else 0     (0 at exactly a = 0)

Subtraction and division follow from these: a − b = a + (−b), −a = a · (−1),
a / b = a · b^(−1).  You may build them that way or write them out.

Conventions the checks rely on:
- `.data` is a float; `.grad` is a float that starts at 0.0 (done in __init__).
- Every operation returns a new Value and leaves the data of its inputs alone.
- An operand may be a plain int or float (a + 2, 3 * a, 5 - a, 1 / a): wrap it
  in a Value (a constant).  For `2 + a` Python calls a.__radd__(2): the
  reversed methods receive the plain number as `other`, and 5 - a is
  other − self, 1 / a is other / self.
- The exponent of ** is a plain int or float; a fractional power only for data > 0.
- backward() sets self.grad = 1.0 (∂L/∂L) and runs every node's _backward in
  REVERSE TOPOLOGICAL ORDER: a node passes its gradient on only after every node
  that uses it has added its share.  Build the order with a depth-first search
  that appends a node after all its children (skip nodes already visited), then
  walk it backwards, from the output to the leaves.
- backward() is called once on a freshly built graph; it need not reset grads.
  The checks' graphs are at most a few dozen nodes deep, so recursion is fine.
"""

import math


class Value:
    """A number that remembers how it was computed, so that gradients can flow back."""

    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf passes nothing on
        self._prev = set(_children)  # the Values this one was computed from
        self._op = _op  # the operation's name, for printing

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    # ------------------------------------------------------------ the operations

    def __add__(self, other):
        """self + other."""
        # TODO: wrap a plain number: other = other if isinstance(other, Value) else Value(other)
        # TODO: out = Value(self.data + other.data, (self, other), "+")
        # TODO: a _backward that adds out.grad to self.grad and to other.grad; attach it; return out
        raise NotImplementedError("__add__")

    def __mul__(self, other):
        """self * other."""
        # TODO: wrap a plain number, then out = Value(self.data * other.data, (self, other), "*")
        # TODO: a _backward: self.grad += other.data * out.grad, and the same for other
        raise NotImplementedError("__mul__")

    def __pow__(self, k):
        """self ** k, for a constant int or float k."""
        # TODO: out = Value(self.data ** k, (self,), f"**{k}")
        # TODO: a _backward with the local derivative k · self.data^(k−1)
        raise NotImplementedError("__pow__")

    def exp(self):
        """e ** self."""
        # TODO: out = Value(math.exp(self.data), (self,), "exp"), and its _backward
        raise NotImplementedError("exp")

    def log(self):
        """The natural logarithm of self (self.data > 0)."""
        # TODO: out = Value(math.log(self.data), (self,), "log"), and its _backward
        raise NotImplementedError("log")

    def tanh(self):
        """The hyperbolic tangent of self."""
        # TODO: t = math.tanh(self.data); out = Value(t, (self,), "tanh")
        # TODO: a _backward with the local derivative 1 − t²
        raise NotImplementedError("tanh")

    def relu(self):
        """max(self, 0)."""
        # TODO: out = Value(max(self.data, 0.0), (self,), "relu")
        # TODO: a _backward that passes out.grad on only where self.data > 0
        raise NotImplementedError("relu")

    # ------------------------------------------------------------ built from the others

    def __neg__(self):
        """-self."""
        # TODO: return self times -1
        raise NotImplementedError("__neg__")

    def __sub__(self, other):
        """self - other."""
        # TODO: return self plus the negation of other
        raise NotImplementedError("__sub__")

    def __truediv__(self, other):
        """self / other."""
        # TODO: return self times other to the power -1
        raise NotImplementedError("__truediv__")

    def __radd__(self, other):
        """other + self, where other is a plain number."""
        # TODO: addition commutes: reuse __add__
        raise NotImplementedError("__radd__")

    def __rmul__(self, other):
        """other * self, where other is a plain number."""
        # TODO: multiplication commutes: reuse __mul__
        raise NotImplementedError("__rmul__")

    def __rsub__(self, other):
        """other - self, where other is a plain number (mind the order)."""
        # TODO: return other + (−self)
        raise NotImplementedError("__rsub__")

    def __rtruediv__(self, other):
        """other / self, where other is a plain number (mind the order)."""
        # TODO: return other times self to the power -1
        raise NotImplementedError("__rtruediv__")

    # ------------------------------------------------------------ backpropagation

    def backward(self):
        """Fill in .grad of every node this value depends on (d self / d node)."""
        # TODO: a topological order: a depth-first search from self that appends a node
        #       after visiting all its children (node._prev), skipping visited nodes
        # TODO: self.grad = 1.0
        # TODO: call node._backward() for every node, in reverse topological order
        raise NotImplementedError("backward")
