"""Hidden checks for exercise 55 (beam_search).

The learner's beam_search drives made-up decoders: step functions whose
log-probabilities are a fixed function of the image's features and of the
tokens said so far (small hand-written tables where greedy decoding misses the
likelier caption, or seeded random numbers).  Their state is the tuple of
those tokens, so a step function knows whether it was handed a state it
returned.  Expected captions come from a beam search written here another
way (one score matrix per step, np.argsort over it), calling the step
functions directly; the typical mistakes (probabilities summed, log-probabilities
multiplied, finished hypotheses dropped or extended past END, the last or the
worst hypothesis returned) are decoded the same way so that each is named.
"""


import numpy as np
import pytest

from checker.testing import StepDecoder, fail, fmt, rng, type_name

START, END = 2, 3

PROB_SUM = (
    "the scores add up probabilities: a caption's score is the SUM of the LOG-probabilities of its tokens "
    "(score + log_probs[v]), i.e. the log of the product of their probabilities."
)
LOG_PRODUCT = (
    "the scores multiply log-probabilities: the log of a product is a sum, so a caption's score is "
    "score + log_probs[v], starting from 0.0."
)
DROPPED = (
    "finished hypotheses were dropped: a candidate ending with END goes to a `finished` list (with its score) "
    "and competes at the end with the hypotheses still live."
)
EXTENDED = (
    "END did not finish a hypothesis: a candidate whose token is end_id is set aside as finished and never "
    "extended again (its caption stops before END)."
)
END_INSIDE = (
    "END is inside the caption: a candidate whose token is end_id is finished: set it aside (its tokens without "
    "END, and its score) and never extend it."
)
LAST = "the hypothesis that finished last was returned: return the one with the HIGHEST score, finished or live."
WORST = "the hypothesis with the lowest score was returned (a sort in the wrong direction?): return the highest."
GREEDY = "this is the greedy caption: keep the beam_width best candidates at every step, not only the single best."


def _greedy(decoder, max_len):
    prefix, out = (START,), []
    for _ in range(max_len):
        token = int(np.argmax(decoder.log_probs(prefix)))
        if token == END:
            break
        out.append(token)
        prefix = prefix + (token,)
    return out


def _beam(decoder, width, max_len, *, score="log", finished="keep", pick="best", cut=True):
    """Beam search with one (hypotheses × V) score matrix per step; the keywords simulate mistakes."""
    live, done = [((), 1.0 if score == "mult" else 0.0)], []
    for _ in range(max_len):
        if not live:
            break
        log_probs = np.stack([decoder.log_probs((START,) + tokens) for tokens, _ in live])
        totals = np.array([s for _, s in live])[:, None]
        if score == "log":
            scores = totals + log_probs
        elif score == "prob":
            scores = totals + np.exp(log_probs)
        else:
            scores = totals * log_probs
        flat = scores.ravel()
        next_live = []
        for k in np.argsort(-flat, kind="stable")[:width]:
            b, v = divmod(int(k), scores.shape[1])
            tokens = live[b][0]
            if v == END and finished != "extend":
                if finished == "keep":
                    done.append((tokens, flat[k]))
            else:
                next_live.append((tokens + (v,), flat[k]))
        live = next_live
    hypotheses = done + live
    if not hypotheses:
        return []
    if pick == "best":
        tokens = hypotheses[int(np.argmax([s for _, s in hypotheses]))][0]
    elif pick == "worst":
        tokens = hypotheses[int(np.argmin([s for _, s in hypotheses]))][0]
    else:  # the last to finish
        tokens = done[-1][0] if done else live[0][0]
    tokens = list(tokens)
    if finished == "extend" and cut and END in tokens:
        tokens = tokens[: tokens.index(END)]
    return tokens


def _mistakes(decoder, width, max_len):
    return {
        PROB_SUM: _beam(decoder, width, max_len, score="prob"),
        LOG_PRODUCT: _beam(decoder, width, max_len, score="mult"),
        DROPPED: _beam(decoder, width, max_len, finished="drop"),
        EXTENDED: _beam(decoder, width, max_len, finished="extend"),
        END_INSIDE: _beam(decoder, width, max_len, finished="extend", cut=False),
        LAST: _beam(decoder, width, max_len, pick="last"),
        WORST: _beam(decoder, width, max_len, pick="worst"),
        GREEDY: _greedy(decoder, max_len),
    }


def _check(ex, decoder, width, max_len, *, shown=None):
    what = f"beam_search(step_fn, features, start_id={START}, end_id={END}, beam_width={width}, max_len={max_len})"
    features = decoder.features.copy()
    got = ex.beam_search(decoder, features, START, END, width, max_len)
    if decoder.problems:
        fail(f"{what}: {decoder.problems[0]}")
    if not np.array_equal(features, decoder.features):
        fail(f"{what} changed `features` in place: pass them to step_fn as they are.")
    if got is None:
        fail(f"{what} returned None.\nDid you forget the `return` statement?")
    if not isinstance(got, list) or not all(isinstance(t, (int, np.integer)) for t in got):
        fail(f"{what} returned {fmt(got)} ({type_name(got)}): return a list of ints.")
    got = [int(t) for t in got]
    expected = _beam(decoder, width, max_len)
    if got == expected:
        return
    lines = [f"{what} is not right."]
    if shown:
        lines.append(shown)
    lines += [f"expected: {fmt(expected)}", f"got:      {fmt(got)}"]
    score = lambda tokens: _score(decoder, tokens, max_len)  # noqa: E731
    if len(got) <= max_len and all(0 <= t < decoder.vocab_size for t in got):
        lines.append(f"(sum of log-probabilities: expected {score(expected):.4f}, yours {score(got):.4f})")
    named = [d for d, wrong in _mistakes(decoder, width, max_len).items() if wrong != expected and got == wrong]
    if len(named) == 1:
        lines.append(f"Likely mistake: {named[0]}")
    elif named:  # on this decoder several mistakes give the same caption: name them all
        lines.append("Likely mistake, one of:\n" + "\n".join(f"  - {d}" for d in named))
    else:
        lines.append(
            "Each step keeps the beam_width highest scores among ALL the candidates of all live hypotheses; "
            "each hypothesis passes its OWN state to step_fn."
        )
    fail("\n".join(lines))


def _score(decoder, tokens, max_len):
    """The caption's score: its tokens' log-probabilities, plus END's when it ended before max_len."""
    prefix, total = (START,), 0.0
    for token in list(tokens) + ([END] if len(tokens) < max_len else []):
        total += float(decoder.log_probs(prefix)[token])
        prefix = prefix + (token,)
    return total


# Made-up decoders over 8 ids: 0 <pad>, 1 <unk>, 2 <start>, 3 <end>, 4 a, 5 shoe, 6 bag, 7 red
GREEDY_MISSES = {
    (): [0.01, 0.01, 0.001, 0.04, 0.5, 0.02, 0.02, 0.4],
    (4,): [0.01, 0.01, 0.001, 0.3, 0.02, 0.32, 0.28, 0.06],
    (4, 5): [0.01, 0.01, 0.001, 0.6, 0.1, 0.1, 0.1, 0.08],
    (7,): [0.01, 0.01, 0.001, 0.02, 0.02, 0.03, 0.9, 0.01],
    (7, 6): [0.01, 0.01, 0.001, 0.95, 0.01, 0.01, 0.01, 0.005],
}
GREEDY_MISSES_TEXT = (
    "on a made-up decoder over 8 ids (3 <end>, 4 a, 5 shoe, 6 bag, 7 red):\n"
    "  after <start>: a 0.5, red 0.4;  after a: shoe 0.32, <end> 0.3, bag 0.28;  after a shoe: <end> 0.6;\n"
    "  after red: bag 0.9;  after red bag: <end> 0.95\n"
    "  greedy says 'a shoe' (0.5 · 0.32 · 0.6 = 0.096), beam search finds 'red bag' (0.4 · 0.9 · 0.95 = 0.342)"
)
FINISHED_EARLY = {
    (): [0.01, 0.01, 0.001, 0.01, 0.6, 0.01, 0.01, 0.35],
    (4,): [0.01, 0.01, 0.001, 0.7, 0.01, 0.1, 0.09, 0.08],
    (7,): [0.01, 0.01, 0.001, 0.01, 0.01, 0.45, 0.5, 0.01],
    (7, 6): [0.01, 0.01, 0.001, 0.5, 0.1, 0.2, 0.1, 0.08],
    (7, 5): [0.01, 0.01, 0.001, 0.6, 0.1, 0.1, 0.1, 0.08],
}
FINISHED_EARLY_TEXT = (
    "on a made-up decoder over 8 ids (3 <end>, 4 a, 5 shoe, 6 bag, 7 red):\n"
    "  after <start>: a 0.6, red 0.35;  after a: <end> 0.7;  after red: bag 0.5, shoe 0.45;\n"
    "  after red bag: <end> 0.5;  after red shoe: <end> 0.6\n"
    "  'a' + <end> finishes at step 2 with probability 0.42, more than any caption found later"
)


@pytest.mark.parametrize("width", [3, 2])
def test_finds_the_caption_greedy_misses(ex, width):
    """beam_search finds 'red bag' (0.342) where greedy decoding says 'a shoe' (0.096)"""
    _check(ex, StepDecoder(np.zeros(3), vocab_size=8, table=GREEDY_MISSES), width, 10, shown=GREEDY_MISSES_TEXT)


@pytest.mark.parametrize("width", [2, 4])
def test_finished_hypotheses_are_kept(ex, width):
    """beam_search keeps 'a' + END, finished at step 2, against the hypotheses that go on"""
    _check(ex, StepDecoder(np.zeros(3), vocab_size=8, table=FINISHED_EARLY), width, 8, shown=FINISHED_EARLY_TEXT)


def test_width_one_is_greedy_on_the_tiny_decoder(ex):
    """beam_search with beam_width = 1 says greedy's 'a shoe'"""
    _check(ex, StepDecoder(np.zeros(3), vocab_size=8, table=GREEDY_MISSES), 1, 10, shown=GREEDY_MISSES_TEXT)


@pytest.mark.parametrize("seed, vocab_size, max_len", [(0, 8, 12), (1, 20, 6), (2, 5, 20), (3, 30, 3)])
def test_width_one_equals_greedy(ex, seed, vocab_size, max_len):
    """beam_search with beam_width = 1 equals greedy decoding on seeded made-up decoders"""
    decoder = StepDecoder(rng(seed).normal(size=3 + seed), vocab_size=vocab_size, seed=seed)
    assert _beam(decoder, 1, max_len) == _greedy(decoder, max_len)
    _check(ex, decoder, 1, max_len)


@pytest.mark.parametrize(
    "seed, vocab_size, width, max_len",
    [(10, 8, 2, 10), (11, 12, 3, 8), (12, 6, 5, 15), (13, 25, 4, 6), (14, 10, 3, 1), (15, 7, 10, 9)],
)
def test_random_decoders(ex, seed, vocab_size, width, max_len):
    """beam_search on seeded made-up decoders of several vocabulary sizes, widths and max_len"""
    decoder = StepDecoder(rng(seed).normal(size=5), vocab_size=vocab_size, seed=seed, end_bias=0.8)
    _check(ex, decoder, width, max_len)


def test_caption_without_end(ex):
    """beam_search returns max_len tokens when END never wins"""
    decoder = StepDecoder(rng(20).normal(size=4), vocab_size=9, seed=20, end_bias=None)
    _check(ex, decoder, 3, 5)
