"""Exercise 51 (image_features): the solution against Keras' own batching (model.predict with the
same batch size, and one big call), on the shipped scene encoder; typical mistakes injected into
the solution and named through the engine; a correct variant written another way passes."""

import numpy as np
import pytest

from checker.datasets import load_caption_scenes, load_scene_encoder
from tests.helpers import mutate, run_source, solution

sol = solution("image_features")


@pytest.mark.parametrize("batch_size", [1, 7, 32, 100])
def test_equals_keras_predict(batch_size):
    images, _ = load_caption_scenes(split="test")
    images = images[:45]
    encoder = load_scene_encoder()
    got = sol.extract_features(encoder, images, batch_size)
    assert got.dtype == np.float32 and got.shape == (45, 128)
    np.testing.assert_allclose(got, encoder.predict(images, batch_size=batch_size, verbose=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, np.asarray(encoder(images, training=False)), rtol=1e-4, atol=1e-5)


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


MISTAKES = {
    "last-batch-dropped": ("range(0, len(images), batch_size)", "range(0, len(images) - batch_size + 1, batch_size)",
                           "the last, shorter batch"),
    "training-mode": ("training=False", "training=True", "training mode"),
    "one-call": ("images[start:start + batch_size], training=False))\n             for start in range(0, len(images), batch_size)",
                 "images, training=False))\n             for start in range(0, 1)", "in one call"),
}


@pytest.mark.parametrize("key", MISTAKES)
def test_typical_mistakes_are_named(tmp_path, key):
    old, new, text = MISTAKES[key]
    verdict = mutate("image_features", tmp_path, old, new)
    assert verdict.status == "failed"
    messages = [c.message for c in verdict.checks if not c.passed]
    assert any(text in m for m in messages), messages


ALTERNATIVE = '''
import numpy as np


def extract_features(encoder, images, batch_size):
    out, start = [], 0
    while start < images.shape[0]:
        out.append(encoder(images[start:start + batch_size]).numpy())
        start += batch_size
    return np.vstack(out).astype("float32")
'''


def test_a_while_loop_with_vstack_passes(tmp_path):
    verdict = run_source("image_features", ALTERNATIVE, tmp_path)
    assert verdict.status == "passed", verdict.message
