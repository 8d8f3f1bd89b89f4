"""Exercise 49 (vocabulary): the reference solution against independent references
(a regular expression for the tokens, nltk's FreqDist for the counts), and
typical mistakes caught with the message that names them."""

import itertools
import re
import string

import pytest
from nltk import FreqDist

from tests.helpers import mutate, run_source, solution

sol = solution("vocabulary")
PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")
CAPTIONS = [
    "A Dog's ball, on the  GRASS.",
    "two  cats\tand\na dog",
    "  T-shirt: left; bag (right)!  ",
    "",
    "the dog and the DOG",
    "a bag... a bag? A BAG!",
]


def _regex_tokens(caption):
    return PUNCTUATION.sub("", caption.lower()).split()


@pytest.mark.parametrize("caption", CAPTIONS)
def test_tokenize_equals_a_regular_expression(caption):
    assert sol.tokenize(caption) == _regex_tokens(caption)


@pytest.mark.parametrize("min_count", [1, 2, 3])
def test_vocabulary_equals_nltk_freqdist_ordering(min_count):
    counts = FreqDist(token for caption in CAPTIONS for token in _regex_tokens(caption))
    words = sorted((w for w in counts if counts[w] >= min_count), key=lambda w: (-counts[w], w))
    expected = dict(zip(["<pad>", "<unk>", "<start>", "<end>"] + words, itertools.count()))
    assert sol.build_vocabulary(CAPTIONS, min_count) == expected


def test_any_order_of_the_captions_gives_the_same_vocabulary():
    first = sol.build_vocabulary(CAPTIONS, 1)
    for perm in itertools.islice(itertools.permutations(CAPTIONS), 0, 720, 37):
        assert sol.build_vocabulary(list(perm), 1) == first


def test_encode_then_decode_gives_the_tokens_with_unk():
    vocab = sol.build_vocabulary(CAPTIONS, 2)
    words = {i: w for w, i in vocab.items()}
    for caption in CAPTIONS:
        ids = sol.encode_caption(caption, vocab)
        assert all(type(i) is int for i in ids)
        expected = [t if t in vocab else "<unk>" for t in _regex_tokens(caption)]
        assert [words[i] for i in ids] == ["<start>"] + expected + ["<end>"]


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("count >= min_count", "count > min_count", "count >= min_count, not > min_count"),
        ("enumerate(SPECIAL_TOKENS + tuple(kept))", "enumerate(SPECIAL_TOKENS + tuple(kept), start=1)", "the ids start at 1"),
        ("enumerate(SPECIAL_TOKENS + tuple(kept))", "enumerate(tuple(kept) + SPECIAL_TOKENS)", "special tokens come after the words"),
        ("return caption.lower().translate", "return caption.translate", "not lower-cased"),
        (".translate(_DELETE_PUNCTUATION).split()", ".split()", "punctuation was kept"),
        (".translate(_DELETE_PUNCTUATION).split()", ".translate(str.maketrans(string.punctuation, ' ' * len(string.punctuation))).split()", "became a space"),
        (".translate(_DELETE_PUNCTUATION).split()", ".translate(_DELETE_PUNCTUATION).split(' ')", "empty words were kept"),
        ("key=lambda w: (-counts[w], w)", "key=lambda w: (counts[w], w)", "ascending count"),
        ("key=lambda w: (-counts[w], w)", "key=lambda w: -counts[w]", "first seen"),
        ("key=lambda w: (-counts[w], w)", "key=lambda w: w", "alphabetical order only"),
        ("return [vocab[START]] + ids + [vocab[END]]", "return ids", "START and END ids are missing"),
        ("ids = [vocab.get(token, unknown) for token in tokenize(caption)]",
         "ids = [vocab[token] for token in tokenize(caption) if token in vocab]", "unknown words were dropped"),
    ],
)
def test_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("vocabulary", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message


def test_another_correct_solution_passes(tmp_path):
    verdict = run_source(
        "vocabulary",
        '''
        import re
        import string

        PATTERN = re.compile("[" + re.escape(string.punctuation) + "]")


        def tokenize(caption):
            return [word for word in re.split(r"\\s+", PATTERN.sub("", caption.lower())) if word]


        def build_vocabulary(captions, min_count):
            counts = {}
            for caption in captions:
                for word in tokenize(caption):
                    counts[word] = counts.get(word, 0) + 1
            pairs = sorted((-c, w) for w, c in counts.items() if c >= min_count)
            vocab = {"<pad>": 0, "<unk>": 1, "<start>": 2, "<end>": 3}
            for _, word in pairs:
                vocab[word] = len(vocab)
            return vocab


        def encode_caption(caption, vocab):
            out = [vocab["<start>"]]
            for word in tokenize(caption):
                out.append(vocab[word] if word in vocab else vocab["<unk>"])
            out.append(vocab["<end>"])
            return out
        ''',
        tmp_path,
    )
    assert verdict.status == "passed", verdict.message
