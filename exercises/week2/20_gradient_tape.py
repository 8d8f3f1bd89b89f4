"""Exercise 20 — automatic differentiation with tf.GradientTape, and a custom training step.

In exercise 13 you built an autodiff engine; TensorFlow has one too.  Inside a
`with tf.GradientTape() as tape:` block, TensorFlow records every operation on
the variables it watches; afterwards tape.gradient(target, sources) walks that
record backwards and returns ∂target/∂source for each source:

    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x                     # recorded: computed INSIDE the block
    tape.gradient(y, [x])             # → [6.0]

Three rules decide whether the tape can answer:
  * The target must be computed inside the block.  A value computed before the
    `with` (or after it) was not recorded, and its gradient comes back None.
  * The tape watches trainable tf.Variables on its own.  A tf.Variable created
    with trainable=False, or a plain tensor, is only watched after
    tape.watch(v) (called inside the block, before the computation).
  * A variable the target does not depend on gets None, not zeros.

1. tf_gradients(f, variables)
    f           a Python function without arguments that returns a scalar
                tf.Tensor computed from the variables
    variables   a list of tf.Variable; some may have trainable=False, and every
                one of them must get its gradient (watch them all)
    returns     a list of tf.Tensor, the gradients ∂f()/∂v in the order of
                `variables`, each of the shape of its variable.
    Call f() inside the tape's block (once is enough).

2. train_step(model, optimizer, loss_fn, x, y) — one step of gradient descent,
   the loop that model.fit runs for you, written out:
    with a tape:   predictions = model(x, training=True)
                   loss = loss_fn(y, predictions)        Keras' order: (y_true, y_pred)
    gradients of the loss with respect to model.trainable_variables
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    returns     the loss, a 0-d tf.Tensor: the value computed before the update.

   training=True matters: layers such as Dropout (and BatchNormalization)
   behave differently while training; model(x) alone runs them in inference mode.
   Only model.trainable_variables are updated: frozen layers stay as they are.
   x and y may be numpy arrays; do not modify them.
"""

import tensorflow as tf  # noqa: F401 - your code will use it


def tf_gradients(f, variables: list) -> list:
    """The gradients of the scalar f() with respect to each variable, in order."""
    # TODO: open a tf.GradientTape() block; inside it, watch every variable (tape.watch)
    # TODO: still inside the block: value = f()
    # TODO: after the block: return tape.gradient(value, variables), a list
    raise NotImplementedError("tf_gradients")


def train_step(model, optimizer, loss_fn, x, y):
    """One optimizer step on the batch (x, y); returns the loss before the step (0-d tensor)."""
    # TODO: inside a tf.GradientTape() block: predictions = model(x, training=True)
    # TODO: still inside: loss = loss_fn(y, predictions)
    # TODO: gradients = tape.gradient(loss, model.trainable_variables)
    # TODO: optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    # TODO: return loss
    raise NotImplementedError("train_step")
