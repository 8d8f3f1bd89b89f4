"""`dlx show EXERCISE`: run the learner's own functions briefly and draw what they make.

Autoencoders, denoising and GANs are judged by eye as much as by number.  The
pictures are never a verdict (`dlx run` gives that): they show the learner
what their code does.  Their code runs in a separate process of dlx's Python
(`python -I -c WORKER FILE EXERCISE OUT.npz`), which imports their
file, trains a small model for a few seconds with fixed seeds, and writes the
images as plain arrays to an .npz file; dlx reads it back without pickle and
draws it (checker.ui.images), in the terminal and as a PNG under
`.dlx/pictures/`.  A crash, an endless loop or a print in their code stays in
that process: dlx shows what it said and stops it after a time limit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from checker.cli import _Context, cli, exercise_named, pass_ctx

WORKER = "import sys; from checker.cli.show import _main; sys.exit(_main(sys.argv[1:]))"
TIME_LIMIT = 300.0  # seconds for the whole run of the learner's code
ROWS = {  # what each exercise draws, row by row, top to bottom
    "autoencoder": ("originals", "reconstructions"),
    "denoising": ("noisy", "denoised", "clean"),
    "gan_train": ("early", "late"),
}
CAPTIONS = {
    "autoencoder": "top: one test image of each of the 10 classes; below: decoder(encoder(image)), code size 8, after 3 epochs on 3 000 images",
    "denoising": "top: noisy (sigma 0.4); middle: denoised by your autoencoder; bottom: the clean images",
    "gan_train": "the ring of 8 Gaussians (grey) and 1 000 samples of your generator (red), after 0 and 250 steps (top), 500 and 1000 steps (bottom)",
}


@cli.command()
@click.argument("name", metavar="EXERCISE")
@pass_ctx
def show(context: _Context, name: str) -> None:
    """Draw what your code makes: autoencoder, denoising, gan_train.

    Trains a small model with your functions for a few seconds, then draws the
    pictures in the terminal and saves them as a PNG under .dlx/pictures/.
    """
    from checker.ui import console as ui_console
    from checker.ui import images

    course = context.course
    exercise = exercise_named(course, name)
    if exercise.name not in ROWS:
        raise click.ClickException(f"`dlx show` draws {', '.join(sorted(ROWS))}; {exercise.name} has no pictures.")
    target = course.workspace.path_of(exercise)
    console = ui_console.make_console()
    console.print(f"Running your {exercise.file} for {exercise.name} (a few seconds of training)…")
    with tempfile.TemporaryDirectory(prefix="dlx-show-") as folder:
        out = Path(folder) / "pictures.npz"
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        try:
            done = subprocess.run([sys.executable, "-I", "-c", WORKER, str(target), exercise.name, str(out)],
                                  env=env, capture_output=True, text=True, timeout=TIME_LIMIT, cwd=folder)
        except subprocess.TimeoutExpired:
            raise click.ClickException(f"Your code ran for more than {TIME_LIMIT:.0f} s; stopped.") from None
        if done.returncode != 0 or not out.is_file():
            said = ui_console.sanitize((done.stderr or "").strip()[-2000:])
            raise click.ClickException(f"Your code could not make the pictures:\n{said}\n"
                                       f"`dlx run {exercise.name}` says what is wrong.")
        with np_load(out) as arrays:
            rows = [list(arrays[row]) for row in ROWS[exercise.name]]
    png = course.workspace.state_dir / "pictures" / f"{exercise.name}.png"
    images.show(console, rows, png=png, caption=CAPTIONS[exercise.name])


def np_load(path: Path):
    import numpy as np

    return np.load(path, allow_pickle=False)


# ---------------------------------------------------------------- the process that runs the learner's code


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


def _pictures(module, name: str) -> dict:
    import numpy as np

    from checker.datasets import load_fashion_mnist

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    picks = np.array([np.flatnonzero(y_test == k)[0] for k in range(10)])  # one test image of each class
    if name == "autoencoder":
        model = _train_autoencoder(module.build_autoencoder, x_train[:3000], x_train[:3000])
        return {"originals": x_test[picks], "reconstructions": np.asarray(model.predict(x_test[picks], verbose=0))}
    if name == "denoising":
        g = np.random.default_rng(0)
        noisy_train = module.add_gaussian_noise(x_train[:3000], 0.4, g)
        model = _train_autoencoder(module.build_denoising_autoencoder, noisy_train, x_train[:3000])
        noisy = module.add_gaussian_noise(x_test[picks], 0.4, g)
        return {"noisy": noisy, "denoised": np.asarray(model.predict(noisy, verbose=0)), "clean": x_test[picks]}
    if name == "gan_train":
        snapshots = _gan_snapshots(module.gan_train_step)
        return {"early": snapshots[:2], "late": snapshots[2:]}
    raise ValueError(name)


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


def _main(argv: list[str]) -> int:
    import numpy as np

    path, name, out = argv
    module = _load(path)
    arrays = {key: np.asarray(value, dtype=np.float32) for key, value in _pictures(module, name).items()}
    np.savez(out, **arrays)
    return 0
