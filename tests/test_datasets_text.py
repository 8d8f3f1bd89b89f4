"""The WordNet text data: its loaders, and the scripts that made the shipped files.

The scripts need WordNet 3.0's dictionary files: $DLX_WORDNET_DICT, else
/usr/share/wordnet (Debian's `wordnet-base` installed), else the package is
fetched with `apt-get download wordnet-base` and unpacked with `dpkg -x` into a
temporary folder (after `apt-get update` if the package lists are missing).
Where none of these can be had the reproduction tests skip, and say why.
"""

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from checker import datasets
from tests.helpers import REPO, solution

DATA = REPO / "data"
WORDNET_FILES = ("data.noun", "index.noun", "verb.exc")


def _wordnet_dict(tmp_path_factory) -> Path:
    for candidate in (os.environ.get("DLX_WORDNET_DICT"), "/usr/share/wordnet"):
        if candidate and all((Path(candidate) / name).is_file() for name in WORDNET_FILES):
            return Path(candidate)
    if not (shutil.which("apt-get") and shutil.which("dpkg")):
        pytest.skip("WordNet's dictionary files are not here and apt-get/dpkg are missing to fetch wordnet-base")
    folder = tmp_path_factory.mktemp("wordnet")
    got = subprocess.run(["apt-get", "download", "wordnet-base"], cwd=folder, capture_output=True, text=True)
    if got.returncode != 0:  # a fresh machine may have no package lists yet (this needs root)
        try:
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=300)
        except subprocess.TimeoutExpired:
            pass
        got = subprocess.run(["apt-get", "download", "wordnet-base"], cwd=folder, capture_output=True, text=True)
    debs = list(folder.glob("wordnet-base_*.deb"))
    if got.returncode != 0 or not debs:
        pytest.skip(f"Debian's wordnet-base could not be downloaded here: {got.stderr.strip()[-300:]}")
    subprocess.run(["dpkg", "-x", str(debs[0]), str(folder / "root")], check=True)
    return folder / "root" / "usr" / "share" / "wordnet"


@pytest.fixture(scope="module")
def wordnet_dict(tmp_path_factory):
    return _wordnet_dict(tmp_path_factory)


def test_corpus():
    corpus = datasets.load_corpus()
    assert len(corpus) == 168838
    assert sum(map(len, corpus)) == 1426082
    assert all(len(sentence) >= 3 for sentence in corpus)
    counts = Counter(token for sentence in corpus for token in sentence)
    assert counts.most_common(3) == [("the", counts["the"]), ("a", counts["a"]), ("of", counts["of"])]
    assert all(token == token.lower() and token.replace("'", "").isalpha() for token in counts)
    assert ["the", "dog", "barked", "all", "night"] in corpus  # an example sentence of dog's noun synset


def test_embeddings():
    E, vocab = datasets.load_embeddings()
    assert E.shape == (5000, 48) and E.dtype == np.float64 and np.isfinite(E).all()
    assert isinstance(vocab, list) and len(set(vocab)) == 5000 and vocab[:3] == ["the", "a", "of"]
    assert np.linalg.norm(E, axis=1).min() > 0
    E[0] = 0.0  # a fresh copy each call: the next caller is not affected
    assert np.linalg.norm(datasets.load_embeddings()[0][0]) > 0


def test_pos_words():
    splits = datasets.load_pos_words()
    words = [w for rows in splits.values() for w, _ in rows]
    assert len(words) == len(set(words)) == 4 * 3152  # each word once, in one split
    for name, size in (("train", 4 * 2522), ("validation", 4 * 315), ("test", 4 * 315)):
        rows = datasets.load_pos_words(name)
        assert len(rows) == size and rows == splits[name]
        assert Counter(pos for _, pos in rows) == {pos: size // 4 for pos in datasets.POS_CLASSES}
    assert all(w.isalpha() and w.islower() and len(w) >= 3 for w in words)
    with pytest.raises(ValueError, match="split"):
        datasets.load_pos_words("dev")


def test_tagged_sentences():
    splits = datasets.load_tagged_sentences()
    assert [len(splits[s]) for s in ("train", "validation", "test")] == [9600, 1200, 1200]
    tags = Counter()
    for tokens, tagged in (pair for rows in splits.values() for pair in rows):
        assert len(tokens) == len(tagged) and 3 <= len(tokens) <= 24
        tags.update(tagged)
        for token, tag in zip(tokens, tagged):
            if token in ("the", "of", "and"):
                assert tag == "FUNC"
    assert set(tags) == set(datasets.POS_TAGS) | {datasets.UNTAGGED}
    assert tags["?"] < 0.3 * sum(tags.values())  # most tokens carry a label


def test_loaders_are_lazy_exports():
    """checker.datasets names the text loaders without importing them (PEP 562)."""
    code = ("import sys, checker.datasets as d; assert 'checker.datasets.text' not in sys.modules; "
            "d.load_corpus; assert 'checker.datasets.text' in sys.modules; "
            "assert {'load_corpus', 'load_embeddings', 'load_pos_words', 'load_tagged_sentences'} <= set(dir(d))")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


@pytest.mark.slow
def test_corpus_script_reproduces_the_shipped_files(wordnet_dict, tmp_path):
    subprocess.run([sys.executable, str(DATA / "make_wordnet_corpus.py"), str(wordnet_dict), str(tmp_path)],
                   check=True, capture_output=True)
    for name in ("wordnet_corpus.txt.xz", "wordnet_pos_words.tsv", "wordnet_tagged.tsv.gz"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


@pytest.mark.slow
def test_embeddings_script_reproduces_the_shipped_file(tmp_path):
    """Byte for byte with the same numpy on the same kind of processor; elsewhere the same answers.

    (numpy's exp and log may round differently on another processor, and ten
    million SGD steps amplify the last bit; the vocabulary never changes.)
    """
    output = tmp_path / "embeddings.npz"
    subprocess.run([sys.executable, str(DATA / "make_embeddings.py"), str(DATA / "wordnet_corpus.txt.xz"), str(output)],
                   check=True, capture_output=True)
    with np.load(output) as new, np.load(DATA / "wordnet_embeddings.npz") as old:
        assert new["vocab"].tolist() == old["vocab"].tolist()
        if np.array_equal(new["E"], old["E"]):
            assert output.read_bytes() == (DATA / "wordnet_embeddings.npz").read_bytes()
            return
        E, vocab = new["E"].astype(float), new["vocab"].tolist()
    sol = solution("embeddings")
    assert sol.analogy(E, vocab, "man", "king", "woman", 3)[0][0] == "queen"
