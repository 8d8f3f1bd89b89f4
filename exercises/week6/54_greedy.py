"""Exercise 54 — greedy decoding: a caption, one most likely word at a time.

A trained caption decoder gives, for an image and the words said so far, the
log-probabilities of the next word.  Decoding turns that into a caption.  The
decoder is hidden behind a STEP FUNCTION, the same for greedy decoding and for
beam search (exercise 55):

    log_probs, new_state = step_fn(features, token, state)

    features   the image's features, passed through untouched on every call
               (whatever the decoder needs: a vector (D,), a feature map...)
    token      the previous token, a single int: start_id on the first call,
               then the token chosen at the previous step
    state      None on the FIRST call (step_fn then starts from the image's
               features); on every later call, exactly the `new_state` that the
               previous call returned (treat it as an opaque object: never
               look inside it, never build one yourself)
    log_probs  a numpy array (V,): log P(next token = v | image, tokens so far)
               for each of the V vocabulary ids (log-probabilities: all <= 0,
               their exps sum to 1)

Greedy decoding picks the most likely token at every step:

    token, state = start_id, None
    repeat at most max_len times:
        log_probs, state = step_fn(features, token, state)
        token = argmax(log_probs)            (np.argmax: the lowest id on ties)
        if token == end_id: stop             (END is not part of the caption)
        append token to the caption

Conventions of the result (a list of Python ints):
- START is not in it (it was given, not generated) and neither is END;
- at most max_len tokens: step_fn is called at most max_len times, and the
  END token counts as one of those steps.  A caption whose END comes at step k
  has k − 1 tokens; without any END within max_len steps it has max_len;
- after END, step_fn is not called again.

Example: if step_fn's most likely tokens are 7, then 5, then END = 3 (with
start_id = 2), greedy_decode(step_fn, f, 2, 3, max_len=10) == [7, 5], and with
max_len = 1 it is [7].
"""

import numpy as np


def greedy_decode(step_fn, features, start_id: int, end_id: int, max_len: int) -> list[int]:
    """The greedy caption of one image: token ids without START and END, at most max_len of them."""
    # TODO: start with token = start_id, state = None and an empty list of tokens
    # TODO: loop at most max_len times: log_probs, state = step_fn(features, token, state)
    # TODO: token = int(np.argmax(log_probs)); stop (break) if it is end_id, else append it
    # TODO: return the list of tokens
    raise NotImplementedError("greedy_decode")
