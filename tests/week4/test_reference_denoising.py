"""Exercise 33 (denoising): the noise checks accept correct noise written other ways and
name each wrong kind; the reference denoiser beats the identity on several seeds within the
time budget; typical mistakes go through the real engine and are named."""

import numpy as np
import pytest

from tests.helpers import CATALOG, SOLUTIONS, load_check, mutate, run_source, solution

sol = solution("denoising")
checks = load_check("denoising")


# The reference solution through the engine: `dlx dev check` runs it once per test run
# (tests/test_cli.py::test_dev_check_passes_on_the_course), so it is not run a second time here.


def test_the_noise_has_the_stated_statistics():
    """Independent of the checks: sample moments of the reference's noise against N(0, sigma²)."""
    X = np.full((200, 50), 0.5, dtype=np.float32)
    noise = sol.add_gaussian_noise(X, 0.05, np.random.default_rng(0)).astype(np.float64) - 0.5
    assert abs(noise.mean()) < 5 * 0.05 / 100
    assert noise.std() == pytest.approx(0.05, rel=0.02)
    assert sol.add_gaussian_noise(X, 0.05, np.random.default_rng(0)).dtype == np.float32


@pytest.mark.parametrize("seed", [1, 2])
def test_reference_denoises_on_other_seeds(seed):
    error, identity, seconds = checks.train_and_score(sol.build_denoising_autoencoder, seed=seed)
    assert error < 0.8 * checks.RATIO * identity, (error, identity)
    assert seconds < checks.TIME_BUDGET, seconds


OTHER_NOISE = '''
import numpy as np
from solution_networks import build_denoising_autoencoder  # replaced below


def add_gaussian_noise(X, sigma, rng):
    out = X.copy()
    out += rng.normal(0.0, sigma, size=X.shape).astype(X.dtype)
    np.clip(out, 0, 1, out=out)
    return out
'''


def test_noise_written_another_way_passes_through_the_engine(tmp_path):
    networks = (SOLUTIONS / CATALOG.get("denoising").file).read_text()
    networks = networks[networks.index("def build_denoising_autoencoder"):]
    source = OTHER_NOISE.replace("from solution_networks import build_denoising_autoencoder  # replaced below\n",
                                 "import keras\nfrom keras import layers\n") + "\n\n" + networks
    verdict = run_source("denoising", source, tmp_path)
    assert verdict.status == "passed", verdict.message


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("sigma * rng.standard_normal(X.shape)", "np.sqrt(sigma) * rng.standard_normal(X.shape)", "used as the VARIANCE"),
        ("np.clip(noisy, 0.0, 1.0).astype(X.dtype)", "noisy.astype(X.dtype)", "are not clipped"),
        ("rng.standard_normal(X.shape)", "rng.standard_normal(X.shape[1:])", "the SAME noise pattern"),
        ("rng.standard_normal(X.shape)", "(rng.random(X.shape) - 0.5) * np.sqrt(12)", "not Gaussian"),
        ("rng.standard_normal(X.shape)", "np.random.standard_normal(X.shape)", "global random state"),
        ("np.clip(noisy, 0.0, 1.0).astype(X.dtype)", "np.clip(noisy, 0.0, 1.0)", "end with .astype(X.dtype)"),
    ],
    ids=["variance", "not-clipped", "same-pattern", "uniform", "global-random", "float64"],
)
def test_typical_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("denoising", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message
