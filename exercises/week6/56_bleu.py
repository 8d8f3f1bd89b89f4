"""Exercise 56 — corpus BLEU: how well captions match their references.

BLEU (Papineni et al., 2002) scores a whole test set of generated captions,
the HYPOTHESES, against human captions, the REFERENCES (several per image).
Captions are lists of tokens (words):

    references[i]  the references of image i: a list of token lists
    hypotheses[i]  the caption generated for image i: one token list

    references = [[["a", "red", "bag"], ["a", "bag", "on", "the", "left"]], ...]
    hypotheses = [["a", "red", "bag", "left"], ...]

1. Clipped n-gram counts.  An n-gram is a run of n consecutive tokens.  For
   every image and each n = 1 … max_n, every distinct n-gram g of the
   hypothesis counts at most as often as it occurs in the ONE reference where
   it occurs most:
       matches_n += Σ_g min(count_hyp(g), max over the references of count_ref(g))
       total_n   += max(len(hyp) − n + 1, 1)
   len(hyp) − n + 1 is the number of n-grams of the hypothesis; a hypothesis
   with none (shorter than n tokens, or empty) still adds 1, as nltk's
   corpus_bleu does, so a too-short caption lowers p_n instead of being
   ignored.  (Clipping stops "the the the the" from scoring 4/4 against
   "the cat".)
2. Corpus precisions.  The sums run over the WHOLE corpus first, then divide:
       p_n = matches_n / total_n
   This is corpus BLEU; it is not the average of each image's own BLEU.
3. Geometric mean with uniform weights:  exp( (1/max_n) · Σ_n log p_n ).
   No smoothing: if any p_n is 0 (no n-gram of that order matches anywhere,
   or the hypotheses have no n-grams at all), BLEU is 0.0.
4. Brevity penalty.  c = the total length of the hypotheses; r = the sum over
   images of the length of the reference CLOSEST in length to that image's
   hypothesis (on a tie, the shorter one: lengths 4 and 6 for a hypothesis of
   5 give 4).
       BP = 1 if c > r,  exp(1 − r / c) if 0 < c <= r,  0 if c = 0
5. BLEU = BP · exp( (1/max_n) · Σ_n log p_n ),  a Python float in [0, 1].

A hypothesis may be empty (the captioner said END first): it adds no matches,
1 to each total_n and length 0 to c, and its closest reference is the
shortest one.  These rules give exactly the values of nltk's
nltk.translate.bleu_score.corpus_bleu with weights (1/max_n, …) (where nltk
returns a tiny number instead of 0.0, for a precision of 0).  Do not
modify the arguments.  `zip(*[tokens[k:] for k in range(n)])` gives the
n-grams of a token list as tuples; collections.Counter counts them.
"""

import math
from collections import Counter


def corpus_bleu(references: list[list[list[str]]], hypotheses: list[list[str]], max_n: int = 4) -> float:
    """Corpus-level BLEU-max_n of the hypotheses against several references per image."""
    # TODO: for each image and each n = 1..max_n: add the clipped n-gram matches to matches[n] and
    #       max(len(hyp) - n + 1, 1) to totals[n]
    # TODO: add len(hyp) to c and the closest reference length (ties: the shorter) to r
    # TODO: return 0.0 if c == 0 or any matches[n] == 0
    # TODO: the geometric mean of the precisions matches[n] / totals[n], with weights 1/max_n
    # TODO: multiply by the brevity penalty: 1 if c > r else exp(1 - r / c)
    raise NotImplementedError("corpus_bleu")
