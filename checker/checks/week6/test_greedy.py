"""Hidden checks for exercise 54 (greedy).

The learner's greedy_decode drives made-up decoders: step functions whose
log-probabilities are a fixed function of the image's features and of the
tokens said so far (a small hand-written table, or seeded random numbers).
Their state is the tuple of those tokens, so a step function knows whether it
was handed the state it returned.  Expected captions are decoded here with the
same step functions, called directly; the typical mistakes (going on after
END, END or START in the caption, one step too many or too few) are decoded
the same way so that each is named.
"""


import numpy as np
import pytest

from checker.testing import StepDecoder, fail, fmt, rng, type_name

START, END = 2, 3

NO_STOP = "decoding went on after END: stop (break) as soon as the chosen token is end_id."
END_KEPT = "END is in the caption: stop at end_id WITHOUT appending it (the caption is the words before END)."
START_KEPT = "START is in the caption: start_id is given, not generated; the caption begins with the first chosen token."
ONE_MORE = "one token too many: call step_fn at most max_len times (for _ in range(max_len)), END counting as a step."
ONE_LESS = "one token too few: a caption without END has exactly max_len tokens (for _ in range(max_len))."
SAMPLED = "the token fed to step_fn was not the one just chosen: pass token = argmax(log_probs) to the next call."


def _greedy(decoder, max_len, *, steps=None, stop=True, keep_end=False, keep_start=False, feed_start=False):
    prefix, out = (START,), [START] if keep_start else []
    for _ in range(max_len if steps is None else steps):
        token = int(np.argmax(decoder.log_probs(prefix)))
        if token == END and stop:
            if keep_end:
                out.append(token)
            break
        out.append(token)
        prefix = prefix + ((START,) if feed_start else (token,))
    return out


def _mistakes(decoder, max_len):
    return {
        NO_STOP: _greedy(decoder, max_len, stop=False),
        END_KEPT: _greedy(decoder, max_len, keep_end=True),
        START_KEPT: _greedy(decoder, max_len, keep_start=True),
        ONE_MORE: _greedy(decoder, max_len, steps=max_len + 1),
        ONE_LESS: _greedy(decoder, max_len, steps=max_len - 1),
        SAMPLED: _greedy(decoder, max_len, feed_start=True),
    }


def _check(ex, decoder, max_len, *, shown=None):
    what = f"greedy_decode(step_fn, features, start_id={START}, end_id={END}, max_len={max_len})"
    features = decoder.features.copy()
    got = ex.greedy_decode(decoder, features, START, END, max_len)
    if decoder.problems:
        fail(f"{what}: {decoder.problems[0]}")
    if not np.array_equal(features, decoder.features):
        fail(f"{what} changed `features` in place: pass them to step_fn as they are.")
    if got is None:
        fail(f"{what} returned None.\nDid you forget the `return` statement?")
    if not isinstance(got, list) or not all(isinstance(t, (int, np.integer)) for t in got):
        fail(f"{what} returned {fmt(got)} ({type_name(got)}): return a list of ints.")
    got = [int(t) for t in got]
    expected = _greedy(decoder, max_len)
    if got == expected:
        return
    lines = [f"{what} is not right."]
    if shown:
        lines.append(shown)
    lines += [f"expected: {fmt(expected)}", f"got:      {fmt(got)}"]
    for description, wrong in _mistakes(decoder, max_len).items():
        if wrong != expected and got == wrong:
            lines.append(f"Likely mistake: {description}")
            break
    else:
        lines.append("At every step the caption takes the token with the largest log-probability (np.argmax).")
    fail("\n".join(lines))


# A tiny vocabulary: 0 <pad>, 1 <unk>, 2 <start>, 3 <end>, 4 "a", 5 "shoe", 6 "bag"
TABLE = {
    (): [0.01, 0.01, 0.01, 0.1, 0.6, 0.1, 0.2],
    (4,): [0.01, 0.01, 0.01, 0.1, 0.1, 0.5, 0.3],
    (4, 5): [0.01, 0.05, 0.01, 0.8, 0.05, 0.05, 0.05],
}
TABLE_TEXT = (
    "on a made-up decoder over 7 ids (0 <pad>, 1 <unk>, 2 <start>, 3 <end>, 4 a, 5 shoe, 6 bag):\n"
    "  after <start>: a 0.6, bag 0.2, ...;  after a: shoe 0.5, bag 0.3, ...;  after a shoe: <end> 0.8, ..."
)


def test_tiny_decoder_stops_at_end(ex):
    """greedy_decode says 'a shoe' and stops at END (END and START not in the caption)"""
    _check(ex, StepDecoder(np.zeros(3), vocab_size=7, table=TABLE), 10, shown=TABLE_TEXT)


def test_max_len_cuts_the_caption(ex):
    """greedy_decode with max_len = 1, 2 and 3 returns at most max_len tokens"""
    for max_len in (1, 2, 3):
        _check(ex, StepDecoder(np.zeros(3), vocab_size=7, table=TABLE), max_len, shown=TABLE_TEXT)


def test_step_fn_not_called_after_end(ex):
    """greedy_decode calls step_fn once per token, END included, and never after END"""
    decoder = StepDecoder(np.zeros(3), vocab_size=7, table=TABLE)
    _check(ex, decoder, 10, shown=TABLE_TEXT)
    if decoder.calls != 3:
        fail(
            f"greedy_decode called step_fn {decoder.calls} times for the caption 'a shoe' + END: expected 3 "
            "(one call per chosen token, END included; no call after END)."
        )


@pytest.mark.parametrize("seed, vocab_size, max_len", [(0, 8, 12), (1, 20, 6), (2, 5, 30), (3, 50, 4), (4, 12, 1)])
def test_random_decoders(ex, seed, vocab_size, max_len):
    """greedy_decode on seeded made-up decoders of several vocabulary sizes and max_len"""
    features = rng(seed).normal(size=4 + seed)
    _check(ex, StepDecoder(features, vocab_size=vocab_size, seed=seed), max_len)


def test_caption_without_end(ex):
    """greedy_decode returns exactly max_len tokens when END never wins"""
    decoder = StepDecoder(rng(9).normal(size=5), vocab_size=10, seed=9, end_bias=None)
    _check(ex, decoder, 7)
