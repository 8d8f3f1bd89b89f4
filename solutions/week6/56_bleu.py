"""Exercise 56 — corpus BLEU: how well captions match their references (reference solution)."""

import math
from collections import Counter


def _ngrams(tokens: list, n: int) -> Counter:
    return Counter(zip(*[tokens[k:] for k in range(n)]))


def corpus_bleu(references: list[list[list[str]]], hypotheses: list[list[str]], max_n: int = 4) -> float:
    """Corpus-level BLEU-max_n of the hypotheses against several references per image."""
    matches = [0] * (max_n + 1)
    totals = [0] * (max_n + 1)
    hyp_length = ref_length = 0
    for refs, hyp in zip(references, hypotheses):
        hyp_length += len(hyp)
        ref_length += min((len(ref) for ref in refs), key=lambda length: (abs(length - len(hyp)), length))
        for n in range(1, max_n + 1):
            counts = _ngrams(hyp, n)
            most = Counter()
            for ref in refs:
                most |= _ngrams(ref, n)  # | keeps the larger count of each n-gram
            matches[n] += sum(min(count, most[gram]) for gram, count in counts.items())
            totals[n] += max(len(hyp) - n + 1, 1)  # at least 1, as nltk counts
    if hyp_length == 0 or any(matches[n] == 0 for n in range(1, max_n + 1)):
        return 0.0
    log_mean = sum(math.log(matches[n] / totals[n]) for n in range(1, max_n + 1)) / max_n
    penalty = 1.0 if hyp_length > ref_length else math.exp(1 - ref_length / hyp_length)
    return penalty * math.exp(log_mean)
