"""Compute the STORED values of the bleu check with nltk, an independent implementation.

    python tests/week6/make_bleu_values.py

prints the `STORED = {...}` block of checker/checks/week6/test_bleu.py for the
corpora in that file's CASES.  nltk is a test-only dependency (the `test`
extra): the check itself never imports it, and
tests/week6/test_reference_bleu.py recomputes these values with nltk on every
run, so a stale table fails the project's tests.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

CHECK = Path(__file__).resolve().parents[2] / "checker" / "checks" / "week6" / "test_bleu.py"


def load_check():
    """The bleu check module (for CASES and STORED), imported by path."""
    spec = importlib.util.spec_from_file_location("dlx_bleu_check", CHECK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def nltk_bleu(references, hypotheses, max_n: int) -> float:
    """nltk's corpus BLEU with uniform weights and no smoothing (its default method0)."""
    from nltk.translate.bleu_score import corpus_bleu

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns when a precision is 0 (it then returns ~1e-78)
        return float(corpus_bleu(references, hypotheses, weights=tuple([1.0 / max_n] * max_n)))


def nltk_values(cases) -> dict[str, float]:
    return {name: nltk_bleu(c["references"], c["hypotheses"], c["max_n"]) for name, c in cases.items()}


def main() -> None:
    import nltk

    values = nltk_values(load_check().CASES)
    print(f"# Made by tests/week6/make_bleu_values.py with nltk {nltk.__version__} (nltk.translate.bleu_score.corpus_bleu,")
    print("# uniform weights, no smoothing).  Where a precision is 0, nltk returns a value below 1e-70 instead of 0.")
    print("STORED = {")
    for name, value in values.items():
        print(f"    {name!r}: {value!r},")
    print("}")


if __name__ == "__main__":
    main()
