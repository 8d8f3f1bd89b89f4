"""The process that draws what a learner's week-4 code makes: `python -I -m checker.training.pictures FILE EXERCISE OUT.npz`.

Autoencoders, denoising, retrieval, morphing and GANs are judged by eye as much
as by number.  This process imports the learner's file, runs their functions
for a few seconds with fixed seeds (a small model trained here where the
exercise needs one), and writes the images as plain float arrays to an .npz
file, one array per row of the picture.  dlx reads it back without pickle and
draws it (checker.ui.images).  Nothing here is a verdict: the checks give that.
"""

from __future__ import annotations

import sys

# What each exercise draws, row by row, top to bottom, and the line under the picture.
ROWS = {
    "autoencoder": ("originals", "reconstructions"),
    "denoising": ("noisy", "denoised", "clean"),
    "retrieval": ("query_1", "query_2", "query_3", "query_4"),
    "morphing": ("codes_1", "pixels_1", "codes_2", "pixels_2"),
    "gan_train": ("early", "late"),
}
CAPTIONS = {
    "autoencoder": "top: one test image of each of the 10 classes; below: decoder(encoder(image)), code size 8, "
                   "after 3 epochs on 3 000 images",
    "denoising": "top: noisy (sigma 0.4); middle: denoised by your autoencoder; bottom: the clean images",
    "retrieval": "each row: a test image, then the 5 of 3 000 training images your nearest_neighbours finds "
                 "nearest to it, nearest first, on the codes of the course's pre-trained encoder",
    "morphing": "rows 1 and 3: decoder(interpolate_codes(code of the left image, code of the right one, 8)) with a "
                "small autoencoder trained here; rows 2 and 4: the two images blended pixel by pixel, for comparison",
    "gan_train": "the ring of 8 Gaussians (grey) and 1 000 samples of your generator (red), after 0 and 250 steps "
                 "(top), 500 and 1000 steps (bottom)",
}
UNALIGNED = {"retrieval"}  # rows that stand alone (a query and its neighbours), not columns that belong together
RETRIEVAL_QUERIES = (0, 3, 7, 9)  # T-shirt/top, Dress, Sneaker, Ankle boot
MORPH_PAIRS = ((7, 9), (1, 3))  # Sneaker to Ankle boot, Trouser to Dress: the first image of each class in the test set


def _load(path: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location("learner_exercise", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["learner_exercise"] = module
    spec.loader.exec_module(module)
    return module


def _train_autoencoder(build, x_train, y_train, epochs=3):
    import keras

    keras.utils.set_random_seed(0)
    encoder, decoder = build((28, 28, 1), 8 if build.__name__ == "build_autoencoder" else 32)
    images = keras.Input((28, 28, 1))
    autoencoder = keras.Model(images, decoder(encoder(images)))
    autoencoder.compile(keras.optimizers.Adam(2e-3), "mse")
    autoencoder.fit(x_train, y_train, epochs=epochs, batch_size=64, verbose=2)
    return autoencoder


def _small_autoencoder(x_train, code_size=16, epochs=4):
    """A dense autoencoder trained here (morphing asks only for the path between codes, not for a model)."""
    import keras

    keras.utils.set_random_seed(0)
    encoder = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                keras.layers.Dense(256, activation="relu"), keras.layers.Dense(code_size)])
    decoder = keras.Sequential([keras.Input((code_size,)), keras.layers.Dense(256, activation="relu"),
                                keras.layers.Dense(28 * 28, activation="sigmoid"), keras.layers.Reshape((28, 28, 1))])
    images = keras.Input((28, 28, 1))
    model = keras.Model(images, decoder(encoder(images)))
    model.compile(keras.optimizers.Adam(2e-3), "mse")
    model.fit(x_train, x_train, epochs=epochs, batch_size=64, verbose=2)
    return encoder, decoder


def _first_of_each_class(labels, classes):
    import numpy as np

    return np.array([np.flatnonzero(labels == k)[0] for k in classes])


def _pictures(module, name: str) -> dict:
    import numpy as np

    from checker.datasets import load_fashion_mnist

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    picks = _first_of_each_class(y_test, range(10))
    if name == "autoencoder":
        model = _train_autoencoder(module.build_autoencoder, x_train[:3000], x_train[:3000])
        return {"originals": x_test[picks], "reconstructions": np.asarray(model.predict(x_test[picks], verbose=0))}
    if name == "denoising":
        g = np.random.default_rng(0)
        noisy_train = module.add_gaussian_noise(x_train[:3000], 0.4, g)
        model = _train_autoencoder(module.build_denoising_autoencoder, noisy_train, x_train[:3000])
        noisy = module.add_gaussian_noise(x_test[picks], 0.4, g)
        return {"noisy": noisy, "denoised": np.asarray(model.predict(noisy, verbose=0)), "clean": x_test[picks]}
    if name == "retrieval":
        return _retrieval(module.nearest_neighbours, x_train[:3000], x_test, y_test)
    if name == "morphing":
        return _morphing(module.interpolate_codes, x_train[:6000], x_test, y_test)
    if name == "gan_train":
        snapshots = _gan_snapshots(module.gan_train_step)
        return {"early": snapshots[:2], "late": snapshots[2:]}
    raise ValueError(name)


def _retrieval(nearest_neighbours, gallery, x_test, y_test) -> dict:
    import numpy as np

    from checker.datasets import load_encoder

    encoder = load_encoder()
    codes = np.asarray(encoder.predict(gallery, batch_size=500, verbose=0), dtype=np.float64)
    queries = x_test[_first_of_each_class(y_test, RETRIEVAL_QUERIES)]
    query_codes = np.asarray(encoder.predict(queries, verbose=0), dtype=np.float64)
    rows = {}
    for number, (query, code) in enumerate(zip(queries, query_codes), start=1):
        found = np.asarray(nearest_neighbours(codes, code, 5)).reshape(-1)[:5].astype(int)
        rows[f"query_{number}"] = np.concatenate([query[None], gallery[found]])
    return rows


def _morphing(interpolate_codes, x_train, x_test, y_test) -> dict:
    import numpy as np

    encoder, decoder = _small_autoencoder(x_train)
    rows = {}
    for number, (first, last) in enumerate(MORPH_PAIRS, start=1):
        a, b = x_test[_first_of_each_class(y_test, (first, last))]
        code_a, code_b = np.asarray(encoder.predict(np.stack([a, b]), verbose=0), dtype=np.float64)
        path = np.asarray(interpolate_codes(code_a, code_b, 8), dtype=np.float32)
        decoded = np.asarray(decoder.predict(path, verbose=0))
        rows[f"codes_{number}"] = np.stack([a, *decoded[1:-1], b])
        rows[f"pixels_{number}"] = np.stack([(1 - t) * a + t * b for t in np.linspace(0, 1, 8)])
    return rows


def _gan_snapshots(step_fn):
    import keras
    import numpy as np
    import tensorflow as tf

    from checker.ui.images import scatter

    keras.utils.set_random_seed(0)
    noise_dim = 4

    def mlp(inputs, outputs):
        return keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(64, activation="relu"),
                                 keras.layers.Dense(64, activation="relu"), keras.layers.Dense(outputs)])

    generator, discriminator = mlp(noise_dim, 2), mlp(2, 1)
    g_opt, d_opt = keras.optimizers.Adam(3e-3, beta_1=0.5), keras.optimizers.Adam(3e-3, beta_1=0.5)
    g_opt.build(generator.trainable_variables)
    d_opt.build(discriminator.trainable_variables)
    step = tf.function(step_fn)
    angles = np.arange(8) * 2 * np.pi / 8
    centres = 2 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    g = np.random.default_rng(0)
    shown = (centres[g.integers(0, 8, 1000)] + 0.05 * g.standard_normal((1000, 2)))
    noise = g.standard_normal((1000, noise_dim)).astype(np.float32)
    snapshots = []
    for k in range(1001):
        if k in (0, 250, 500, 1000):
            samples = np.asarray(generator(noise, training=False))
            snapshots.append(scatter([(shown, (150, 150, 150)), (samples, (230, 60, 60))], size=40))
            print(f"step {k}", file=sys.stderr)
        if k < 1000:
            real = (centres[g.integers(0, 8, 128)] + 0.05 * g.standard_normal((128, 2))).astype(np.float32)
            step(generator, discriminator, g_opt, d_opt, real, noise_dim)
    return np.stack(snapshots)


def main(argv: list[str]) -> int:
    import numpy as np

    from checker.engine.warmup import quiet_descriptors

    path, name, out = argv
    with quiet_descriptors():  # TensorFlow's start-up log is not the learner's output
        __import__("tensorflow")
    module = _load(path)
    arrays = {key: np.asarray(value, dtype=np.float32) for key, value in _pictures(module, name).items()}
    np.savez(out, **arrays)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
