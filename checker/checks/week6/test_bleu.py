"""Hidden checks for exercise 56 (bleu).

Two kinds of expected values.  On the hand-made corpora of CASES, the values
in STORED were computed with nltk's `nltk.translate.bleu_score.corpus_bleu`
(an implementation independent of this course) by
`tests/week6/make_bleu_values.py`; the project's tests recompute them with
nltk on every run.  On seeded random corpora, the expected value comes from
`_bleu` below, the stub's formula written out (and itself held against nltk by
the project's tests).  `_bleu`'s keywords simulate the typical mistakes -- no
clipping, the longest or shortest reference for the brevity penalty, the
average of sentence BLEU, the arithmetic mean of the precisions -- so that
each is named.  The checks import numpy only (nltk is never needed here).
"""

import math
from collections import Counter

import pytest

from checker.testing import assert_close, assert_scalar, assert_unchanged, fail, rng, snapshot

NO_CLIP = (
    "the n-gram counts are not clipped: a hypothesis n-gram counts at most as often as it occurs in the "
    "reference where it occurs most (min(count_hyp, max over the references of count_ref))."
)
LONGEST = "the brevity penalty used the LONGEST reference: use the one closest in length to the hypothesis (ties: the shorter)."
SHORTEST = "the brevity penalty used the SHORTEST reference: use the one closest in length to the hypothesis (ties: the shorter)."
TIE_LONGER = "on a tie in the brevity penalty (references 1 shorter and 1 longer than the hypothesis), take the SHORTER one."
SENTENCE_MEAN = (
    "this is the average of each image's own BLEU: corpus BLEU sums the matches and the n-gram counts over all "
    "images first, divides once per n, and applies one brevity penalty to the whole corpus."
)
ARITHMETIC = "the precisions were averaged arithmetically: BLEU takes their GEOMETRIC mean, exp(Σ log p_n / max_n)."
NO_BP = "the brevity penalty is missing: multiply by exp(1 − r / c) when the hypotheses are not longer than the references (c <= r)."
SHORT_IGNORED = (
    "a hypothesis shorter than n added 0 to total_n: it adds max(len(hyp) − n + 1, 1), at least 1 "
    "(as nltk counts), so an empty or too-short caption lowers the precision."
)
PER_SENTENCE_P = (
    "the precisions were computed per image and then averaged: sum the clipped matches and the n-gram counts over "
    "the whole corpus first, then p_n = matches_n / total_n."
)


def _ngrams(tokens, n):
    return Counter(tuple(tokens[k : k + n]) for k in range(len(tokens) - n + 1))


def _closest(lengths, c, rule):
    if rule == "closest":
        return sorted(lengths, key=lambda r: (abs(r - c), r))[0]
    if rule == "closest_longer":
        return sorted(lengths, key=lambda r: (abs(r - c), -r))[0]
    return max(lengths) if rule == "longest" else min(lengths)


def _bleu(references, hypotheses, max_n=4, *, clip=True, ref="closest", mean="geometric", bp=True, level="corpus", least=1):
    """BLEU as the stub states it; the keywords simulate mistakes."""
    if level == "sentence":
        scores = [_bleu([r], [h], max_n, clip=clip, ref=ref, mean=mean, bp=bp, least=least) for r, h in zip(references, hypotheses)]
        return sum(scores) / len(scores)
    matches, totals, per_image = [0] * max_n, [0] * max_n, []
    c = r = 0
    for refs, hyp in zip(references, hypotheses):
        c += len(hyp)
        r += _closest([len(x) for x in refs], len(hyp), ref)
        image = []
        for n in range(1, max_n + 1):
            hyp_counts = _ngrams(hyp, n)
            best = {}
            for x in refs:
                for gram, count in _ngrams(x, n).items():
                    best[gram] = max(best.get(gram, 0), count)
            matched = sum(min(k, best.get(g, 0)) if clip else (k if g in best else 0) for g, k in hyp_counts.items())
            matches[n - 1] += matched
            totals[n - 1] += max(len(hyp) - n + 1, least)
            image.append(matched / max(len(hyp) - n + 1, 1))
        per_image.append(image)
    if c == 0:
        return 0.0
    if level == "per_image_precision":
        precisions = [sum(p[n] for p in per_image) / len(per_image) for n in range(max_n)]
    else:
        precisions = [m / t if t else 0.0 for m, t in zip(matches, totals)]
    if mean == "geometric":
        if min(precisions) == 0:
            return 0.0
        score = math.exp(sum(math.log(p) for p in precisions) / max_n)
    else:
        score = sum(precisions) / max_n
    if bp and c <= r:
        score *= math.exp(1 - r / c)
    return score


def _mistakes(references, hypotheses, max_n):
    return {
        NO_CLIP: _bleu(references, hypotheses, max_n, clip=False),
        SENTENCE_MEAN: _bleu(references, hypotheses, max_n, level="sentence"),
        PER_SENTENCE_P: _bleu(references, hypotheses, max_n, level="per_image_precision"),
        ARITHMETIC: _bleu(references, hypotheses, max_n, mean="arithmetic"),
        TIE_LONGER: _bleu(references, hypotheses, max_n, ref="closest_longer"),
        LONGEST: _bleu(references, hypotheses, max_n, ref="longest"),
        SHORTEST: _bleu(references, hypotheses, max_n, ref="shortest"),
        NO_BP: _bleu(references, hypotheses, max_n, bp=False),
        SHORT_IGNORED: _bleu(references, hypotheses, max_n, least=0),
    }


def _split(*captions):
    return [caption.split() for caption in captions]


# Hand-made corpora.  The expected values are in STORED (computed with nltk).
CASES = {
    "clipping": dict(
        references=[_split("the cat is on the mat", "there is a cat on the mat")],
        hypotheses=_split("the the the the the the the"),
        max_n=1,
    ),
    "papineni": dict(
        references=[
            _split(
                "it is a guide to action that ensures that the military will forever heed party commands",
                "it is the guiding principle which guarantees the military forces always being under the command of the party",
                "it is the practical guide for the army always to heed the directions of the party",
            ),
            _split("he was interested in world history because he read the book"),
        ],
        hypotheses=_split(
            "it is a guide to action which ensures that the military always obeys the commands of the party",
            "he read the book because he was interested in world history",
        ),
        max_n=4,
    ),
    "closest_length_tie_takes_the_shorter": dict(
        references=[
            _split("a red bag on the left", "a red bag left"),
            _split("two shoes at the top", "two shoes"),
            _split("a coat", "a big coat", "one light coat in the middle of the picture"),
        ],
        hypotheses=_split("a red bag the left", "two shoes at top", "a big coat"),
        max_n=2,
    ),
    "brevity_penalty": dict(
        references=[_split("a small dark shoe at the top", "a dark shoe in the top of the picture")],
        hypotheses=_split("a dark shoe top"),
        max_n=2,
    ),
    "empty_hypothesis": dict(
        references=[
            _split("a bag", "a bag at the top"),
            _split("a shirt and a shoe", "a shirt on the left and a shoe"),
            _split("a red bag on the left", "a bag"),
        ],
        hypotheses=[[], "a shirt and a shoe on the left".split(), "a red bag on the left".split()],
        max_n=4,
    ),
    "all_hypotheses_empty": dict(references=[_split("a bag", "one bag")], hypotheses=[[]], max_n=4),
    "no_4gram_matches": dict(
        references=[_split("a bag on the left", "one bag at the left"), _split("a shoe", "one small shoe")],
        hypotheses=_split("a bag the left on", "one shoe"),
        max_n=4,
    ),
    "sentence_average_differs": dict(
        references=[
            _split("a shoe on the left and a bag on the right", "a shoe left of a bag"),
            _split("a shirt", "one light shirt in the middle"),
            _split("two bags at the top and a coat below", "bags above a coat"),
        ],
        hypotheses=_split("a shoe on the left of a bag", "a light shirt", "a bag at the top and a coat"),
        max_n=4,
    ),
}
for _n in (1, 2, 3, 4):
    CASES[f"several_references_max_n_{_n}"] = dict(
        references=[
            _split("a dark shoe on the left", "a shoe at the left", "one dark shoe left", "a black shoe on the left side"),
            _split("a bag and a shirt", "a shirt to the right of a bag"),
            _split("the coat is big", "a big coat", "a large coat in the middle", "one big light coat", "a coat"),
            _split("a sandal at the bottom right and a bag at the top left", "a bag above a sandal"),
        ],
        hypotheses=_split(
            "a dark shoe on the left on the left",
            "a bag to the right of a shirt",
            "a big coat in the middle",
            "a sandal at the bottom and a bag at the top",
        ),
        max_n=_n,
    )

# Made by tests/week6/make_bleu_values.py with nltk 3.10.4 (nltk.translate.bleu_score.corpus_bleu,
# uniform weights, no smoothing).  Where a precision is 0, nltk returns a value below 1e-70 instead of 0.
STORED = {
    'clipping': 0.2857142857142857,
    'papineni': 0.5920778868801042,
    'closest_length_tie_takes_the_shorter': 0.8819171036881969,
    'brevity_penalty': 0.38568567525765485,
    'empty_hypothesis': 0.6515318601175849,
    'all_hypotheses_empty': 0.0,
    'no_4gram_matches': 1.1862800137389335e-154,
    'sentence_average_differs': 0.7238425403921714,
    'several_references_max_n_1': 0.9117647058823529,
    'several_references_max_n_2': 0.8716673227605974,
    'several_references_max_n_3': 0.7920009479223723,
    'several_references_max_n_4': 0.7059708630114688,
}


def _check(ex, references, hypotheses, max_n, expected, *, show=True):
    what = f"corpus_bleu(references, hypotheses, max_n={max_n})"
    before = snapshot([references, hypotheses])
    got = ex.corpus_bleu(references, hypotheses, max_n)
    assert_unchanged(
        {"references": before[0], "hypotheses": before[1]}, {"references": references, "hypotheses": hypotheses}, what="corpus_bleu"
    )
    got = assert_scalar(got, what=what)
    inputs = None
    if show:
        inputs = {
            "references": [[" ".join(x) for x in refs] for refs in references],
            "hypotheses": [" ".join(h) for h in hypotheses],
        }
    assert_close(got, expected, what=what, inputs=inputs, rtol=1e-9, atol=1e-12, mistakes=_mistakes(references, hypotheses, max_n))


@pytest.mark.parametrize("name", list(CASES))
def test_stored_reference_values(ex, name):
    """corpus_bleu equals stored values computed with nltk on hand-made corpora"""
    case = CASES[name]
    _check(ex, case["references"], case["hypotheses"], case["max_n"], STORED[name])


def _random_corpus(seed, n_images, words):
    g = rng(seed)
    references, hypotheses = [], []
    for _ in range(n_images):
        refs = [[str(w) for w in g.choice(words, size=g.integers(2, 11))] for _ in range(g.integers(1, 6))]
        hyp = list(refs[int(g.integers(len(refs)))])
        for _ in range(int(g.integers(0, 4))):  # a few edits: replace, drop or repeat a word
            edit, k = int(g.integers(3)), int(g.integers(len(hyp))) if hyp else 0
            if not hyp:
                break
            if edit == 0:
                hyp[k] = str(g.choice(words))
            elif edit == 1:
                del hyp[k]
            else:
                hyp.insert(k, hyp[k])
        references.append(refs)
        hypotheses.append(hyp)
    return references, hypotheses


RANDOM = [(0, 12, 4), (1, 30, 4), (2, 5, 2), (3, 50, 3), (4, 8, 1), (5, 1, 4)]


@pytest.mark.parametrize("seed, n_images, max_n", RANDOM)
def test_random_corpora(ex, seed, n_images, max_n):
    """corpus_bleu on seeded random corpora (1 to 5 references per image, max_n = 1 to 4)"""
    references, hypotheses = _random_corpus(seed, n_images, ["a", "bag", "shoe", "red", "on", "the", "left", "top"])
    _check(ex, references, hypotheses, max_n, _bleu(references, hypotheses, max_n), show=n_images <= 2)


def test_default_max_n_is_4(ex):
    """corpus_bleu(references, hypotheses) is BLEU-4"""
    case = CASES["papineni"]
    got = assert_scalar(ex.corpus_bleu(case["references"], case["hypotheses"]), what="corpus_bleu(references, hypotheses)")
    if abs(got - STORED["papineni"]) > 1e-9:
        fail(f"corpus_bleu(references, hypotheses) without max_n returned {got:.6f}, expected BLEU-4 = {STORED['papineni']:.6f}: max_n defaults to 4.")
