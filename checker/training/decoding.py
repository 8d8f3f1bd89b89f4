"""The step function of a trained caption decoder, for greedy decoding and beam search.

Exercise 52's decoder is built from four named layers ("init_state",
"embedding", "rnn", "logits"); one step of it is those layers applied to a
single token, from the state the previous step returned (the image's features
set the first state).  The step function follows the contract of exercises 54
and 55: `log_probs, new_state = step_fn(features, token, state)`, with
`state=None` on the first call and `log_probs` a numpy array (V,).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

LAYER_NAMES = ("init_state", "embedding", "rnn", "logits")


class DecoderLayersMissing(ValueError):
    """The decoder lacks one of the named layers the step function needs (exercise 52's contract)."""


def step_fn_for(decoder: Any) -> Callable[[Any, int, Any], tuple[np.ndarray, Any]]:
    """`step_fn(features, token, state) -> (log_probs (V,), new_state)` for a decoder of exercise 52."""
    import tensorflow as tf

    try:
        init, embedding, rnn, to_logits = (decoder.get_layer(name) for name in LAYER_NAMES)
    except ValueError as exc:
        raise DecoderLayersMissing(
            f"The decoder has no layer named {str(exc).split()[-1] if str(exc) else '?'}: exercise 52 asks for "
            f"layers named {', '.join(LAYER_NAMES)}.") from None
    n_states = 2 if type(rnn).__name__ == "LSTM" else 1

    @tf.function(reduce_retracing=True)
    def first_state(features):
        h = init(features)
        return [h] * n_states

    @tf.function(reduce_retracing=True)
    def one_step(token, state):
        x = embedding(token)
        out = rnn(x, initial_state=state)
        sequence, new_state = out[0], list(out[1:])
        logits = to_logits(sequence[:, -1])
        return tf.nn.log_softmax(logits, axis=-1), new_state

    def step_fn(features: Any, token: int, state: Any) -> tuple[np.ndarray, Any]:
        if state is None:
            state = first_state(tf.convert_to_tensor(np.asarray(features, np.float32).reshape(1, -1)))
        log_probs, new_state = one_step(tf.constant([[int(token)]], tf.int32), state)
        return log_probs.numpy()[0].astype(np.float64), new_state

    return step_fn
