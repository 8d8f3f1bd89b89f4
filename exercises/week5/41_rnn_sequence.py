"""Exercise 41 — a vanilla RNN over a whole sequence, and backpropagation through time.

rnn_forward runs the step of exercise 40 (given below) T times, feeding each
new state into the next step:

    h_t = tanh(x_t @ Wx + h_{t−1} @ Wh + b)      for t = 0 … T−1, starting from h_{−1} = h0

    x   (N, T, D)  the inputs, time on axis 1       h0  (N, H)  the initial state
    Wx  (D, H)     Wh  (H, H)     b  (H,)           the SAME weights at every step
    h   (N, T, H)  every state, h[:, t] = h_t       (h0 itself is not in h)

Backpropagation through time (BPTT).  Some loss L looks at every state, so
rnn_backward receives dh = ∂L/∂h of shape (N, T, H): dh[:, t] is the gradient
that reaches h_t from ABOVE (the loss at step t).  But h_t also feeds the step
t + 1, so the total gradient of h_t has two parts:

    dh_t(total) = dh[:, t]  +  dh_prev that step t + 1 sent back

Walk backwards, t = T−1 … 0, carrying that second part along:

    dh_next = zeros (N, H)                        nothing comes from after the last step
    for t = T−1 down to 0:
        dx_t, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache_t)
        dx[:, t] = dx_t
        dWx += dWx_t;  dWh += dWh_t;  db += db_t   the weights are shared: ADD every step's share
    dh0 = dh_next                                 what step 0 sent back to the initial state

rnn_backward returns (dx, dh0, dWx, dWh, db) with the shapes of (x, h0, Wx, Wh, b).

Conventions:
    rnn_forward returns (h, cache); the cache is yours (for example the list of
    the T step caches).  A loop over time is expected (each step needs the
    previous one); no loops over the batch.  No division by N or T, and do not
    modify any input or anything in the cache.
"""

import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """Exercise 40's answer, given: one step, h_next = tanh(x @ Wx + h_prev @ Wh + b), and its cache."""
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)


def rnn_step_backward(dh, cache):
    """Exercise 40's answer, given: (dx, dh_prev, dWx, dWh, db) of one step."""
    x, h_prev, Wx, Wh, h_next = cache
    da = dh * (1.0 - h_next**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def rnn_forward(x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray):
    """Every state h of shape (N, T, H) for inputs x of shape (N, T, D), and the cache."""
    # TODO: read N, T from x.shape and H from h0.shape; h = zeros (N, T, H); an empty list of step caches
    # TODO: for t in range(T): h_t, cache_t = rnn_step_forward(x[:, t], the previous state, Wx, Wh, b);
    #       store h[:, t] = h_t, keep cache_t, and make h_t the previous state of the next step
    # TODO: return h, cache (the list of step caches is enough)
    raise NotImplementedError("rnn_forward")


def rnn_backward(dh: np.ndarray, cache):
    """Gradients (dx, dh0, dWx, dWh, db), given dh = ∂L/∂h of shape (N, T, H)."""
    # TODO: unpack the cache; dx = zeros like x (N, T, D); dWx, dWh, db = zeros like Wx, Wh, b;
    #       dh_next = zeros (N, H)
    # TODO: for t from T-1 down to 0: call rnn_step_backward on dh[:, t] + dh_next and the step's cache
    # TODO: store its dx in dx[:, t], keep its dh_prev as the next dh_next, and ADD its weight gradients
    # TODO: dh0 = the last dh_next; return dx, dh0, dWx, dWh, db
    raise NotImplementedError("rnn_backward")
