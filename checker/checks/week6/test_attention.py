"""Hidden checks for exercise 58 (attention, honors).

Numpy only.  The forward pass is held against values computed here (a plain
loop over the positions), on several shapes (B, P, C, H, A, not square); the
weights must be a distribution over positions; huge scores must not overflow.
Each gradient of the backward pass is held against central differences of the
loss L = Σ context · G for a fixed random G (so dcontext = G); the typical
mistakes (softmax over the batch axis, the softmax's Jacobian left out, the
context's direct path to dfeatures forgotten) are computed and named.
"""

import numpy as np
import pytest

from checker.testing import assert_array, assert_close, call_unchanged, fail, numerical_gradient, rng

SHAPES = [(2, 5, 3, 4, 6), (1, 64, 8, 5, 7), (3, 4, 6, 2, 3)]  # B, P, C, H, A


def problem(seed, B, P, C, H, A, v_scale=1.0):
    g = rng(seed)
    return (g.normal(size=(B, P, C)), g.normal(size=(B, H)), g.normal(size=(C, A)) / np.sqrt(C),
            g.normal(size=(H, A)) / np.sqrt(H), v_scale * g.normal(size=A))


def attention_here(features, h, W_f, W_h, v, axis=1):
    B, P, _ = features.shape
    score = np.empty((B, P))
    for b in range(B):
        for p in range(P):
            score[b, p] = np.tanh(features[b, p] @ W_f + h[b] @ W_h) @ v
    e = np.exp(score - score.max(axis=axis, keepdims=True))
    weights = e / e.sum(axis=axis, keepdims=True)
    return np.einsum("bp,bpc->bc", weights, features), weights


def _forward(ex, args, what):
    out = call_unchanged(ex.additive_attention, *args, what=what, names=["features", "h", "W_f", "W_h", "v"])
    if out is None:
        fail(f"{what} returned None.\nReturn the pair (context, weights).")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        fail(f"{what} returned {type(out).__name__}, expected a pair (context, weights).")
    return out


@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_forward(ex, shape):
    """context (B, C) and weights (B, P) equal additive attention computed position by position"""
    args = problem(sum(shape), *shape)
    B, P, C, H, A = shape
    what = f"additive_attention(features {args[0].shape}, h {args[1].shape}, W_f {args[2].shape}, W_h {args[3].shape}, v {args[4].shape})"
    context, weights = _forward(ex, args, what)
    expected_c, expected_w = attention_here(*args)
    batch_axis = attention_here(*args, axis=0) if B > 1 else None
    weights = assert_array(weights, what=f"{what}: the weights", shape=(B, P))
    if not np.allclose(weights.sum(axis=1), 1.0):
        extra = " Likely mistake: the softmax was taken over the batch axis (axis 0), not over the positions (axis 1)." \
            if batch_axis is not None and np.allclose(weights, batch_axis[1]) else ""
        fail(f"{what}: the weights of each image do not sum to 1 over the {P} positions (sums {weights.sum(axis=1)}).{extra}")
    assert_close(weights, expected_w, what=f"{what}: the weights")
    assert_close(context, expected_c, what=f"{what}: the context",
                 mistakes={"the context is the plain mean of the positions: weight each by its attention weight.":
                           args[0].mean(axis=1)})


def test_huge_scores_do_not_overflow(ex):
    """with v of size 1e4 the scores are huge: a stable softmax still gives finite weights"""
    args = problem(7, 2, 6, 3, 4, 5, v_scale=1e4)
    what = "additive_attention(...) with v of size ~1e4"
    context, weights = _forward(ex, args, what)
    weights = assert_array(weights, what=f"{what}: the weights", shape=(2, 6))
    if not np.all(np.isfinite(weights)):
        fail(f"{what} gave non-finite weights: subtract each row's max score before np.exp.")
    assert_close(weights, attention_here(*args)[1], what=f"{what}: the weights", atol=1e-9)


NAMES = ("dfeatures", "dh", "dW_f", "dW_h", "dv")


def backward_without_softmax_jacobian(dcontext, features, h, W_f, W_h, v):
    """The gradients when dscore is taken to be dweights itself (the softmax's Jacobian forgotten)."""
    a = np.tanh(features @ W_f + (h @ W_h)[:, None, :])
    _, weights = attention_here(features, h, W_f, W_h, v)
    dscore = np.einsum("bc,bpc->bp", dcontext, features)
    da = dscore[..., None] * v * (1.0 - a**2)
    summed = da.sum(axis=1)
    return (weights[..., None] * dcontext[:, None, :] + da @ W_f.T, summed @ W_h.T,
            np.einsum("bpc,bpa->ca", features, da), h.T @ summed, np.einsum("bp,bpa->a", dscore, a))


@pytest.mark.parametrize("shape", SHAPES[:2] + [(2, 3, 2, 3, 2)], ids=[str(s) for s in SHAPES[:2] + [(2, 3, 2, 3, 2)]])
def test_backward_equals_numerical_gradients(ex, shape):
    """each of dfeatures, dh, dW_f, dW_h, dv equals the numerical gradient of L = Σ context · G"""
    args = list(problem(100 + sum(shape), *shape))
    G = rng(200 + sum(shape)).normal(size=(shape[0], shape[2]))
    what = f"additive_attention_backward(dcontext {G.shape}, features {args[0].shape}, h, W_f, W_h, v)"
    grads = call_unchanged(ex.additive_attention_backward, G, *args, what=what,
                           names=["dcontext", "features", "h", "W_f", "W_h", "v"])
    if grads is None:
        fail(f"{what} returned None.\nReturn (dfeatures, dh, dW_f, dW_h, dv).")
    if not isinstance(grads, (tuple, list)) or len(grads) != 5:
        fail(f"{what} returned {type(grads).__name__}, expected 5 gradients (dfeatures, dh, dW_f, dW_h, dv).")
    no_jacobian = backward_without_softmax_jacobian(G, *args)
    for i, (name, grad) in enumerate(zip(NAMES, grads)):
        grad = assert_array(grad, what=f"{what}: {name}", shape=args[i].shape)

        def loss(x, i=i):
            moved = list(args)
            moved[i] = x
            return float(np.sum(attention_here(*moved)[0] * G))

        numeric = numerical_gradient(loss, np.array(args[i], dtype=float, copy=True))
        mistakes = {"the softmax's Jacobian is missing: dscore = weights · (dweights − Σ_p weights · dweights), "
                    "not dweights itself.": no_jacobian[i]}
        if name == "dfeatures":
            _, w = attention_here(*args)
            mistakes["the context's direct path is missing: dfeatures also gets weights[..., None] · dcontext[:, None, :]."] = \
                numeric - w[..., None] * G[:, None, :]
        assert_close(grad, numeric, what=f"{what}: {name}", rtol=1e-4, atol=1e-7, mistakes=mistakes,
                     hint="(The expected value is a numerical gradient: (f(x+h) - f(x-h)) / 2h for each entry.)")
