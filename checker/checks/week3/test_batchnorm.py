"""Hidden checks for exercise 26 (batchnorm).

Expected values come from the formulas of the exercise written here in a few
lines of numpy (mean and biased variance over all axes but the last), and the
gradients from central differences of that independent forward pass.  The
running averages are followed over several calls, with the trajectories that
the typical mistakes would give computed alongside.
"""

import numpy as np
import pytest

from checker.testing import (
    assert_array,
    assert_close,
    call_unchanged,
    fail,
    fmt,
    gradcheck,
    rng,
)

BATCH_STATS_AT_TEST = (
    "in test mode you normalized with the batch's own mean and variance. At test time use "
    "bn_param['running_mean'] and bn_param['running_var'] (the averages gathered during training): "
    "a prediction must not depend on the other examples in its batch."
)
UNBIASED = "you used the unbiased variance (dividing by N − 1, ddof=1). Batch norm uses the biased one: np.var(x, axis=...) divides by N."
EPS_OUTSIDE = "ε is outside the square root: use (x − μ) / √(σ² + ε), not (x − μ) / (√σ² + ε)."


def _axes(x):
    return tuple(range(x.ndim - 1))


def _bn(x, gamma, beta, eps, *, ddof=0, axes=None, eps_outside=False, stats=None):
    """The batch-norm output, with switches for the typical mistakes."""
    axes = _axes(x) if axes is None else axes
    if stats is None:
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, ddof=ddof, keepdims=True)
    else:
        mean, var = stats
    std = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    return gamma * (x - mean) / std + beta


def _forward(ex, x, gamma, beta, bn_param, what):
    """batchnorm_forward with x, gamma, beta guarded; checks it returns (out, cache) with out of x's shape."""
    result = call_unchanged(ex.batchnorm_forward, x, gamma, beta, bn_param, what="batchnorm_forward",
                            names=["x", "gamma", "beta", "bn_param"])
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{what} returned {fmt(result, max_chars=120)}, expected a pair (out, cache).\n"
             "End with `return out, cache`.")
    out = assert_array(result[0], what=f"{what} (out)", shape=x.shape)
    return out, result[1]


def _problem(seed, shape):
    g = rng(seed)
    D = shape[-1]
    x = g.normal(loc=g.normal(size=D) * 3, scale=g.uniform(0.5, 3, size=D), size=shape)
    return x, g.uniform(0.5, 2, size=D), g.normal(size=D)


# --------------------------------------------------------------------------- train-mode forward


def test_train_forward_tiny_example(ex):
    """train mode on a 2×2 batch you can check by hand"""
    x = np.array([[1.0, 2.0], [3.0, 6.0]])  # μ = [2, 4], σ² = [1, 4]: x̂ ≈ [[-1, -1], [1, 1]]
    gamma, beta = np.array([1.0, 2.0]), np.array([0.0, 1.0])
    eps = 1e-5
    what = "batchnorm_forward(x, gamma, beta, {'mode': 'train'}) (out)"
    out, _ = _forward(ex, x, gamma, beta, {"mode": "train"}, what)
    per_example = ("you normalized each example over its features (axis 1). Batch norm normalizes each feature "
                   "over the batch: statistics over axis 0, one per column.")
    # ε's place is checked below with a large ε; here a loose tolerance lets it be.
    assert_close(
        out, _bn(x, gamma, beta, eps), what=what, inputs={"x": x, "gamma": gamma, "beta": beta}, rtol=1e-4, atol=1e-4,
        mistakes={
            UNBIASED: _bn(x, gamma, beta, eps, ddof=1),
            per_example: _bn(x, gamma, beta, eps, axes=(1,)),
            per_example + " (Without keepdims=True, the per-row statistics were even subtracted from the columns.)":
                _bn(x, gamma, beta, eps, stats=(x.mean(axis=1), x.var(axis=1))),
            "gamma and beta are swapped: out = gamma · x̂ + beta.": _bn(x, beta, gamma, eps),
            "the scale and shift are missing: out = gamma · x̂ + beta, not x̂.": _bn(x, 1.0, 0.0, eps),
        },
    )


SHAPES = [(8, 3), (5, 7), (2, 4), (4, 3, 3, 2), (3, 5, 4), (1, 6, 5, 3)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_train_forward_several_shapes(ex, shape):
    """train mode normalizes over every axis but the last, for (N, D) and NHWC inputs"""
    x, gamma, beta = _problem(sum(shape) * 3 + len(shape), shape)
    what = f"batchnorm_forward in train mode on x of shape {shape} (out)"
    out, _ = _forward(ex, x, gamma, beta, {"mode": "train"}, what)
    mistakes = {
        UNBIASED: _bn(x, gamma, beta, 1e-5, ddof=1),
        "you normalized over the last axis (the features). Normalize each feature over all the OTHER axes.":
            _bn(x, gamma, beta, 1e-5, axes=(x.ndim - 1,)),
    }
    if x.ndim > 2:
        mistakes["you normalized over the batch axis only. For an input of shape (N, ..., D) the statistics are "
                 "over every axis but the last (for NHWC: over N, H and W), e.g. axes = tuple(range(x.ndim - 1))."
                 ] = _bn(x, gamma, beta, 1e-5, axes=(0,))
    assert_close(out, _bn(x, gamma, beta, 1e-5), what=what, mistakes=mistakes, rtol=1e-4, atol=1e-4)


def test_eps_from_bn_param_inside_the_sqrt(ex):
    """train mode takes ε from bn_param and puts it inside the square root"""
    x = np.array([[0.0, 1.0, -0.1], [0.2, 1.5, 0.1], [0.4, 0.5, 0.3], [0.2, 1.0, 0.5]])
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 1.0])
    eps = 0.25
    what = "batchnorm_forward(x, gamma, beta, {'mode': 'train', 'eps': 0.25}) (out)"
    out, _ = _forward(ex, x, gamma, beta, {"mode": "train", "eps": eps}, what)
    assert_close(
        out, _bn(x, gamma, beta, eps), what=what, inputs={"x": x, "gamma": gamma, "beta": beta},
        mistakes={
            EPS_OUTSIDE: _bn(x, gamma, beta, eps, eps_outside=True),
            "you used the default ε = 1e-5 instead of bn_param['eps'].": _bn(x, gamma, beta, 1e-5),
            "ε is missing: (x − μ) / √(σ² + ε).": _bn(x, gamma, beta, 0.0),
        },
    )


# --------------------------------------------------------------------------- running averages


def _trajectories(batches, m, mean0, var0):
    """The running (mean, var) after each batch: the right one and those of typical mistakes.

    `update(running, batch_stat, given, default)` gives the next running value; `given` is
    what the dict held before the first call, `default` the zeros / ones of a fresh start.
    """
    D = batches[0].shape[-1]

    def run(update, ddof=0, eps=0.0):
        rm, rv, out = mean0, var0, []
        for xb in batches:
            rm = update(rm, xb.mean(axis=0), mean0, np.zeros(D))
            rv = update(rv, xb.var(axis=0, ddof=ddof) + eps, var0, np.ones(D))
            out.append((rm, rv))
        return out

    return run(lambda r, s, r0, d: m * r + (1 - m) * s), {
        "the momentum is on the wrong term: running = momentum · running + (1 − momentum) · batch_stat "
        "(the old average keeps the larger weight).": run(lambda r, s, r0, d: (1 - m) * r + m * s),
        "the running averages are not stored back: after computing them, write them into the dict, "
        "bn_param['running_mean'] = ... and bn_param['running_var'] = ..., so the next call continues from them.":
            run(lambda r, s, r0, d: r0),
        "the running averages restart from zeros and ones at every call: read the previous ones from "
        "bn_param (zeros and ones only when the key is missing).": run(lambda r, s, r0, d: m * d + (1 - m) * s),
        "you stored the batch statistics themselves, not a moving average: "
        "running = momentum · running + (1 − momentum) · batch_stat.": run(lambda r, s, r0, d: s),
        "you used the default momentum 0.9 instead of bn_param['momentum'].": run(lambda r, s, r0, d: 0.9 * r + 0.1 * s),
        "the running variance is updated with the unbiased variance (N − 1); use the biased batch variance, "
        "the same one you normalize with.": run(lambda r, s, r0, d: m * r + (1 - m) * s, ddof=1),
        "ε was added into the running variance (a tiny difference, (1 − momentum)·ε): store the plain batch "
        "variance in the running average; ε belongs only where you divide, √(var + ε).":
            run(lambda r, s, r0, d: m * r + (1 - m) * s, eps=1e-5),
    }


def _check_running(ex, bn_param, batches, gamma, beta, expected, mistakes, label):
    D = batches[0].shape[-1]
    for k, xb in enumerate(batches):
        _forward(ex, xb, gamma, beta, bn_param, f"batchnorm_forward in train mode ({label}, call {k + 1})")
        for key, index in (("running_mean", 0), ("running_var", 1)):
            if key not in bn_param:
                fail(f"After a call of batchnorm_forward in train mode ({label}), bn_param has no key '{key}'.\n"
                     f"Store the updated running averages in the dict: bn_param['{key}'] = ...")
            got = assert_array(bn_param[key], what=f"bn_param['{key}'] after call {k + 1} ({label})", shape=(D,))
            assert_close(
                got, expected[k][index], what=f"bn_param['{key}'] after call {k + 1} in train mode ({label})",
                mistakes={text: wrong[k][index] for text, wrong in mistakes.items()},
            )


def test_running_averages_over_several_calls(ex):
    """train mode updates running_mean and running_var in bn_param, call after call"""
    g = rng(26)
    batches = [g.normal(loc=[1.0, -2.0, 0.5], scale=[1.0, 2.0, 0.5], size=(6, 3)) for _ in range(3)]
    gamma, beta = np.ones(3), np.zeros(3)
    mean0, var0 = np.array([0.5, -1.0, 0.0]), np.array([2.0, 1.0, 0.5])
    bn_param = {"mode": "train", "momentum": 0.8, "running_mean": mean0.copy(), "running_var": var0.copy()}
    expected, mistakes = _trajectories(batches, 0.8, mean0, var0)
    _check_running(ex, bn_param, batches, gamma, beta, expected, mistakes, "momentum 0.8")


def test_running_averages_start_from_zeros_and_ones(ex):
    """train mode: missing running averages start at zeros and ones; momentum defaults to 0.9 (NHWC input)"""
    g = rng(27)
    batches = [g.normal(loc=2.0, scale=3.0, size=(2, 3, 3, 4)) for _ in range(2)]
    flat = [xb.reshape(-1, 4) for xb in batches]  # the statistics are over N, H, W
    expected, mistakes = _trajectories(flat, 0.9, np.zeros(4), np.ones(4))
    mistakes.pop("you used the default momentum 0.9 instead of bn_param['momentum'].")
    mistakes["the running averages do not start at zeros (mean) and ones (variance)."] = _trajectories(
        flat, 0.9, np.zeros(4), np.zeros(4))[0]
    _check_running(ex, {"mode": "train"}, batches, np.ones(4), np.zeros(4), expected, mistakes,
                   "bn_param = {'mode': 'train'}, x of shape (2, 3, 3, 4)")


# --------------------------------------------------------------------------- test mode


@pytest.mark.parametrize("shape", [(5, 4), (1, 4), (2, 3, 2, 4)], ids=str)
def test_test_mode_uses_running_averages(ex, shape):
    """test mode normalizes with the running averages and leaves them unchanged"""
    x, gamma, beta = _problem(100 + sum(shape), shape)
    rm, rv = np.array([0.5, -1.0, 2.0, 0.0]), np.array([1.5, 0.5, 4.0, 2.0])
    bn_param = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy()}
    what = f"batchnorm_forward in test mode on x of shape {shape} (out)"
    out, _ = _forward(ex, x, gamma, beta, bn_param, what)
    assert_close(
        out, _bn(x, gamma, beta, 1e-5, stats=(rm, rv)), what=what,
        inputs={"x": x, "gamma": gamma, "beta": beta, "running_mean": rm, "running_var": rv} if x.size <= 8 else None,
        mistakes={
            BATCH_STATS_AT_TEST: _bn(x, gamma, beta, 1e-5),
            "you divided by the running variance, not by its square root: √(running_var + ε).":
                gamma * (x - rm) / (rv + 1e-5) + beta,
            EPS_OUTSIDE: _bn(x, gamma, beta, 1e-5, stats=(rm, rv), eps_outside=True),
        },
    )
    for key, old in (("running_mean", rm), ("running_var", rv)):
        got = bn_param.get(key)
        if not isinstance(got, np.ndarray) or got.shape != old.shape or not np.allclose(got, old, rtol=0, atol=0):
            fail(f"batchnorm_forward in test mode changed bn_param['{key}'] from {fmt(old)} to {fmt(got)}.\n"
                 "Only train mode updates the running averages; test mode only reads them.")


def test_test_mode_without_running_averages(ex):
    """test mode with no running averages yet uses zeros and ones"""
    x, gamma, beta = _problem(7, (3, 2))
    what = "batchnorm_forward(x, gamma, beta, {'mode': 'test'}) (out)"
    out, _ = _forward(ex, x, gamma, beta, {"mode": "test"}, what)
    assert_close(out, gamma * x / np.sqrt(1 + 1e-5) + beta, what=what, inputs={"x": x, "gamma": gamma, "beta": beta},
                 mistakes={BATCH_STATS_AT_TEST: _bn(x, gamma, beta, 1e-5)})


# --------------------------------------------------------------------------- backward


def _backward(ex, dout, cache, D, what):
    result = call_unchanged(ex.batchnorm_backward, dout, cache, what="batchnorm_backward", names=["dout", "cache"])
    if not isinstance(result, tuple) or len(result) != 3:
        fail(f"{what} returned {fmt(result, max_chars=120)}, expected a tuple (dx, dgamma, dbeta).")
    dx, dgamma, dbeta = result
    dx = assert_array(dx, what=f"{what} (dx)", shape=dout.shape)
    params = []
    for name, value in (("dgamma", dgamma), ("dbeta", dbeta)):
        value = assert_array(value, what=f"{what} ({name})")
        if value.shape != (D,):
            hint = ("It has the shape of x without the batch axis: sum over EVERY axis but the last "
                    "(for NHWC: over N, H and W)." if value.shape == dout.shape[1:] and dout.ndim > 2 else
                    f"Sum over every axis but the last: one value per feature, shape ({D},).")
            fail(f"{what} returned {name} of shape {value.shape}, expected ({D},).\n{hint}")
        params.append(value)
    return dx, params[0], params[1]


@pytest.mark.parametrize("shape", [(4, 3), (6, 2), (2, 3, 3, 2)], ids=str)
def test_backward_matches_numerical_gradients(ex, shape):
    """batchnorm_backward: dx, dgamma and dbeta agree with numerical gradients"""
    x, gamma, beta = _problem(200 + sum(shape), shape)
    dout = rng(300 + sum(shape)).normal(size=shape)
    eps = 1e-5
    _, cache = _forward(ex, x, gamma, beta, {"mode": "train"}, f"batchnorm_forward in train mode on x of shape {shape}")
    what = f"batchnorm_backward(dout, cache) for x of shape {shape}"
    dx, dgamma, dbeta = _backward(ex, dout, cache, shape[-1], what)

    axes = _axes(x)
    x_hat = (x - x.mean(axis=axes)) / np.sqrt(x.var(axis=axes) + eps)
    g = dout * gamma
    std = np.sqrt(x.var(axis=axes) + eps)
    gradcheck(
        lambda v: np.sum(_bn(v, gamma, beta, eps) * dout), dx, x, what=f"{what} (dx)",
        mistakes={
            "dx treats μ and σ² as constants (dout · gamma / √(σ² + ε)). They depend on x too: "
            "dx = (g − mean(g) − x̂ · mean(g · x̂)) / √(σ² + ε) with g = dout · gamma.": g / std,
            "dx is missing the term through σ²: − x̂ · mean(g · x̂).": (g - g.mean(axis=axes)) / std,
            "dx is missing the term through μ: − mean(g).": (g - x_hat * (g * x_hat).mean(axis=axes)) / std,
            "gamma is missing from dx: the upstream gradient of x̂ is g = dout · gamma.":
                (dout - dout.mean(axis=axes) - x_hat * (dout * x_hat).mean(axis=axes)) / std,
        },
    )
    gradcheck(
        lambda v: np.sum(_bn(x, v, beta, eps) * dout), dgamma, gamma, what=f"{what} (dgamma)",
        mistakes={
            "dgamma sums dout · x; it is Σ dout · x̂, with the normalized x̂.": np.sum(dout * x, axis=axes),
            "dgamma sums dout · (x − μ); it is Σ dout · x̂, with x̂ = (x − μ) / √(σ² + ε).": np.sum(dout * x_hat * std, axis=axes),
            "dgamma is a mean; it is the sum Σ dout · x̂ over all axes but the last.": np.mean(dout * x_hat, axis=axes),
        },
    )
    gradcheck(
        lambda v: np.sum(_bn(x, gamma, v, eps) * dout), dbeta, beta, what=f"{what} (dbeta)",
        mistakes={"dbeta is a mean; it is the sum of dout over all axes but the last.": np.mean(dout, axis=axes)},
    )
