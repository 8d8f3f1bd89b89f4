"""Exercise 58 (honors) — additive attention over the scene's feature map.

The decoder of exercise 52 sees the image once, as one vector.  With
ATTENTION it looks again at every step, at the places that matter for the next
word.  The scene encoder keeps, before pooling, a feature vector per 8×8-pixel
cell (`load_scene_encoder(output="feature_map")`: (N, 8, 8, 64)); flattened,
that is P = 64 positions of C = 64 channels each: features (B, P, C).

Additive (Bahdanau) attention scores every position against the decoder's
current hidden state h (B, H), with learned W_f (C, A), W_h (H, A), v (A,):

    a[b, p]       = tanh(features[b, p] @ W_f + h[b] @ W_h)        (B, P, A)
    score[b, p]   = a[b, p] @ v                                    (B, P)
    weights[b, :] = softmax(score[b, :]) over the P positions      (B, P), each row sums to 1
    context[b]    = Σ_p weights[b, p] · features[b, p]             (B, C)

    additive_attention(features, h, W_f, W_h, v) -> (context, weights)

Use a stable softmax (subtract each row's max before np.exp): scores can be
large when v is.  The backward pass takes the gradient of a loss with respect
to the context, dcontext (B, C), and returns the gradients of that loss with
respect to every input, the same shapes as they are:

    additive_attention_backward(dcontext, features, h, W_f, W_h, v)
        -> (dfeatures, dh, dW_f, dW_h, dv)

Walk the forward pass backwards (the loss depends on the weights only
through the context here):

    dweights[b, p]  = dcontext[b] · features[b, p]
    dfeatures       = weights[..., None] · dcontext[:, None, :]   (the context's direct path) + the scores' path below
    dscore          = weights · (dweights − Σ_p weights · dweights)   (the softmax's Jacobian, row by row)
    dv              = Σ_{b,p} dscore[b, p] · a[b, p]
    da              = dscore[..., None] · v · (1 − a²)
    dW_f = Σ_{b,p} features[b, p]ᵀ da[b, p];   dfeatures += da @ W_fᵀ
    dW_h = hᵀ @ Σ_p da[:, p];                   dh = (Σ_p da[:, p]) @ W_hᵀ

Numpy only; inputs are not modified.
"""

import numpy as np


def additive_attention(features, h, W_f, W_h, v):
    """(context (B, C), weights (B, P)) of additive attention over the P positions of features (B, P, C)."""
    # TODO: a = np.tanh(features @ W_f + (h @ W_h)[:, None, :]); score = a @ v
    # TODO: weights = a stable softmax of score over axis 1
    # TODO: context = np.einsum("bp,bpc->bc", weights, features); return context, weights
    raise NotImplementedError("additive_attention")


def additive_attention_backward(dcontext, features, h, W_f, W_h, v):
    """(dfeatures, dh, dW_f, dW_h, dv): the gradients of a loss given dloss/dcontext (B, C)."""
    # TODO: recompute a and weights as in the forward pass
    # TODO: dweights, then dscore through the softmax
    # TODO: dv, da, then dW_f, dW_h, dh and dfeatures (both paths); return them in that order
    raise NotImplementedError("additive_attention_backward")
