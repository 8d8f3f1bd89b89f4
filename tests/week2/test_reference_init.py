"""Exercise 18 (init): the reference solution's statistics against Keras'
initializers, the hidden checks against Keras itself (its untruncated normal
passes them, its truncated GlorotNormal / HeNormal is named), and typical
mistakes caught with the message that names them.

Keras' GlorotNormal and HeNormal draw from a TRUNCATED normal (rescaled so that
the variance is unchanged), so the distribution is compared with
VarianceScaling(..., distribution="untruncated_normal"), and only the variance
with GlorotNormal / HeNormal.
"""

import math
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from checker.course.catalog import CHECKS_DIR
from checker.testing import CheckFailure
from tests.helpers import load_module, mutate, solution

sol = solution("init")
checks = load_module(CHECKS_DIR / "week2" / "test_init.py")
SHAPES = [(400, 100), (100, 400), (784, 64)]
# name: (scale, mode) of keras.initializers.VarianceScaling, and the truncated Keras initializer
KERAS = {
    "xavier_init": (1.0, "fan_avg", keras.initializers.GlorotNormal),
    "he_init": (2.0, "fan_in", keras.initializers.HeNormal),
}


def _keras_init(name, truncated=False):
    """A learner-style init function (fan_in, fan_out, rng) backed by a Keras initializer."""
    scale, mode, cls = KERAS[name]

    def init(fan_in, fan_out, rng):
        seed = int(rng.integers(2**31 - 1))
        make = cls(seed=seed) if truncated else keras.initializers.VarianceScaling(
            scale=scale, mode=mode, distribution="untruncated_normal", seed=seed)
        return np.asarray(keras.ops.convert_to_numpy(make((fan_in, fan_out))), dtype=np.float64)

    return init


def _tail(W):
    z = (W - W.mean()) / W.std()
    return float(np.mean(np.abs(z) > 2)), float(np.abs(z).max())


@pytest.mark.parametrize("name", list(KERAS))
@pytest.mark.parametrize("fan_in, fan_out", SHAPES)
def test_statistics_equal_keras(name, fan_in, fan_out):
    W = getattr(sol, name)(fan_in, fan_out, np.random.default_rng(fan_in))
    untruncated = _keras_init(name)(fan_in, fan_out, np.random.default_rng(1))
    truncated = _keras_init(name, truncated=True)(fan_in, fan_out, np.random.default_rng(2))
    assert W.shape == untruncated.shape == (fan_in, fan_out) and W.dtype == np.float64
    tolerance = 6 / math.sqrt(2 * W.size)  # relative, for a sample standard deviation
    for other in (untruncated, truncated):  # the same variance, truncated or not
        assert W.std() / other.std() == pytest.approx(1.0, abs=2 * tolerance)
    assert abs(W.mean()) < 6 * W.std() / math.sqrt(W.size)
    # the same shape of distribution as Keras' untruncated normal, not as its truncated one
    (tail, largest), (k_tail, k_largest), (_, t_largest) = map(_tail, (W, untruncated, truncated))
    assert tail == pytest.approx(k_tail, abs=0.006) and largest > 3.5 and k_largest > 3.5
    assert t_largest < 2.5


@pytest.mark.parametrize("name", list(KERAS))
def test_checks_accept_keras_untruncated_normal(name):
    """The hidden statistical checks pass an independent correct implementation."""
    ex = SimpleNamespace(**{name: _keras_init(name)})
    for fan_in, fan_out in SHAPES:
        checks.test_mean_and_std(ex, name, fan_in, fan_out)
    checks.test_distribution_is_normal(ex, name)
    checks.test_reproducible_with_the_rng(ex, name)


@pytest.mark.parametrize("name", list(KERAS))
def test_checks_name_keras_truncated_normal(name):
    ex = SimpleNamespace(**{name: _keras_init(name, truncated=True)})
    for fan_in, fan_out in SHAPES:
        checks.test_mean_and_std(ex, name, fan_in, fan_out)  # the variance is right...
    with pytest.raises(CheckFailure, match="truncated normal"):
        checks.test_distribution_is_normal(ex, name)  # ...the distribution is not


def test_variance_as_std_is_named(tmp_path):
    verdict = mutate("init", tmp_path, "std = np.sqrt(2.0 / (fan_in + fan_out))", "std = 2.0 / (fan_in + fan_out)")
    assert verdict.status == "failed"
    assert "variance vs std confusion" in verdict.message


def test_he_with_fan_out_is_named(tmp_path):
    verdict = mutate("init", tmp_path, "std = np.sqrt(2.0 / fan_in)", "std = np.sqrt(2.0 / fan_out)")
    assert verdict.status == "failed"
    assert "He with fan_out" in verdict.message


def test_uniform_with_wrong_limit_is_named(tmp_path):
    verdict = mutate("init", tmp_path, "return rng.normal(0.0, std, size=(fan_in, fan_out))",
                     "return rng.uniform(-std, std, size=(fan_in, fan_out))")
    assert verdict.status == "failed"
    assert "uniform distribution on [−σ, σ]" in verdict.message


def test_uniform_with_right_variance_is_named(tmp_path):
    verdict = mutate("init", tmp_path, "return rng.normal(0.0, std, size=(fan_in, fan_out))",
                     "return rng.uniform(-std * 3**0.5, std * 3**0.5, size=(fan_in, fan_out))")
    assert verdict.status == "failed"
    assert "a uniform distribution" in verdict.message


def test_transposed_shape_is_named(tmp_path):
    verdict = mutate("init", tmp_path, "return rng.normal(0.0, std, size=(fan_in, fan_out))",
                     "return rng.normal(0.0, std, size=(fan_out, fan_in))")
    assert verdict.status == "failed"
    assert "shape is transposed" in verdict.message


def test_global_random_state_is_named(tmp_path):
    verdict = mutate("init", tmp_path, "return rng.normal(0.0, std, size=(fan_in, fan_out))",
                     "return np.random.normal(0.0, std, size=(fan_in, fan_out))")
    assert verdict.status == "failed"
    assert "global random state" in verdict.message


TRUNCATED = """    W = rng.normal(0.0, std, size=(fan_in, fan_out))
    while np.any(np.abs(W) > 2 * std):
        far = np.abs(W) > 2 * std
        W[far] = rng.normal(0.0, std, size=int(far.sum()))
    return W
"""


def test_a_truncated_normal_is_named_as_truncated(tmp_path):
    verdict = mutate("init", tmp_path, "    return rng.normal(0.0, std, size=(fan_in, fan_out))\n", TRUNCATED)
    assert verdict.status == "failed"
    assert "TRUNCATED normal" in verdict.message, verdict.message


def test_the_truncated_normals_standard_deviation():
    """0.8796 independently: a large sample of N(0, 1) kept within ±2."""
    z = np.random.default_rng(0).normal(size=4_000_000)
    assert abs(z[np.abs(z) <= 2].std() - 0.8796256610) < 1e-3
