"""Hidden checks for exercise 20 (gradient_tape).

tf_gradients is held against gradients worked out by hand and computed here in
numpy (a dense layer with tanh, a product of variables); train_step against the
closed form of one SGD step on a linear model with the mean squared error
(∂L/∂W = 2/(N·M) · xᵀ(xW + b − y)).  The checks test behaviour, not code: a
trainable=False variable that gets no gradient was not watched, all gradients
None means f() or the loss ran outside the tape, a loss equal to the
inference-mode loss of a model with Dropout means training=True was left out.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from checker.testing import (
    assert_array,
    assert_close,
    assert_true,
    call_unchanged,
    fail,
    fmt,
    learner_isinstance,
    learner_side,
    rng,
    type_name,
)

OUTSIDE = (
    "every gradient is None: the value was computed outside the `with tf.GradientTape() as tape:` block, "
    "so the tape recorded nothing. Call f() inside the block."
)
UNWATCHED = (
    "the variable created with trainable=False got None: the tape only watches trainable variables on its own. "
    "Call tape.watch(v) for every variable, inside the block, before f()."
)
LOSS_OUTSIDE = (
    "the loss was computed outside the `with tf.GradientTape() as tape:` block, so the tape recorded nothing and "
    "every gradient is None (Keras then says 'No gradients provided for any variable'). Compute both "
    "predictions = model(x, training=True) and loss = loss_fn(y, predictions) inside the block."
)


# ---------------------------------------------------------------- tf_gradients
#
# The learner's tape can only see variables and a function of its own process: each
# problem is made there by a module-level helper (learner_side), from values chosen
# here, and the expected gradients are computed here from those same values.  f counts
# its calls by calling back a counter that lives here.


class _Calls:
    """A counter, called back by f every time the learner's code runs it."""

    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1


def _square(calls, x0):
    x = tf.Variable(x0, dtype=tf.float64)

    def f():
        calls()
        return x * x

    return f, [x]


def _dense_tanh(calls, x, W0, b0, s0):
    W, b, s = tf.Variable(W0), tf.Variable(b0), tf.Variable(s0, dtype=tf.float64)

    def f():  # s · Σ tanh(x W + b) + Σ W²
        calls()
        return s * tf.reduce_sum(tf.tanh(tf.constant(x) @ W + b)) + tf.reduce_sum(W * W)

    return f, [W, b, s]


def _with_frozen(calls, a0, b0):
    a = tf.Variable(a0, dtype=tf.float64)
    b = tf.Variable(b0, dtype=tf.float64, trainable=False)

    def f():
        calls()
        return a * tf.reduce_sum(b * b) + tf.reduce_sum(b)

    return f, [a, b]


def _sum_of_sines(calls, W0):
    W = tf.Variable(W0)

    def f():
        calls()
        return tf.reduce_sum(tf.sin(W))

    return f, [W]


def _dense(g):
    """An IndexedSlices gradient as a dense tensor (done where it was made)."""
    return tf.convert_to_tensor(g)


def _gradients(ex, problem, args, what, names, shapes, frozen=()):
    """The learner's tf_gradients on problem(calls, *args), made where its code runs: (gradients, calls to f)."""
    calls = _Calls()
    f, variables = learner_side(problem, calls, *args)
    result = ex.tf_gradients(f, variables)
    n = len(names)
    if result is None:
        fail(f"{what} returned None.\nDid you forget to return tape.gradient(value, variables)?")
    if tf.is_tensor(result) or isinstance(result, (np.ndarray, float, int)):
        fail(
            f"{what} returned a single {type_name(result)} ({fmt(np.asarray(result), max_chars=80)}), "
            f"expected a list of {n} gradients, one per variable.\n"
            "Pass the whole list to tape.gradient(value, variables): it then returns a list."
        )
    if not isinstance(result, (list, tuple)):
        fail(f"{what} returned {fmt(result, max_chars=120)}, expected a list of {n} gradients "
             f"(one per variable: {', '.join(names)}).")
    if len(result) != n:
        fail(f"{what} returned a list of {len(result)} gradient(s), expected {n}, one per variable "
             f"({', '.join(names)}), in that order: tape.gradient(value, variables) with the whole list.")
    nones = [name for name, g in zip(names, result) if g is None]
    if nones:
        if len(nones) == n:
            fail(f"{what}: {OUTSIDE}")
        if frozen and set(nones) <= set(frozen):
            fail(f"{what}: the gradient for {', '.join(nones)} is None.\nLikely mistake: {UNWATCHED}")
        fail(f"{what}: the gradient for {', '.join(nones)} is None.\nEvery variable f depends on must get its gradient.")
    grads = []
    for name, g, shape in zip(names, result, shapes):
        if learner_isinstance(g, tf.IndexedSlices):
            g = learner_side(_dense, g)  # where it lives: a proxy here, a plain call without a sandbox
        value = g.numpy() if tf.is_tensor(g) else g
        if isinstance(value, np.generic):  # the gradient of a 0-d variable
            value = np.asarray(value)
        grads.append(assert_array(value, what=f"{what}: the gradient for {name}", shape=shape))
    return grads, calls.count


def test_gradient_of_a_square(ex):
    """tf_gradients of f = x² at x = 3 is [6]"""
    (grad,), _ = _gradients(ex, _square, (3.0,), "tf_gradients(lambda: x * x, [x]) at x = 3", ["x"], [()])
    assert_close(
        grad,
        6.0,
        what="tf_gradients(lambda: x * x, [x]) at x = 3",
        mistakes={"you returned the value f() = 9, not its gradient: return tape.gradient(value, variables).": 9.0},
    )


def _dense_tanh_problem(seed, n, d, m):
    g = rng(seed)
    return g.normal(size=(n, d)), g.normal(size=(d, m)), g.normal(size=m), float(g.normal())


@pytest.mark.parametrize("n, d, m", [(4, 3, 2), (1, 5, 3), (6, 2, 4)])
def test_gradients_of_several_variables(ex, n, d, m):
    """gradients for a matrix, a vector and a scalar, in the order of the variables"""
    x, W0, b0, s0 = _dense_tanh_problem(n * 100 + d * 10 + m, n, d, m)
    what = f"tf_gradients(f, [W, b, s]) with f = s·Σ tanh(x @ W + b) + Σ W², W of shape {W0.shape}"
    (dW, db, ds), _ = _gradients(ex, _dense_tanh, (x, W0, b0, s0), what, ["W", "b", "s"], [W0.shape, b0.shape, ()])
    t = np.tanh(x @ W0 + b0)
    dz = s0 * (1 - t**2)
    assert_close(dW, x.T @ dz + 2 * W0, what=f"{what}: the gradient for W",
                 mistakes={"W appears twice in f and its two contributions add up: the term 2W is missing.": x.T @ dz})
    assert_close(db, dz.sum(axis=0), what=f"{what}: the gradient for b")
    assert_close(ds, t.sum(), what=f"{what}: the gradient for s")


def test_variables_created_with_trainable_false_get_gradients(ex):
    """a variable made with trainable=False gets its gradient too (it must be watched)"""
    what = "tf_gradients(f, [a, b]) with f = a·Σ b² + Σ b, a = 2, b = [1, -2] (b has trainable=False)"
    (da, db), _ = _gradients(ex, _with_frozen, (2.0, [1.0, -2.0]), what, ["a", "b"], [(), (2,)], frozen=["b"])
    assert_close(da, 5.0, what=f"{what}: the gradient for a")  # Σ b² = 1 + 4
    assert_close(db, [5.0, -7.0], what=f"{what}: the gradient for b")  # 2ab + 1


def test_the_tape_differentiates(ex):
    """the gradients come from the tape: f runs once, not once per entry"""
    W0 = rng(5).normal(size=(3, 4))
    (dW,), calls = _gradients(ex, _sum_of_sines, (W0,), "tf_gradients(lambda: Σ sin(W), [W])", ["W"], [W0.shape])
    assert_close(dW, np.cos(W0), what="tf_gradients(lambda: Σ sin(W), [W]) for W of shape (3, 4)")
    assert_true(
        calls <= 2,
        f"tf_gradients called f {calls} times for a variable of 12 entries: that looks like numerical differences.\n"
        "Run f() once inside a tf.GradientTape block and let tape.gradient differentiate it.",
    )


# ---------------------------------------------------------------- train_step
#
# The model, the optimizer and the loss are made where the learner's code runs (a
# Keras model of the judge could not be trained by the learner's tape): by the
# module-level helpers below and learner_side.  The weights come back by value,
# before and after the step, and are held against the closed form computed here.


def _step(ex, model, optimizer, loss_fn, x, y, what="train_step"):
    """The learner's loss as a float; x and y guarded, the classic errors named."""
    try:
        loss = call_unchanged(ex.train_step, model, optimizer, loss_fn, x, y, what=what,
                              names=["model", "optimizer", "loss_fn", "x", "y"])
    except ValueError as exc:
        if "No gradients provided" in str(exc):
            fail(f"{what} failed with: {exc}\nLikely mistake: {LOSS_OUTSIDE}")
        raise
    if loss is None:
        fail(f"{what} returned None.\nReturn the loss (the 0-d tensor loss_fn gave you), after applying the gradients.")
    if isinstance(loss, (list, tuple)):
        fail(f"{what} returned a {type_name(loss)} of {len(loss)} items, expected the loss, a 0-d tensor.\n"
             "Return the loss, not the gradients.")
    value = loss.numpy() if tf.is_tensor(loss) else loss
    value = np.asarray(value)
    if value.dtype.kind not in "fiu":
        fail(f"{what} returned {fmt(loss, max_chars=80)}, expected the loss, a 0-d tensor.")
    if value.size != 1:
        fail(f"{what} returned a tensor of shape {value.shape}, expected the loss, a single number (a 0-d tensor).\n"
             "Pass y and the predictions to loss_fn: a Keras loss averages over the batch for you.")
    return float(value.reshape(()))


def _tools(optimizer, lr, loss, **loss_kwargs):
    """An optimizer and a loss function, made where the learner's code runs."""
    return learner_side(optimizer, lr), learner_side(loss, **loss_kwargs)


def _linear_model(W, b):
    """Dense(m) on d inputs, holding the weights W and b (chosen by the check)."""
    model = keras.Sequential([keras.Input((W.shape[0],)), keras.layers.Dense(W.shape[1])])
    model.layers[0].set_weights([W, b])
    return model


def _linear_weights(seed, d, m):
    g = rng(seed)
    return (g.normal(size=(d, m)) / np.sqrt(d)).astype(np.float32), (0.05 * g.normal(size=m)).astype(np.float32)


def _linear_problem(seed, n, d, m):
    g = rng(seed)
    return g.normal(size=(n, d)).astype(np.float32), g.normal(size=(n, m)).astype(np.float32)


def _weights(layer):
    """A layer's weights, by value, as float64."""
    return [np.asarray(v, dtype=float) for v in layer.get_weights()]


@pytest.mark.parametrize("n, d, m", [(5, 3, 2), (1, 4, 1), (8, 2, 3)])
def test_train_step_returns_the_loss_before_the_update(ex, n, d, m):
    """train_step returns the batch's loss, computed before the weights move"""
    W0, b0 = _linear_weights(10 + n, d, m)
    model = learner_side(_linear_model, W0, b0)
    x, y = _linear_problem(20 + n, n, d, m)
    W, b = W0.astype(float), b0.astype(float)
    loss = _step(ex, model, *_tools(keras.optimizers.SGD, 0.1, keras.losses.MeanSquaredError), x, y)
    W1, b1 = _weights(model.layers[0])
    assert_close(
        loss,
        np.mean((x @ W + b - y) ** 2),
        what=f"the loss train_step returned (a linear model, mean squared error, x of shape {x.shape})",
        rtol=1e-4,
        atol=1e-6,
        mistakes={"you returned the loss after the update: return the loss computed inside the tape.":
                  np.mean((x @ W1 + b1 - y) ** 2)},
    )


@pytest.mark.parametrize("n, d, m", [(5, 3, 2), (1, 4, 1), (8, 2, 3)])
def test_train_step_moves_the_weights_against_the_gradient(ex, n, d, m):
    """one train_step with SGD(lr) gives W − lr · ∂L/∂W (closed form for a linear model)"""
    W0, b0 = _linear_weights(30 + n, d, m)
    model = learner_side(_linear_model, W0, b0)
    x, y = _linear_problem(40 + n, n, d, m)
    W, b = W0.astype(float), b0.astype(float)
    lr = 0.1
    _step(ex, model, *_tools(keras.optimizers.SGD, lr, keras.losses.MeanSquaredError), x, y)
    W1, b1 = _weights(model.layers[0])
    residual = x @ W + b - y  # L = mean(residual²) over all N·M entries
    dW, db = 2.0 / residual.size * x.T @ residual, 2.0 / residual.size * residual.sum(axis=0)
    ones = np.ones_like(residual)
    what = f"the kernel W after one train_step (linear model, mean squared error, SGD({lr}), x of shape {x.shape})"
    assert_close(
        W1,
        W - lr * dW,
        what=what,
        rtol=1e-4,
        atol=1e-6,
        mistakes={
            "the weights did not move: call optimizer.apply_gradients(zip(gradients, model.trainable_variables)).": W,
            "the gradient of the predictions was taken, not of the loss: tape.gradient(loss, ...).": W - lr * x.T @ ones,
        },
    )
    assert_close(b1, b - lr * db, what=what.replace("the kernel W", "the bias b"), rtol=1e-4, atol=1e-6,
                 mistakes={"the weights did not move: call optimizer.apply_gradients(...).": b})


def _dropout_model(seed):
    keras.utils.set_random_seed(seed)  # where the model lives: its weights and its dropout masks
    return keras.Sequential([
        keras.Input((10,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(3),
    ])


def test_train_step_runs_the_model_in_training_mode(ex):
    """the forward pass uses training=True (Dropout is active while training)"""
    model = learner_side(_dropout_model, 50)
    g = rng(51)
    x, y = g.normal(size=(16, 10)).astype(np.float32), g.integers(0, 3, size=16)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    logits = np.asarray(model(x, training=False), dtype=np.float32)  # the outputs by value; the loss is taken here
    inference = float(loss_fn(y, logits))
    optimizer, learner_loss_fn = _tools(keras.optimizers.SGD, 1e-3, keras.losses.SparseCategoricalCrossentropy,
                                        from_logits=True)
    loss = _step(ex, model, optimizer, learner_loss_fn, x, y)
    if np.isclose(loss, inference, rtol=1e-6, atol=1e-7):
        fail(
            f"On a model with Dropout(0.5), train_step returned the loss {loss:.6f}, exactly the loss of the model in "
            "inference mode (Dropout switched off).\n"
            "Likely mistake: training=True is missing. model(x) runs in inference mode, where Dropout does nothing; "
            "during a training step call model(x, training=True)."
        )


def _half_frozen_model(seed):
    keras.utils.set_random_seed(seed)
    frozen = keras.layers.Dense(4, activation="tanh", trainable=False)
    head = keras.layers.Dense(2)
    return keras.Sequential([keras.Input((3,)), frozen, head])


def test_only_trainable_variables_change(ex):
    """a frozen layer (trainable=False) keeps its weights; the others move"""
    model = learner_side(_half_frozen_model, 60)
    frozen, head = model.layers
    x, y = _linear_problem(61, 6, 3, 2)
    before = _weights(frozen), _weights(head)
    _step(ex, model, *_tools(keras.optimizers.SGD, 0.1, keras.losses.MeanSquaredError), x, y)
    if any(not np.array_equal(a, b) for a, b in zip(before[0], _weights(frozen))):
        fail("train_step changed the weights of a layer with trainable=False.\n"
             "Differentiate and update model.trainable_variables only (not model.weights or model.variables).")
    assert_true(
        any(not np.array_equal(a, b) for a, b in zip(before[1], _weights(head))),
        "train_step did not change the weights of the trainable layer.\n"
        "Call optimizer.apply_gradients(zip(gradients, model.trainable_variables)).",
    )


def _small_classifier(seed):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])


def test_the_loss_goes_down_over_a_few_steps(ex):
    """20 train_steps with Adam bring the loss of a small classifier down"""
    model = learner_side(_small_classifier, 70)
    g = rng(71)
    centres = g.normal(size=(3, 4)) * 2
    y = np.repeat(np.arange(3), 10)
    x = (centres[y] + g.normal(size=(30, 4))).astype(np.float32)
    optimizer, loss_fn = _tools(keras.optimizers.Adam, 0.05, keras.losses.SparseCategoricalCrossentropy,
                                from_logits=True)
    losses = [_step(ex, model, optimizer, loss_fn, x, y, what=f"train_step (step {k + 1})") for k in range(20)]
    if not np.all(np.isfinite(losses)) or not losses[-1] < 0.5 * losses[0]:
        fail(
            f"Over 20 train_steps (Adam(0.05), a Dense(16, relu) → Dense(3) classifier, 30 points of 3 separated "
            f"classes) the loss went {fmt(np.array(losses[:3]))} … {fmt(np.array(losses[-3:]))}; expected it to "
            "fall to half of the first step's loss at least."
            + ("\nThe loss never changed: are the gradients applied to the model's variables?"
               if np.allclose(losses, losses[0]) else "")
        )
