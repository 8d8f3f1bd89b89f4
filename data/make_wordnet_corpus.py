"""Make the course's English-text files from WordNet 3.0's dictionary files.

    python data/make_wordnet_corpus.py WORDNET_DICT_DIR [OUTPUT_DIR]

WORDNET_DICT_DIR holds WordNet 3.0's `data.*`, `index.*` and `*.exc` files
(Debian's `wordnet-base` package puts them in /usr/share/wordnet; without
installing it: `apt-get download wordnet-base && dpkg -x wordnet-base_*.deb root`,
then root/usr/share/wordnet).  OUTPUT_DIR defaults to this script's folder.
Three files are written (standard library only, fixed seed, no timestamps, so a
second run gives the same bytes):

- `wordnet_corpus.txt.xz`: every gloss of every synset, split into its
  definition parts and its quoted example sentences, one sentence a line,
  lowercased, tokenized into runs of letters (an inner apostrophe kept:
  "don't"), duplicates and sentences of fewer than three tokens dropped.
- `wordnet_pos_words.tsv`: single words that are lemmas of exactly one part of
  speech in WordNet (noun, verb, adjective, adverb), as many of each, with a
  seeded 80/10/10 train/validation/test split inside each class.
- `wordnet_tagged.tsv.gz`: example sentences with one tag per token (the tag
  set is explained at `TAGS` below) and a seeded split.
"""

from __future__ import annotations

import gzip
import lzma
import random
import re
import sys
from collections import Counter
from pathlib import Path

SEED = 20261204
POS_NAMES = {"n": "noun", "v": "verb", "a": "adjective", "s": "adjective", "r": "adverb"}
FILES = {"noun": "noun", "verb": "verb", "adjective": "adj", "adverb": "adv"}
TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*")
WORD = re.compile(r"[a-z]{3,}")  # a POS-classifier word: letters only, at least three
MIN_SENTENCE = 3
POS_SPLIT = (0.8, 0.1, 0.1)
N_TAGGED = 12000
MAX_TAGGED_LEN = 24

# Tags of the tagging data.  WordNet describes open-class words only, so:
#   NOUN, VERB, ADJ, ADV  the part of speech, when WordNet decides it:
#                         - the word the example sentence illustrates (a lemma of
#                           the synset the example belongs to, in any inflected
#                           form) takes that synset's part of speech: "barked" in
#                           bark's verb example is VERB, "bark" in its noun
#                           example is NOUN (this is where context matters);
#                         - any other word takes its part of speech when all its
#                           WordNet readings (the word itself, or its base forms
#                           by WordNet's own morphology rules and exception
#                           lists) are of one part of speech only;
#   FUNC                  a closed-class word from FUNCTION_WORDS below
#                         (determiners, pronouns, prepositions, conjunctions,
#                         auxiliaries, particles), which WordNet does not
#                         describe; its entries for "a", "in", "at" are the
#                         vitamin, the inch and astatine, never the function word;
#   X                     a word WordNet does not know at all;
#   ?                     a word WordNet knows under several parts of speech,
#                         undecided here: no label (give it weight 0, as PAD).
TAGS = ("NOUN", "VERB", "ADJ", "ADV", "FUNC", "X")
UNDECIDED = "?"
TAG_OF = {"noun": "NOUN", "verb": "VERB", "adjective": "ADJ", "adverb": "ADV"}
FUNCTION_WORDS = frozenset("""
a an the this that these those each every either neither some any no another such what which whose
i me my mine myself you your yours yourself yourselves he him his himself she her hers herself it its
itself we us our ours ourselves they them their theirs themselves who whom whoever whatever whichever
one's someone somebody something anyone anybody anything everyone everybody everything nobody nothing
aboard about above across after against along amid among around as at before behind below beneath
beside besides between beyond but by despite down during except for from in inside into like near of
off on onto opposite out outside over past per since than through throughout till to toward towards
under underneath unlike until up upon via with within without
and or nor so yet because although though if unless whether while whereas where when whenever wherever
how why
be am is are was were been being have has had having do does did done doing
can could may might must shall should will would ought
not n't to there here then
i'm i've i'd i'll you're you've you'd you'll he's he'd he'll she's she'd she'll it's it'll we're we've we'd we'll
they're they've they'd they'll that's
there's what's who's let's don't doesn't didn't isn't aren't wasn't weren't hasn't haven't hadn't
won't wouldn't can't couldn't shouldn't mustn't
""".split())

# WordNet's detachment rules (wndb(5WN), "morphy"): suffix -> ending of the base form.
DETACH = {
    "noun": [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
             ("men", "man"), ("ies", "y")],
    "verb": [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"),
             ("ing", "")],
    "adjective": [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
    "adverb": [],
}


def tokenize(text: str) -> list[str]:
    """Lowercase, then runs of letters (an inner apostrophe kept): the corpus's tokenizer."""
    return TOKEN.findall(text.lower())


def read_synsets(folder: Path):
    """(part of speech, [(lemma, lowercase?)], [definition parts], [examples]) per synset, in file order."""
    for name, stem in FILES.items():
        for line in (folder / f"data.{stem}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  ") or " | " not in line:
                continue  # the licence at the top of each file
            head, gloss = line.split(" | ", 1)
            fields = head.split()
            pos, count = POS_NAMES[fields[2]], int(fields[3], 16)
            lemmas = []
            for word in fields[4: 4 + 2 * count: 2]:
                word = re.sub(r"\(.*\)$", "", word)  # adjective markers: (a), (p), (ip)
                lemmas.append((word.lower(), word == word.lower()))
            examples = re.findall(r'"([^"]*)"', gloss)
            definitions = [part for part in re.sub(r'"[^"]*"', "", gloss).split(";")]
            assert pos == name
            yield pos, lemmas, definitions, examples


def read_index(folder: Path) -> dict[str, set[str]]:
    """Every lemma of each part of speech (multi-word lemmas joined with '_')."""
    lemmas = {}
    for name, stem in FILES.items():
        lines = (folder / f"index.{stem}").read_text(encoding="latin-1").splitlines()
        lemmas[name] = {line.split(" ", 1)[0] for line in lines if line and not line.startswith(" ")}
    return lemmas


def read_exceptions(folder: Path) -> dict[str, dict[str, list[str]]]:
    """WordNet's irregular forms: inflected form -> base forms, per part of speech."""
    exceptions = {}
    for name, stem in FILES.items():
        table = {}
        for line in (folder / f"{stem}.exc").read_text(encoding="latin-1").splitlines():
            form, *bases = line.split()
            table[form] = bases
        exceptions[name] = table
    return exceptions


def readings(word: str, index, exceptions) -> set[str]:
    """The parts of speech under which WordNet knows `word` (itself or a base form of it)."""
    found = set()
    for pos, lemmas in index.items():
        candidates = [word, *exceptions[pos].get(word, [])]
        candidates += [word[: -len(suffix)] + ending for suffix, ending in DETACH[pos]
                       if word.endswith(suffix) and len(word) > len(suffix)]
        if any(c in lemmas for c in candidates):
            found.add(pos)
    return found


def base_forms(word: str, pos: str, exceptions) -> set[str]:
    forms = {word, *exceptions[pos].get(word, [])}
    forms |= {word[: -len(suffix)] + ending for suffix, ending in DETACH[pos]
              if word.endswith(suffix) and len(word) > len(suffix)}
    return forms


def make_corpus(synsets) -> list[str]:
    seen, lines = set(), []
    for _, _, definitions, examples in synsets:
        for text in (*definitions, *examples):
            tokens = tokenize(text)
            line = " ".join(tokens)
            if len(tokens) >= MIN_SENTENCE and line not in seen:
                seen.add(line)
                lines.append(line)
    return lines


def make_pos_words(synsets, index) -> list[tuple[str, str, str]]:
    """(word, pos, split) rows: one-POS common words, balanced classes, seeded split per class."""
    lowercase = set()  # lemmas written in lower case somewhere (not only a proper name like "Paris")
    for _, lemmas, _, _ in synsets:
        lowercase.update(word for word, lower in lemmas if lower)
    owner = Counter(word for lemmas in index.values() for word in lemmas)
    by_pos = {
        pos: sorted(w for w in lemmas if owner[w] == 1 and WORD.fullmatch(w) and w in lowercase)
        for pos, lemmas in index.items()
    }
    per_class = min(len(words) for words in by_pos.values())
    g = random.Random(SEED)
    rows = []
    for pos, words in by_pos.items():
        chosen = g.sample(words, per_class)
        n_train, n_val = round(POS_SPLIT[0] * per_class), round(POS_SPLIT[1] * per_class)
        for i, word in enumerate(chosen):
            split = "train" if i < n_train else "validation" if i < n_train + n_val else "test"
            rows.append((word, pos, split))
    order = {"train": 0, "validation": 1, "test": 2}
    rows.sort(key=lambda row: (order[row[2]], row[0]))
    return rows


def tag_sentence(tokens, pos, targets, index, exceptions) -> list[str]:
    tags = []
    for token in tokens:
        if targets & base_forms(token, pos, exceptions):
            tags.append(TAG_OF[pos])
        elif token in FUNCTION_WORDS:
            tags.append("FUNC")
        else:
            found = readings(token, index, exceptions)
            tags.append(TAG_OF[found.pop()] if len(found) == 1 else "X" if not found else UNDECIDED)
    return tags


def make_tagged(synsets, index, exceptions) -> list[tuple[str, str, str]]:
    """(tokens, tags, split) rows from a seeded sample of WordNet's example sentences."""
    seen, candidates = set(), []
    for pos, lemmas, _, examples in synsets:
        targets = {word for word, _ in lemmas if "_" not in word}
        for text in examples:
            tokens = tokenize(text)
            line = " ".join(tokens)
            if MIN_SENTENCE <= len(tokens) <= MAX_TAGGED_LEN and line not in seen:
                seen.add(line)
                candidates.append((tokens, pos, targets))
    g = random.Random(SEED + 1)
    chosen = g.sample(candidates, min(N_TAGGED, len(candidates)))
    rows = []
    for i, (tokens, pos, targets) in enumerate(chosen):
        tags = tag_sentence(tokens, pos, targets, index, exceptions)
        split = "train" if i < 0.8 * len(chosen) else "validation" if i < 0.9 * len(chosen) else "test"
        rows.append((" ".join(tokens), " ".join(tags), split))
    return rows


def write_gzip(path: Path, text: str) -> None:
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as out:
        out.write(text.encode("utf-8"))


def main(folder: Path, out: Path) -> None:
    synsets = list(read_synsets(folder))
    index, exceptions = read_index(folder), read_exceptions(folder)
    out.mkdir(parents=True, exist_ok=True)

    corpus = make_corpus(synsets)
    (out / "wordnet_corpus.txt.xz").write_bytes(
        lzma.compress(("\n".join(corpus) + "\n").encode("utf-8"), preset=9 | lzma.PRESET_EXTREME)
    )
    words = make_pos_words(synsets, index)
    (out / "wordnet_pos_words.tsv").write_text(
        "word\tpos\tsplit\n" + "".join(f"{w}\t{p}\t{s}\n" for w, p, s in words), encoding="utf-8"
    )
    tagged = make_tagged(synsets, index, exceptions)
    write_gzip(out / "wordnet_tagged.tsv.gz", "tokens\ttags\tsplit\n" + "".join(f"{a}\t{b}\t{c}\n" for a, b, c in tagged))

    n_tokens = sum(len(line.split()) for line in corpus)
    tag_counts = Counter(tag for _, tags, _ in tagged for tag in tags.split())
    print(f"corpus: {len(corpus)} sentences, {n_tokens} tokens")
    print(f"pos words: {len(words)} ({Counter(p for _, p, _ in words)})")
    print(f"tagged: {len(tagged)} sentences, tags {dict(tag_counts.most_common())}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).resolve().parent)
