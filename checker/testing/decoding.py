"""A made-up caption decoder behind the step function of exercises 54 (greedy) and 55 (beam search).

Its log-probabilities depend only on the tokens said so far (a fixed table for
the small hand-made cases, else a seeded draw), and it records every misuse of
the step-function contract (features changed, a token that is not one int, a
state it never returned, state None after the first call), so a check can
name the mistake.  It runs in the judge: the learner's decoding calls it back.
"""

from __future__ import annotations

import zlib

import numpy as np

from checker.testing.asserts import fmt
from checker.testing.learner_side import type_name

START, END = 2, 3  # exercise 49's ids, which 54 and 55 decode from and stop at


class StepDecoder:
    """A made-up decoder; __call__ is the step function handed to the learner's code."""

    def __init__(self, features, vocab_size=8, seed=0, table=None, end_bias=1.5):
        self.features, self.vocab_size, self.seed = features, vocab_size, seed
        self.table, self.end_bias = table or {}, end_bias
        self.issued = set()
        self.calls = 0
        self.problems = []

    def log_probs(self, prefix):
        """log P(next | prefix), prefix = the tokens fed so far (START first)."""
        said = tuple(prefix[1:])
        if said in self.table:
            p = np.asarray(self.table[said], dtype=float)
            return np.log(p / p.sum())
        key = zlib.crc32(np.asarray((self.seed, *prefix), dtype=np.int64).tobytes())
        logits = np.random.default_rng(key).normal(scale=2.0, size=self.vocab_size)
        logits += 0.3 * np.resize(self.features, self.vocab_size)
        logits[END] = -30.0 if self.end_bias is None else logits[END] + self.end_bias * (len(said) - 3)
        logits[START] = -30.0  # a decoder never says START
        logits -= logits.max()
        return logits - np.log(np.sum(np.exp(logits)))

    def __call__(self, features, token, state):
        self.calls += 1
        if not (isinstance(features, np.ndarray) and features.shape == self.features.shape and np.array_equal(features, self.features)):
            self._problem(
                f"step_fn was called with features = {fmt(features)}: pass the image's features, "
                f"{fmt(self.features)}, unchanged on every call: step_fn(features, token, state)."
            )
        if np.ndim(token) != 0 or not isinstance(token, (int, np.integer)):
            self._problem(f"step_fn was called with token = {fmt(token)} ({type_name(token)}): pass one int, e.g. int(np.argmax(log_probs)).")
            token = int(np.ravel(token)[0])
        if state is None:
            if self.calls > 1:
                self._problem(
                    "step_fn got state = None after its first call: pass back the state it returned "
                    "(log_probs, state = step_fn(features, token, state)); None is for the first call only."
                )
            prefix = ()
        elif isinstance(state, tuple) and state in self.issued:
            prefix = state[1]
        else:
            self._problem(f"step_fn got state = {fmt(state)}, which it never returned: pass back exactly the state it returned.")
            prefix = ()
        prefix = prefix + (int(token),)
        new_state = ("decoder state", prefix)
        self.issued.add(new_state)
        return self.log_probs(prefix), new_state

    def _problem(self, message):
        if not self.problems:
            self.problems.append(message)
