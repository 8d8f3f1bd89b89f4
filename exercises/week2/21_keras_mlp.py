"""Exercise 21 — a Keras MLP for Fashion-MNIST.

Exercise 19's network took a page of numpy; in Keras it takes a few lines, and
model.fit runs exercise 20's training step for you.

build_mlp(input_shape, n_classes) returns a COMPILED keras.Model:

    input_shape   the shape of ONE example, without the batch axis: (28, 28, 1)
                  for Fashion-MNIST's grayscale images (NHWC, values in [0, 1])
    n_classes     the number of classes (10 for Fashion-MNIST)

    the model maps a batch (N, *input_shape) to one score per class, (N, n_classes):
        keras.Input(shape=input_shape)
        keras.layers.Flatten()                      (N, 28, 28, 1) → (N, 784)
        one or more hidden keras.layers.Dense(units, activation="relu")
        (optionally keras.layers.Dropout(rate) after a hidden layer: it fights overfitting)
        keras.layers.Dense(n_classes)               the output layer

    compiled with  model.compile(optimizer=..., loss=..., metrics=["accuracy"])
        the labels are integer class ids (not one-hot vectors), so the loss is
        keras.losses.SparseCategoricalCrossentropy; Adam (keras.optimizers.Adam,
        learning rate 1e-3) trains an MLP well.

Logits or probabilities?  The output layer and the loss must agree:
  * Dense(n_classes) with no activation outputs LOGITS (any real numbers).  Then
    use SparseCategoricalCrossentropy(from_logits=True): the loss applies
    log-softmax itself, with the max-subtraction trick of exercise 17, so it is
    numerically stable.  This is the recommended choice.
  * Dense(n_classes, activation="softmax") outputs PROBABILITIES.  Then use
    from_logits=False (the default).  It works, but the loss must take the log of
    probabilities that can round to 0, which Keras patches by clipping.
  Mixing the two is a classic bug: softmax output with from_logits=True applies
  softmax twice (the loss barely moves and learning crawls); logits with
  from_logits=False treats scores as probabilities (the loss is meaningless).
  Either way the predicted class is the argmax of the outputs.

The hidden checks build your model, train it with
    model.fit(x_train, y_train, epochs=20, batch_size=128)
on the course's Fashion-MNIST subset (10 000 training images), with fixed seeds
and a 30-second budget, and expect at least 84% accuracy on the 2 000 test
images.  A model with one hidden layer of a few hundred units and some dropout
gets there in a few seconds; a model with millions of parameters will not fit
the budget (the checks allow at most 2 000 000).

With a constant learning rate the test accuracy still jitters from epoch to
epoch at the end of training (by about ±1%).  Letting the learning rate decay
makes the final model steadier: Adam accepts a schedule in place of a number,
    keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, decay_steps, alpha=0.1))
where decay_steps counts batches: 20 epochs of 79 batches (10 000 / 128) here.
Try it: run this file.
"""

import keras


def build_mlp(input_shape: tuple, n_classes: int) -> keras.Model:
    """A compiled MLP classifier: (N, *input_shape) images → (N, n_classes) scores."""
    # TODO: model = keras.Sequential([...]) starting with keras.Input(shape=input_shape) and Flatten()
    # TODO: a hidden Dense layer with ReLU (e.g. 256 units), optionally followed by Dropout
    # TODO: the output layer, Dense(n_classes): logits
    # TODO: model.compile(optimizer=..., loss=SparseCategoricalCrossentropy(from_logits=...), metrics=["accuracy"])
    # TODO: return model
    raise NotImplementedError("build_mlp")


if __name__ == "__main__":
    import numpy as np

    from checker.datasets import load_fashion_mnist

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    keras.utils.set_random_seed(0)
    model = build_mlp(x_train.shape[1:], 10)
    model.summary()
    model.fit(x_train, y_train, epochs=20, batch_size=128, validation_data=(x_test, y_test), verbose=2)
    accuracy = np.mean(np.argmax(model.predict(x_test, verbose=0), axis=1) == y_test)
    print(f"test accuracy {accuracy:.3f}")
