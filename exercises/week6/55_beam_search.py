"""Exercise 55 — beam search: keep the beam_width best captions at every step.

Greedy decoding (exercise 54) commits to one word at a time and can miss a
caption that is more likely as a whole: a first word of probability 0.5 can
lead only to weak continuations while a first word of probability 0.4 leads
to one of 0.9 (0.4 · 0.9 = 0.36 > 0.5 · 0.3).  Beam search keeps several
partial captions, the HYPOTHESES, and their scores.

The step function is the one of exercise 54:

    log_probs, new_state = step_fn(features, token, state)

called once per hypothesis and step, with that hypothesis's last token
(start_id at first) and that hypothesis's own state (None at first).  A
hypothesis is (tokens, score, last token, state); its score is the SUM of the
log-probabilities of its tokens (a product of probabilities, done in logs:
summing probabilities, or multiplying log-probabilities, is wrong).

    live = [([], 0.0, start_id, None)];  finished = []
    repeat at most max_len times (while some hypothesis is live):
        for every live hypothesis: log_probs, new_state = step_fn(features, last, state)
            each token v gives a candidate of score  score + log_probs[v]
        keep the beam_width candidates with the highest scores, over ALL live
        hypotheses together (a hypothesis may leave 0, 1 or more of them);
        a kept candidate whose token is end_id is FINISHED: it goes to
            `finished` (its tokens, without END, and its score) and is never
            extended again;
        the other kept candidates (tokens + [v], new score, v, new_state) are
            the live hypotheses of the next step.
    return the tokens of the hypothesis with the highest score among the
    finished ones AND the ones still live after max_len steps.

Conventions:
- the result is a list of Python ints, without START and without END, at most
  max_len tokens, as in greedy decoding; beam_width = 1 gives exactly greedy's
  caption;
- scores are raw sums of log-probabilities: no length normalisation (dividing
  by the length would favour longer captions; this exercise does not);
- a finished hypothesis is kept even when later steps are still running: it
  competes at the end with everything else;
- you may stop early once no hypothesis is live (or once the best finished
  score beats every live score: log-probabilities are <= 0, so a live
  hypothesis can only lose score); the result is the same.
- the checks avoid exact ties between scores.

Don't modify `features`.  np.argsort(scores)[::-1][:beam_width] gives the
indices of the beam_width largest scores.
"""

import numpy as np


def beam_search(step_fn, features, start_id: int, end_id: int, beam_width: int, max_len: int) -> list[int]:
    """The most likely caption found with beam_width hypotheses: ids without START and END."""
    # TODO: live = [([], 0.0, start_id, None)]  (tokens, score, last token, state);  finished = []
    # TODO: for each of at most max_len steps (stop when live is empty):
    # TODO:     call step_fn once per live hypothesis; collect the candidates (score + log_probs[v], hypothesis, v, new_state)
    # TODO:     keep the beam_width best candidates; END candidates go to finished (tokens, score), the others form the new live list
    # TODO: return the tokens of the best (highest score) among finished and live
    raise NotImplementedError("beam_search")
