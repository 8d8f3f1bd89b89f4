"""Exercise 32 (autoencoder): the check's PCA baseline equals PCA done another way, the
reference solution beats it on several seeds within the time budget, another correct
architecture (functional API, upsampling instead of transposed convolutions) passes
through the engine, and typical mistakes are caught and named."""

import keras
import numpy as np
import pytest

from tests.helpers import load_check, mutate, run_source, solution

sol = solution("autoencoder")
checks = load_check("autoencoder")
pca = solution("pca")  # exercise 31's reference: an SVD of the centred data itself, not of its covariance


def test_the_pca_baseline_equals_an_svd_of_the_data():
    x_train, x_test = checks._data()
    mean, components = pca.pca_fit(x_train.reshape(len(x_train), -1).astype(np.float64), checks.CODE)
    flat = x_test.reshape(len(x_test), -1).astype(np.float64)
    rebuilt = pca.pca_decode(pca.pca_encode(flat, mean, components), mean, components)
    assert checks.pca_error(x_train, x_test, checks.CODE) == pytest.approx(np.mean((rebuilt - flat) ** 2), rel=1e-9)


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


@pytest.mark.parametrize("seed", [1, 2])
def test_reference_beats_pca_on_other_seeds(seed):
    error, baseline, seconds = checks.train_and_score(sol.build_autoencoder, seed=seed)
    assert error < 0.97 * baseline, (error, baseline)
    assert seconds < checks.TIME_BUDGET, seconds  # loose: the machine running the tests may be shared


OTHER = '''
import keras
from keras import layers


def build_autoencoder(img_shape, code_size):
    H, W, C = img_shape
    x = keras.Input(img_shape)
    h = layers.Conv2D(24, 3, padding="same", activation="elu")(x)
    h = layers.MaxPooling2D(2)(h)
    h = layers.Conv2D(32, 3, padding="same", activation="elu")(h)
    h = layers.MaxPooling2D(2)(h)
    encoder = keras.Model(x, layers.Dense(code_size)(layers.Flatten()(h)))
    z = keras.Input((code_size,))
    h = layers.Reshape((H // 4, W // 4, 32))(layers.Dense(H // 4 * (W // 4) * 32, activation="elu")(z))
    h = layers.Conv2D(24, 3, padding="same", activation="elu")(layers.UpSampling2D(2)(h))
    out = layers.Conv2D(C, 3, padding="same", activation="sigmoid")(layers.UpSampling2D(2)(h))
    return encoder, keras.Model(z, out)
'''


def test_another_architecture_passes_through_the_engine(tmp_path):
    verdict = run_source("autoencoder", OTHER, tmp_path)
    assert verdict.status == "passed", verdict.message


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("layers.Dense(code_size),", "layers.Dense(8),", "the code size is hard-coded"),
        ('padding="same", activation="sigmoid"', 'padding="same"', 'End the decoder with activation="sigmoid"'),
        ("layers.Conv2DTranspose(C, 3", "layers.Conv2DTranspose(1, 3", "the number of channels is fixed"),
        ("            layers.Flatten(),\n", "", "were not flattened"),
        ("    return encoder, decoder", "    return keras.Sequential([encoder, decoder])", "expected a tuple (encoder"),
    ],
    ids=["fixed-code-size", "no-sigmoid", "fixed-channels", "no-flatten", "one-model"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("autoencoder", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message


def test_a_code_squashed_by_an_activation_does_not_beat_pca():
    """A code through a sigmoid of 1 unit hardly carries anything: the training check fails it, with figures."""
    def squashed(img_shape, code_size):
        encoder, decoder = sol.build_autoencoder(img_shape, 1)
        return (keras.Sequential([encoder, keras.layers.Dense(code_size, activation="sigmoid", trainable=False)]),
                decoder_of(decoder, code_size, img_shape))

    def decoder_of(decoder, code_size, img_shape):
        z = keras.Input((code_size,))
        return keras.Model(z, decoder(keras.layers.Dense(1)(z)))

    error, baseline, _ = checks.train_and_score(squashed, seed=0)
    assert error > baseline
