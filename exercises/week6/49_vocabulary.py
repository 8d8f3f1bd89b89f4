"""Exercise 49 — a captioning vocabulary: words to ids and back.

A caption model reads and writes integer ids, one per word.  The vocabulary
maps every word of the training captions that is frequent enough to an id;
rarer words become the unknown token.  Four special tokens come first, with
these exact strings and ids (the captioner you train later relies on them):

    "<pad>"   0    fills the rows of a batch after a caption's end
    "<unk>"   1    stands for every word not in the vocabulary
    "<start>" 2    the token a caption is decoded from
    "<end>"   3    the token after a caption's last word

Tokenization (`tokenize`), the same for training captions and new ones:

    1. lower-case the whole caption;
    2. DELETE every punctuation character, i.e. every character of
       `string.punctuation` ( !"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ ), without
       putting a space in its place: "dog's" → "dogs", "t-shirt" → "tshirt";
    3. split on whitespace (str.split() with no argument: runs of spaces,
       tabs and newlines separate words, and no empty words are kept).

    "A Dog, on the  GRASS." → ["a", "dog", "on", "the", "grass"]

The vocabulary (`build_vocabulary`) is a plain dict word → id:

    - the four special tokens with ids 0, 1, 2, 3;
    - then every word that occurs at least `min_count` times in the captions
      (count >= min_count: a word seen exactly min_count times is kept), with
      ids 4, 5, 6, ... in this order: by DESCENDING count, and words with the
      same count in ALPHABETICAL order.  So the same captions in any order
      give the same dict, and the ids are exactly 0 … len(vocab) − 1.

Encoding (`encode_caption`) turns one caption into ids:

    [START] + [the id of each token, UNK (1) for a word not in vocab] + [END]

    vocab = {"<pad>": 0, "<unk>": 1, "<start>": 2, "<end>": 3, "a": 4, "dog": 5}
    encode_caption("A dog, a CAT!", vocab) == [2, 4, 5, 4, 1, 3]

`captions` is a list of caption strings (flatten several captions per image
into one list first).  Do not modify the arguments.  To go back from ids to
words, invert the dict: {i: w for w, i in vocab.items()}.
"""

import string
from collections import Counter

PAD, UNK, START, END = "<pad>", "<unk>", "<start>", "<end>"
SPECIAL_TOKENS = (PAD, UNK, START, END)  # ids 0, 1, 2, 3


def tokenize(caption: str) -> list[str]:
    """The caption's words: lower case, punctuation deleted, split on whitespace."""
    # TODO: lower-case the caption (str.lower)
    # TODO: delete every character of string.punctuation (str.translate with str.maketrans("", "", ...))
    # TODO: return the words: str.split() with no argument
    raise NotImplementedError("tokenize")


def build_vocabulary(captions: list[str], min_count: int) -> dict[str, int]:
    """A dict word → id: the 4 special tokens (ids 0-3), then the words seen >= min_count times."""
    # TODO: count every token of every caption (a Counter over tokenize(caption))
    # TODO: keep the words with count >= min_count, sorted by (-count, word)
    # TODO: return {"<pad>": 0, "<unk>": 1, "<start>": 2, "<end>": 3, then each kept word: 4, 5, ...}
    raise NotImplementedError("build_vocabulary")


def encode_caption(caption: str, vocab: dict[str, int]) -> list[int]:
    """[START id] + the caption's token ids (UNK id for unknown words) + [END id], as Python ints."""
    # TODO: tokenize the caption
    # TODO: map each token to vocab[token], or to vocab[UNK] when it is not in vocab
    # TODO: return [vocab[START]] + those ids + [vocab[END]]
    raise NotImplementedError("encode_caption")
