"""Exercise 55 — beam search: keep the beam_width best captions at every step (reference solution)."""

import numpy as np


def beam_search(step_fn, features, start_id: int, end_id: int, beam_width: int, max_len: int) -> list[int]:
    """The most likely caption found with beam_width hypotheses: ids without START and END."""
    live = [([], 0.0, start_id, None)]  # (tokens, score, last token, state)
    finished = []  # (tokens, score)
    for _ in range(max_len):
        if not live:
            break
        candidates = []  # (score, index of the live hypothesis, token, new state)
        for index, (tokens, score, last, state) in enumerate(live):
            log_probs, new_state = step_fn(features, last, state)
            log_probs = np.asarray(log_probs, dtype=float)
            for v in range(log_probs.shape[0]):
                candidates.append((score + float(log_probs[v]), index, v, new_state))
        candidates.sort(key=lambda c: -c[0])  # stable: ties keep the earlier hypothesis, the lower id
        live_next = []
        for score, index, v, new_state in candidates[:beam_width]:
            tokens = live[index][0]
            if v == end_id:
                finished.append((tokens, score))
            else:
                live_next.append((tokens + [v], score, v, new_state))
        live = live_next
    hypotheses = finished + [(tokens, score) for tokens, score, _, _ in live]
    best_tokens, _ = max(hypotheses, key=lambda h: h[1])
    return [int(t) for t in best_tokens]
