"""Exercise 55 (beam_search): the reference solution against a brute force over
every caption (a beam wide enough to keep them all is exhaustive), against
greedy decoding at width 1, and typical mistakes caught with the message that
names them."""

import itertools
import zlib

import numpy as np
import pytest

from tests.helpers import CATALOG, SOLUTIONS, mutate, run_source, solution

sol = solution("beam_search")
greedy = solution("greedy")
START, END = 2, 3


def _decoder(seed, vocab_size):
    """log P(next | tokens so far): seeded random numbers per prefix; the state is the prefix."""

    def log_probs(prefix):
        key = zlib.crc32(np.asarray((seed, *prefix), dtype=np.int64).tobytes())
        logits = np.random.default_rng(key).normal(scale=2.0, size=vocab_size)
        return logits - np.log(np.exp(logits).sum())

    def step_fn(features, token, state):
        prefix = (state or ()) + (int(token),)
        return log_probs(prefix), prefix

    return log_probs, step_fn


def _brute_force(log_probs, vocab_size, max_len):
    """The best caption over all of them: words (never END) of length 0..max_len, + END unless max_len long."""
    words = [v for v in range(vocab_size) if v != END]
    best, best_score = None, -np.inf
    for length in range(max_len + 1):
        for caption in itertools.product(words, repeat=length):
            prefix, score = (START,), 0.0
            for token in caption + ((END,) if length < max_len else ()):
                score += log_probs(prefix)[token]
                prefix += (token,)
            if score > best_score:
                best, best_score = list(caption), score
    return best


@pytest.mark.parametrize("seed, vocab_size, max_len", [(0, 4, 4), (1, 5, 3), (2, 6, 3), (3, 4, 5)])
def test_a_beam_wide_enough_equals_the_brute_force(seed, vocab_size, max_len):
    log_probs, step_fn = _decoder(seed, vocab_size)
    width = vocab_size**max_len  # every hypothesis survives: the search is exhaustive
    assert sol.beam_search(step_fn, None, START, END, width, max_len) == _brute_force(log_probs, vocab_size, max_len)


@pytest.mark.parametrize("seed, vocab_size, max_len", [(0, 8, 10), (1, 20, 6), (2, 5, 15)])
def test_width_one_equals_greedy(seed, vocab_size, max_len):
    _, step_fn = _decoder(seed, vocab_size)
    assert sol.beam_search(step_fn, None, START, END, 1, max_len) == greedy.greedy_decode(step_fn, None, START, END, max_len)


def test_a_wider_beam_never_scores_below_greedy_here():
    """Not a theorem, but on these decoders beam search finds captions at least as likely as greedy's."""
    for seed in range(5):
        log_probs, step_fn = _decoder(seed, 7)

        def score(caption, max_len=8):
            prefix, total = (START,), 0.0
            for token in caption + ([END] if len(caption) < max_len else []):
                total += log_probs(prefix)[token]
                prefix += (token,)
            return total

        g = greedy.greedy_decode(step_fn, None, START, END, 8)
        b = sol.beam_search(step_fn, None, START, END, 4, 8)
        assert score(b) >= score(g) - 1e-12


SCORE = "candidates.append((score + float(log_probs[v]), index, v, new_state))"


@pytest.mark.parametrize(
    "old, new, named",
    [
        (SCORE, SCORE.replace("float(log_probs[v])", "float(np.exp(log_probs[v]))"), "add up probabilities"),
        ("hypotheses = finished + [(tokens, score) for tokens, score, _, _ in live]",
         "hypotheses = [(tokens, score) for tokens, score, _, _ in live] or [([], 0.0)]", "finished hypotheses were dropped"),
        ("best_tokens, _ = max(hypotheses, key=lambda h: h[1])", "best_tokens, _ = min(hypotheses, key=lambda h: h[1])", "lowest score"),
        ("best_tokens, _ = max(hypotheses, key=lambda h: h[1])",
         "best_tokens, _ = finished[-1] if finished else hypotheses[0]", "finished last"),
        ("            if v == end_id:\n", "            if False:\n", "END is inside the caption"),
        ("for score, index, v, new_state in candidates[:beam_width]:", "for score, index, v, new_state in candidates[:1]:", "greedy caption"),
    ],
)
def test_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("beam_search", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message


def test_multiplied_log_probabilities_are_named(tmp_path):
    source = (SOLUTIONS / CATALOG.get("beam_search").file).read_text(encoding="utf-8")
    source = source.replace("live = [([], 0.0, start_id, None)]", "live = [([], 1.0, start_id, None)]")
    source = source.replace(SCORE, SCORE.replace("score + float", "score * float"))
    verdict = run_source("beam_search", source, tmp_path)
    assert verdict.status == "failed"
    assert "multiply log-probabilities" in verdict.message, verdict.message


def test_another_correct_solution_passes(tmp_path):
    """A score matrix per step and np.argsort, with the early stop the stub allows."""
    verdict = run_source(
        "beam_search",
        """
        import numpy as np


        def beam_search(step_fn, features, start_id, end_id, beam_width, max_len):
            tokens, scores, lasts, states = [[]], np.zeros(1), [start_id], [None]
            done = []
            for _ in range(max_len):
                rows, new_states = [], []
                for last, state in zip(lasts, states):
                    log_probs, new_state = step_fn(features, last, state)
                    rows.append(np.asarray(log_probs, dtype=float))
                    new_states.append(new_state)
                total = scores[:, None] + np.stack(rows)
                keep = np.argsort(-total, axis=None, kind="stable")[:beam_width]
                b_idx, v_idx = np.unravel_index(keep, total.shape)
                next_tokens, next_scores, next_lasts, next_states = [], [], [], []
                for b, v in zip(b_idx, v_idx):
                    if v == end_id:
                        done.append((total[b, v], tokens[b]))
                    else:
                        next_tokens.append(tokens[b] + [int(v)])
                        next_scores.append(total[b, v])
                        next_lasts.append(int(v))
                        next_states.append(new_states[b])
                tokens, scores, lasts, states = next_tokens, np.array(next_scores), next_lasts, next_states
                if not tokens or (done and max(s for s, _ in done) >= scores.max()):
                    break
            everything = done + list(zip(scores, tokens))
            return [int(t) for t in max(everything, key=lambda pair: pair[0])[1]]
        """,
        tmp_path,
    )
    assert verdict.status == "passed", verdict.message
