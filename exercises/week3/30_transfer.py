"""Exercise 30 — transfer learning: a new head on a pre-trained encoder.

Labels are expensive.  When a task has only a few labelled examples, start from
a network already trained on a related task, keep what it learned, and train
only a small new part on top.

The course ships such a network, an *encoder* trained on five Fashion-MNIST
classes (T-shirt/top, Trouser, Pullover, Dress, Coat).  It maps an image to 128
features:

    from checker.datasets import load_encoder
    base = load_encoder()             # a keras.Model, a fresh copy on every call

    layer      output       weights?
    image      28×28×1      no   (the input)
    conv1      26×26×32     yes  (Conv2D 3×3, ReLU)
    pool1      13×13×32     no   (MaxPooling2D)
    conv2      11×11×64     yes  (Conv2D 3×3, ReLU)
    pool2      5×5×64       no   (MaxPooling2D)
    conv3      3×3×128      yes  (Conv2D 3×3, ReLU)
    features   128          no   (GlobalAveragePooling2D)

It has never seen the other five classes (Sandal, Shirt, Sneaker, Bag, Ankle
boot).  Your model re-uses it for them:

    image → base (pre-trained, mostly frozen) → new head: Dense(n_classes) → class scores

`build_transfer_model(base, n_classes, n_trainable=0)` returns a compiled
`keras.Model` that

  * calls `base` itself on its input (features = base(inputs)), so that the
    pre-trained weights are used: do not copy or re-create the encoder
    (keras.models.clone_model would give fresh, random weights);
  * freezes base's layers (layer.trainable = False), except the LAST
    `n_trainable` layers THAT HAVE WEIGHTS (`layer.weights` not empty), which
    stay trainable and are fine-tuned.  Layers without weights (the input,
    pooling) do not count.  With this encoder:
        n_trainable = 0  →  conv1, conv2, conv3 frozen: only the head learns
        n_trainable = 1  →  conv3 trainable, conv1 and conv2 frozen
        n_trainable = 2  →  conv2 and conv3 trainable, conv1 frozen
        n_trainable = 3  →  all three trainable: the whole network is fine-tuned
    (0 ≤ n_trainable ≤ the number of layers with weights);
  * ends with a new, trainable head: ONE Dense(n_classes) layer on the 128
    features, e.g. Dense(n_classes, activation="softmax") (a Dropout before it
    is fine, a hidden layer is not: the checks compare encoders through the
    same linear classifier);
  * takes images of base's input shape, (None, 28, 28, 1), and gives
    (None, n_classes);
  * is compiled for integer labels, as in exercise 28: the sparse categorical
    cross-entropy, taking probabilities after a softmax (or logits with
    from_logits=True).  Adam with learning rate 1e-2 suits a head on frozen
    features; fine-tuning (n_trainable > 0) is gentler with 1e-3, so that the
    pre-trained weights are adjusted rather than overwritten.

How the hidden checks use it:
  * frozen layers stay frozen: after training, their weights are bit for bit
    the ones loaded, while the n_trainable layers and the head have moved;
  * with few labels, transfer wins: your model (n_trainable = 0) is trained on
    20 labelled images of each of the five new classes (labels 0–4 for
    Sandal … Ankle boot) for 20 epochs with batch size 10, then scored on the
    1 000 test images of those classes.  The same is done with your function
    applied to a freshly initialised copy of the encoder
    (keras.models.clone_model(base): same architecture, random weights, same
    frozen layers, head and training).  Averaged over 3 random draws of the
    labelled images, your transfer model must be at least 0.02 more accurate;
    the reference wins by about 0.08 to 0.14.
"""

import keras
from keras import layers  # noqa: F401 - for your code


def build_transfer_model(base: keras.Model, n_classes: int, n_trainable: int = 0) -> keras.Model:
    """A compiled model: the encoder `base` (frozen but for its last n_trainable weighted layers) + a new head."""
    # TODO: the layers of base that have weights: [layer for layer in base.layers if layer.weights]
    # TODO: freeze every layer of base, then make the last n_trainable weighted layers trainable again
    # TODO: inputs = keras.Input(shape=base.input_shape[1:]); features = base(inputs)
    # TODO: the new head: Dense(n_classes, activation="softmax") on the features; keras.Model(inputs, outputs)
    # TODO: compile (Adam, sparse categorical cross-entropy, metrics=["accuracy"]) and return the model
    raise NotImplementedError("build_transfer_model")


if __name__ == "__main__":
    # Try it yourself: transfer vs. the same model on a freshly initialised encoder, 20 labels per class.
    import numpy as np

    from checker.datasets import load_fashion_mnist
    from checker.datasets import NEW_CLASSES, load_encoder

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    rng = np.random.default_rng(0)
    few = np.concatenate([rng.choice(np.flatnonzero(y_train == c), 20, replace=False) for c in NEW_CLASSES])
    test = np.isin(y_test, NEW_CLASSES)
    for name, base in [("pre-trained", load_encoder()), ("from scratch", keras.models.clone_model(load_encoder()))]:
        keras.utils.set_random_seed(0)
        model = build_transfer_model(base, len(NEW_CLASSES))
        model.fit(x_train[few], y_train[few] - 5, epochs=20, batch_size=10, verbose=0)
        print(name, "test accuracy:", model.evaluate(x_test[test], y_test[test] - 5, verbose=0)[1])
