"""Exercise 56 (bleu): the reference solution and the check's stored values
against nltk's corpus_bleu computed live, and typical mistakes caught with the
message that names them."""

import pytest

from tests.helpers import CATALOG, SOLUTIONS, mutate, run_source, solution
from tests.week6.make_bleu_values import load_check, nltk_bleu, nltk_values

sol = solution("bleu")
check = load_check()
WORDS = ["a", "bag", "shoe", "red", "on", "the", "left", "top"]


def test_stored_values_are_nltk_values():
    """STORED in the check is what make_bleu_values.py prints today (a stale table fails here)."""
    live = nltk_values(check.CASES)
    assert live.keys() == check.STORED.keys()
    for name, value in live.items():
        assert check.STORED[name] == pytest.approx(value, rel=1e-12, abs=1e-300), name


@pytest.mark.parametrize("name", list(check.CASES))
def test_solution_equals_nltk_on_the_stored_corpora(name):
    case = check.CASES[name]
    expected = nltk_bleu(case["references"], case["hypotheses"], case["max_n"])
    assert sol.corpus_bleu(case["references"], case["hypotheses"], case["max_n"]) == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_solution_and_the_checks_formula_equal_nltk_on_random_corpora(seed):
    max_n = 1 + seed % 4
    references, hypotheses = check._random_corpus(100 + seed, 3 + 4 * seed, WORDS)
    if seed % 3 == 0:
        hypotheses[0] = []  # an empty caption somewhere
    expected = nltk_bleu(references, hypotheses, max_n)
    assert sol.corpus_bleu(references, hypotheses, max_n) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert check._bleu(references, hypotheses, max_n) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def _source():
    return (SOLUTIONS / CATALOG.get("bleu").file).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("min(count, most[gram])", "count * (gram in most)", "not clipped"),
        ("min((len(ref) for ref in refs), key=lambda length: (abs(length - len(hyp)), length))",
         "max(len(ref) for ref in refs)", "LONGEST reference"),
        ("min((len(ref) for ref in refs), key=lambda length: (abs(length - len(hyp)), length))",
         "min(len(ref) for ref in refs)", "SHORTEST reference"),
        ("key=lambda length: (abs(length - len(hyp)), length)", "key=lambda length: (abs(length - len(hyp)), -length)",
         "take the SHORTER one"),
        ("max(len(hyp) - n + 1, 1)", "max(len(hyp) - n + 1, 0)", "added 0 to total_n"),
        ("penalty * math.exp(log_mean)", "math.exp(log_mean)", "brevity penalty is missing"),
    ],
)
def test_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("bleu", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message


def test_arithmetic_mean_is_named(tmp_path):
    source = _source().replace(
        "log_mean = sum(math.log(matches[n] / totals[n]) for n in range(1, max_n + 1)) / max_n",
        "log_mean = math.log(sum(matches[n] / totals[n] for n in range(1, max_n + 1)) / max_n)",
    )
    verdict = run_source("bleu", source, tmp_path)
    assert verdict.status == "failed"
    assert "GEOMETRIC mean" in verdict.message, verdict.message


def test_average_of_sentence_bleu_is_named(tmp_path):
    source = _source().replace("def corpus_bleu(", "def _corpus(") + (
        "\n\ndef corpus_bleu(references, hypotheses, max_n=4):\n"
        "    scores = [_corpus([r], [h], max_n) for r, h in zip(references, hypotheses)]\n"
        "    return sum(scores) / len(scores)\n"
    )
    verdict = run_source("bleu", source, tmp_path)
    assert verdict.status == "failed"
    assert "average of each image's own BLEU" in verdict.message, verdict.message


def test_another_correct_solution_passes(tmp_path):
    verdict = run_source(
        "bleu",
        """
        import numpy as np


        def grams(tokens, n):
            out = {}
            for k in range(len(tokens) - n + 1):
                key = tuple(tokens[k:k + n])
                out[key] = out.get(key, 0) + 1
            return out


        def corpus_bleu(references, hypotheses, max_n=4):
            hit, total = np.zeros(max_n), np.zeros(max_n)
            c = r = 0
            for refs, hyp in zip(references, hypotheses):
                lengths = np.array(sorted(len(x) for x in refs))
                c += len(hyp)
                r += int(lengths[np.argmin(np.abs(lengths - len(hyp)))])  # sorted: the first minimum is the shorter
                for n in range(1, max_n + 1):
                    ref_grams = [grams(x, n) for x in refs]
                    for g, k in grams(hyp, n).items():
                        hit[n - 1] += min(k, max(rg.get(g, 0) for rg in ref_grams))
                    total[n - 1] += max(len(hyp) - n + 1, 1)
            if c == 0 or np.any(hit == 0):
                return 0.0
            bp = 1.0 if c > r else np.exp(1 - r / c)
            return float(bp * np.exp(np.mean(np.log(hit / total))))
        """,
        tmp_path,
    )
    assert verdict.status == "passed", verdict.message
