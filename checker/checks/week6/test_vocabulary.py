"""Hidden checks for exercise 49 (vocabulary).

Expected tokens, vocabularies and encodings are computed here from the stub's
rules, written another way (a character filter instead of str.translate, an
explicit sort of (−count, word) pairs).  The typical mistakes -- case not
folded, punctuation kept or turned into spaces, `>` instead of `>=`, PAD not
at id 0, the wrong order of the words -- are simulated with the same helpers
so that each is named.
"""

import string

import pytest

from checker.testing import assert_unchanged, fail, fmt, rng, snapshot, type_name

SPECIALS = ["<pad>", "<unk>", "<start>", "<end>"]

NOT_LOWER = "the words were not lower-cased: 'Dog' and 'dog' must be the same word (caption.lower() first)."
KEPT_PUNCT = "the punctuation was kept: delete every character of string.punctuation before splitting."
SPACE_PUNCT = (
    "each punctuation character became a space: DELETE it instead (\"dog's\" → \"dogs\", not \"dog\" and \"s\"), "
    'e.g. caption.translate(str.maketrans("", "", string.punctuation)).'
)
SPLIT_SPACE = "empty words were kept: split(\" \") splits at every single space, split() with no argument does not."
OFF_BY_ONE = "a word seen exactly min_count times was left out: keep the words with count >= min_count, not > min_count."
PAD_NOT_ZERO = 'the ids start at 1: "<pad>" must have id 0 (PAD = 0 is what the padding and the loss rely on).'
SPECIALS_LAST = 'the special tokens come after the words: "<pad>", "<unk>", "<start>", "<end>" take ids 0, 1, 2, 3.'
ASCENDING = "the words are sorted by ascending count: the most frequent word gets id 4 (sort by −count)."
FIRST_SEEN = "words with the same count are in the order they were first seen: break ties alphabetically."
ALPHABETICAL = "the words are in alphabetical order only: sort by descending count first, then alphabetically."
NO_START_END = "the START and END ids are missing: the encoding is [START] + word ids + [END]."
UNK_DROPPED = "unknown words were dropped: each one becomes the UNK id (1), so the caption keeps its length."


# --------------------------------------------------------------------------- the rules, written out


def _tokens(caption, lower=True, punct="delete", split=None):
    text = caption.lower() if lower else caption
    if punct == "delete":
        text = "".join(ch for ch in text if ch not in string.punctuation)
    elif punct == "space":
        text = "".join(" " if ch in string.punctuation else ch for ch in text)
    return text.split() if split is None else text.split(split)


def _vocab(captions, min_count, *, strict=False, order="count", specials="first", start=0, **tok):
    counts, first = {}, {}
    for caption in captions:
        for token in _tokens(caption, **tok):
            counts[token] = counts.get(token, 0) + 1
            first.setdefault(token, len(first))
    words = [w for w, c in counts.items() if (c > min_count if strict else c >= min_count)]
    keys = {
        "count": lambda w: (-counts[w], w),
        "ascending": lambda w: (counts[w], w),
        "first_seen": lambda w: (-counts[w], first[w]),
        "alphabetical": lambda w: w,
    }
    words.sort(key=keys[order])
    ordered = SPECIALS + words if specials == "first" else words + SPECIALS
    return {w: start + i for i, w in enumerate(ordered)}


def _encode(caption, vocab, *, ends=True, drop_unknown=False, **tok):
    ids = []
    for token in _tokens(caption, **tok):
        if token in vocab:
            ids.append(vocab[token])
        elif not drop_unknown:
            ids.append(vocab["<unk>"])
    return [vocab["<start>"]] + ids + [vocab["<end>"]] if ends else ids


def _vocab_mistakes(captions, min_count):
    return {
        PAD_NOT_ZERO: _vocab(captions, min_count, start=1),
        SPECIALS_LAST: _vocab(captions, min_count, specials="last"),
        OFF_BY_ONE: _vocab(captions, min_count, strict=True),
        NOT_LOWER: _vocab(captions, min_count, lower=False),
        KEPT_PUNCT: _vocab(captions, min_count, punct="keep"),
        SPACE_PUNCT: _vocab(captions, min_count, punct="space"),
        ASCENDING: _vocab(captions, min_count, order="ascending"),
        FIRST_SEEN: _vocab(captions, min_count, order="first_seen"),
        ALPHABETICAL: _vocab(captions, min_count, order="alphabetical"),
    }


def _encode_mistakes(caption, vocab):
    return {
        NO_START_END: _encode(caption, vocab, ends=False),
        UNK_DROPPED: _encode(caption, vocab, drop_unknown=True),
        NOT_LOWER: _encode(caption, vocab, lower=False),
        KEPT_PUNCT: _encode(caption, vocab, punct="keep"),
        SPACE_PUNCT: _encode(caption, vocab, punct="space"),
    }


# --------------------------------------------------------------------------- comparing


def _as_list(got, what):
    if got is None:
        fail(f"{what} returned None.\nDid you forget the `return` statement?")
    if not isinstance(got, list):
        fail(f"{what} returned {type_name(got)}, expected a list.")
    return got


def _expect_list(got, expected, *, what, shown, mistakes=None):
    got = _as_list(got, what)
    if got == expected:
        return
    lines = [f"{what} is not right.", "on the input", *(f"  {k} = {fmt(v)}" for k, v in shown.items())]
    lines += [f"expected: {fmt(expected)}", f"got:      {fmt(got)}"]
    for description, wrong in (mistakes or {}).items():
        if wrong != expected and got == wrong:
            lines.append(f"Likely mistake: {description}")
            break
    fail("\n".join(lines))


def _expect_vocab(got, expected, *, what, shown, mistakes=None):
    if got is None:
        fail(f"{what} returned None.\nDid you forget the `return` statement?")
    if not isinstance(got, dict):
        fail(f"{what} returned {type_name(got)}, expected a dict word → id.")
    bad_ids = [(w, i) for w, i in got.items() if not isinstance(i, int) or isinstance(i, bool)]
    if bad_ids:
        w, i = bad_ids[0]
        fail(f"{what}[{w!r}] is {fmt(i)} ({type_name(i)}): every id must be a Python int.")
    if got == expected:
        return
    lines = [f"{what} is not right.", "on the input", *(f"  {k} = {fmt(v)}" for k, v in shown.items())]
    lines.append(f"expected: {fmt(expected, max_chars=600)}")
    lines.append(f"got:      {fmt(dict(got), max_chars=600)}")
    missing = [w for w in expected if w not in got]
    extra = [w for w in got if w not in expected]
    wrong = [w for w in expected if w in got and got[w] != expected[w]]
    if missing:
        lines.append(f"missing words: {fmt(missing[:8])}")
    if extra:
        lines.append(f"words that should not be there: {fmt(extra[:8])}")
    if wrong and not missing and not extra:
        w = wrong[0]
        lines.append(f"first wrong id: {w!r} should have id {expected[w]}, got {got[w]}")
    for description, value in (mistakes or {}).items():
        if value != expected and got == value:
            lines.append(f"Likely mistake: {description}")
            break
    fail("\n".join(lines))


def _random_captions(seed, n, n_words):
    g = rng(seed)
    words = ["".join(g.choice(list("abcdefghij"), size=g.integers(1, 5))) for _ in range(n_words)]
    weights = 1.0 / (1 + g.permutation(n_words))  # a few frequent words, many rare ones
    weights /= weights.sum()
    captions = []
    for _ in range(n):
        parts = []
        for word in g.choice(words, size=g.integers(1, 9), p=weights):
            word = str(word).upper() if g.random() < 0.2 else str(word)
            if g.random() < 0.2:
                word += str(g.choice([",", ".", "!", "'s", "?"]))
            parts.append(word)
        captions.append(" " * int(g.integers(0, 2)) + ("  " if g.random() < 0.3 else " ").join(parts))
    return captions


# --------------------------------------------------------------------------- tokenize


def test_tokenize_tiny_example(ex):
    """tokenize lower-cases, deletes punctuation and splits on whitespace"""
    caption = "A Dog's ball, on the  GRASS."
    expected = _tokens(caption)  # ['a', 'dogs', 'ball', 'on', 'the', 'grass']
    _expect_list(
        ex.tokenize(caption),
        expected,
        what="tokenize(caption)",
        shown={"caption": caption},
        mistakes={
            NOT_LOWER: _tokens(caption, lower=False),
            KEPT_PUNCT: _tokens(caption, punct="keep"),
            SPACE_PUNCT: _tokens(caption, punct="space"),
            SPLIT_SPACE: _tokens(caption, split=" "),
        },
    )


@pytest.mark.parametrize("caption", ["two  cats\tand\na dog", "  T-shirt: left; bag (right)!  ", "", "...", "ÉTÉ à Paris"])
def test_tokenize_edge_cases(ex, caption):
    """tokenize on tabs, newlines, hyphens, an empty caption and non-ASCII letters"""
    expected = _tokens(caption)
    _expect_list(
        ex.tokenize(caption),
        expected,
        what="tokenize(caption)",
        shown={"caption": caption},
        mistakes={
            NOT_LOWER: _tokens(caption, lower=False),
            KEPT_PUNCT: _tokens(caption, punct="keep"),
            SPACE_PUNCT: _tokens(caption, punct="space"),
            SPLIT_SPACE: _tokens(caption, split=" "),
        },
    )


# --------------------------------------------------------------------------- build_vocabulary


def test_special_tokens_take_ids_0_to_3(ex):
    """build_vocabulary gives <pad> 0, <unk> 1, <start> 2, <end> 3, then the words"""
    captions = ["a dog", "a cat"]
    expected = _vocab(captions, 1)  # specials, then a (2), then cat, dog (1 each, alphabetical)
    _expect_vocab(
        ex.build_vocabulary(captions, 1),
        expected,
        what="build_vocabulary(captions, min_count=1)",
        shown={"captions": captions},
        mistakes=_vocab_mistakes(captions, 1),
    )


def test_min_count_keeps_words_seen_exactly_min_count_times(ex):
    """build_vocabulary keeps a word seen exactly min_count times (count >= min_count)"""
    captions = ["a red bag", "a red shoe", "a blue bag", "a shirt"]
    expected = _vocab(captions, 2)  # a (4), bag (2), red (2); blue, shoe, shirt (1) are left out
    _expect_vocab(
        ex.build_vocabulary(captions, 2),
        expected,
        what="build_vocabulary(captions, min_count=2)",
        shown={"captions": captions},
        mistakes=_vocab_mistakes(captions, 2),
    )


def test_words_ordered_by_count_then_alphabetically(ex):
    """build_vocabulary orders the words by descending count, ties alphabetically"""
    captions = ["the shoe and the bag", "the bag left", "zebra shoe"]
    expected = _vocab(captions, 1)  # the (3), bag (2), shoe (2), and, left, zebra (1)
    _expect_vocab(
        ex.build_vocabulary(captions, 1),
        expected,
        what="build_vocabulary(captions, min_count=1)",
        shown={"captions": captions},
        mistakes=_vocab_mistakes(captions, 1),
    )


def test_tokenization_inside_build_vocabulary(ex):
    """build_vocabulary counts 'Bag', 'bag,' and 'bag' as one word"""
    captions = ["A bag, a shoe.", "The Bag and a shoe", "bag"]
    expected = _vocab(captions, 2)
    _expect_vocab(
        ex.build_vocabulary(captions, 2),
        expected,
        what="build_vocabulary(captions, min_count=2)",
        shown={"captions": captions},
        mistakes=_vocab_mistakes(captions, 2),
    )


@pytest.mark.parametrize("seed, n, n_words, min_count", [(0, 30, 12, 1), (1, 200, 40, 3), (2, 5, 6, 2), (3, 80, 25, 5)])
def test_random_corpora(ex, seed, n, n_words, min_count):
    """build_vocabulary on seeded random captions (mixed case, punctuation, double spaces)"""
    captions = _random_captions(seed, n, n_words)
    before = snapshot([captions])
    got = ex.build_vocabulary(captions, min_count)
    assert_unchanged({"captions": before[0]}, {"captions": captions}, what="build_vocabulary")
    shown = {"captions": captions[:4] + (["..."] if n > 4 else []), "min_count": min_count}
    _expect_vocab(
        got,
        _vocab(captions, min_count),
        what=f"build_vocabulary on {n} captions, min_count={min_count}",
        shown=shown,
        mistakes=_vocab_mistakes(captions, min_count),
    )


def test_same_captions_in_another_order_give_the_same_vocabulary(ex):
    """build_vocabulary does not depend on the order of the captions"""
    captions = _random_captions(7, 60, 20)
    shuffled = [captions[i] for i in rng(8).permutation(len(captions))]
    first = ex.build_vocabulary(captions, 2)
    second = ex.build_vocabulary(shuffled, 2)
    _expect_vocab(first, _vocab(captions, 2), what="build_vocabulary(captions, 2)", shown={"captions": captions[:3] + ["..."]})
    _expect_vocab(
        second,
        dict(first),
        what="build_vocabulary(shuffled captions, 2)",
        shown={"captions": shuffled[:3] + ["..."]},
        mistakes=_vocab_mistakes(shuffled, 2),
    )


# --------------------------------------------------------------------------- encode_caption


def test_encode_caption_tiny_example(ex):
    """encode_caption adds START and END and maps unknown words to UNK"""
    vocab = {"<pad>": 0, "<unk>": 1, "<start>": 2, "<end>": 3, "a": 4, "dog": 5}
    caption = "A dog, a CAT!"
    expected = _encode(caption, vocab)  # [2, 4, 5, 4, 1, 3]
    before = snapshot([vocab])
    got = ex.encode_caption(caption, vocab)
    assert_unchanged({"vocab": before[0]}, {"vocab": vocab}, what="encode_caption")
    _expect_list(
        got,
        expected,
        what="encode_caption(caption, vocab)",
        shown={"caption": caption, "vocab": vocab},
        mistakes=_encode_mistakes(caption, vocab),
    )
    if not all(isinstance(i, int) for i in got):
        fail(f"encode_caption returned {fmt(got)}: every id must be a Python int (int(...)), not {type_name(got[0])}.")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_encode_caption_with_a_learned_vocabulary(ex, seed):
    """encode_caption on new captions with a vocabulary built from seeded random captions"""
    captions = _random_captions(seed, 40, 15)
    vocab = _vocab(captions, 3)
    for caption in _random_captions(seed + 100, 5, 15) + [""]:
        _expect_list(
            ex.encode_caption(caption, vocab),
            _encode(caption, vocab),
            what="encode_caption(caption, vocab)",
            shown={"caption": caption, "vocab": vocab},
            mistakes=_encode_mistakes(caption, vocab),
        )
