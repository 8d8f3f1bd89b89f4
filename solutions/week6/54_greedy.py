"""Exercise 54 — greedy decoding: a caption, one most likely word at a time (reference solution)."""

import numpy as np


def greedy_decode(step_fn, features, start_id: int, end_id: int, max_len: int) -> list[int]:
    """The greedy caption of one image: token ids without START and END, at most max_len of them."""
    tokens: list[int] = []
    token, state = start_id, None
    for _ in range(max_len):
        log_probs, state = step_fn(features, token, state)
        token = int(np.argmax(log_probs))
        if token == end_id:
            break
        tokens.append(token)
    return tokens
