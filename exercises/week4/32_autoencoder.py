"""Exercise 32 — a deep convolutional autoencoder.

PCA (exercise 31) is the best LINEAR autoencoder: codes = (x − mean) Vᵀ,
reconstruction = codes V + mean.  An autoencoder replaces both maps by neural
networks and trains them together to reproduce their input:

    encoder:  image (H, W, C)  →  code (code_size,)       a small summary
    decoder:  code (code_size,) →  image (H, W, C)         the image again
    loss:     mean squared error between decoder(encoder(x)) and x

The code is a bottleneck: with 8 numbers for 784 pixels the networks must
learn what Fashion-MNIST images have in common.  Being non-linear, a
convolutional autoencoder can do better than PCA with the same code size —
the check measures both.

A network that works well (for 28×28×1 images, code_size = 8):

    encoder                                          decoder
    keras.Input(shape=img_shape)       28×28×1       keras.Input(shape=(code_size,))
    Conv2D(16, 3, strides=2, "same", relu) 14×14×16  Dense(7·7·32, relu), Reshape((7, 7, 32))
    Conv2D(32, 3, strides=2, "same", relu)  7×7×32   Conv2DTranspose(16, 3, strides=2, "same", relu)  14×14×16
    Flatten, Dense(code_size)          the code      Conv2DTranspose(C, 3, strides=2, "same", sigmoid) 28×28×C

A strided convolution halves the height and width; a strided transposed
convolution (Conv2DTranspose) doubles them back.  The contract:

  * `build_autoencoder(img_shape, code_size)` returns a tuple
    `(encoder, decoder)` of two keras.Models (not compiled: the check compiles
    and trains them together).
  * encoder: input (None, H, W, C) → output (None, code_size).  No activation on
    the code.  decoder: input (None, code_size) → output (None, H, W, C).
  * Use the arguments: the checks build code sizes from 1 to 512 and also
    (32, 32, 3) colour images.  H and W are multiples of 4 (use H // 4, W // 4).
  * The pixels are in [0, 1]: end the decoder with a sigmoid, so that every
    output pixel is in [0, 1] too.
  * Both networks are convolutional (a Conv2D in the encoder, a Conv2D or
    Conv2DTranspose in the decoder); for code_size = 8 both together have at
    most 500 000 parameters.

How the hidden check trains it (you need not write this):

    keras.utils.set_random_seed(0)
    encoder, decoder = build_autoencoder((28, 28, 1), 8)
    x = keras.Input((28, 28, 1)); autoencoder = keras.Model(x, decoder(encoder(x)))
    autoencoder.compile(keras.optimizers.Adam(2e-3), "mse")
    autoencoder.fit(x_train[:4000], x_train[:4000], epochs=5, batch_size=64)

then it reconstructs the 2 000 test images and compares their mean squared
error with PCA's with 8 components, fitted on the same 4 000 images: the
autoencoder must have the smaller error.  The network above trains in about
15 s on two CPU cores; the check stops training after 60 s.
"""

import keras
from keras import layers  # noqa: F401 - for your code


def build_autoencoder(img_shape: tuple[int, int, int], code_size: int):
    """(encoder, decoder): images (N, H, W, C) → codes (N, code_size) → images (N, H, W, C) in [0, 1]."""
    H, W, C = img_shape
    # TODO: the encoder, keras.Sequential: keras.Input(shape=img_shape), two Conv2D with strides=2 and
    #       padding="same" (16 then 32 filters, relu), Flatten, Dense(code_size) with no activation
    # TODO: the decoder, keras.Sequential: keras.Input(shape=(code_size,)), Dense(H // 4 * (W // 4) * 32, relu),
    #       Reshape((H // 4, W // 4, 32)), Conv2DTranspose(16, 3, strides=2, padding="same", relu),
    #       Conv2DTranspose(C, 3, strides=2, padding="same", activation="sigmoid")
    # TODO: return encoder, decoder
    raise NotImplementedError("build_autoencoder")


if __name__ == "__main__":
    # Try it yourself: `python 32_autoencoder.py` trains as the check does, then `dlx show autoencoder` draws it.
    import numpy as np

    from checker.datasets import load_fashion_mnist

    (x_train, _), (x_test, _) = load_fashion_mnist()
    keras.utils.set_random_seed(0)
    encoder, decoder = build_autoencoder((28, 28, 1), 8)
    images = keras.Input((28, 28, 1))
    autoencoder = keras.Model(images, decoder(encoder(images)))
    autoencoder.compile(keras.optimizers.Adam(2e-3), "mse")
    autoencoder.fit(x_train[:4000], x_train[:4000], epochs=5, batch_size=64)
    print("test MSE:", float(np.mean((autoencoder.predict(x_test, verbose=0) - x_test) ** 2)))
