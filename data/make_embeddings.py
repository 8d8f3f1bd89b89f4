"""Train the course's word embeddings on the WordNet corpus: skip-gram with negative sampling, numpy only.

    python data/make_embeddings.py [CORPUS] [OUTPUT]

CORPUS defaults to `wordnet_corpus.txt.xz` beside this script (made by
`make_wordnet_corpus.py`), OUTPUT to `wordnet_embeddings.npz` beside it.

The maths is exercise 36's, for a batch of (center, context) pairs at once: with
v_c the center word's input vector, u_o the context word's output vector and
u_1 … u_K the output vectors of K words drawn as negatives,

    loss = −log σ(u_o·v_c) − Σ_k log σ(−u_k·v_c)
    ∂loss/∂v_c = (σ(u_o·v_c) − 1) u_o + Σ_k σ(u_k·v_c) u_k
    ∂loss/∂u_o = (σ(u_o·v_c) − 1) v_c
    ∂loss/∂u_k = σ(u_k·v_c) v_c

so a learner's `skipgram_neg_sampling`, called pair by pair, would train the
same embeddings (slowly).  The recipe is word2vec's: the VOCAB most frequent
words (the rest are dropped before windows are taken), frequent words
subsampled, context words up to WINDOW positions away inside a sentence,
negatives drawn from the unigram distribution raised to 3/4, plain SGD whose
learning rate falls linearly to nearly zero.  The shipped vectors are the input
vectors v, as float16.  A fixed seed; numpy's own arithmetic only (no BLAS
matrix products), so a rerun on the same machine and numpy gives the same bytes.
"""

from __future__ import annotations

import io
import lzma
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np

SEED = 20261205
VOCAB = 5000
DIM = 48
WINDOW = 4
NEGATIVES = 5
EPOCHS = 5
BATCH = 1024
LR = 0.05
SUBSAMPLE = 1e-4


def sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """log σ(z) = −log(1 + e^(−z)), stable for large |z|."""
    return -np.logaddexp(0.0, -z)


def sgns_batch(v_c: np.ndarray, u_o: np.ndarray, u_neg: np.ndarray):
    """Exercise 36 on B pairs at once: v_c, u_o (B, D), u_neg (B, K, D) -> (losses (B,), d_v_c, d_u_o, d_u_neg)."""
    s_o = (u_o * v_c).sum(axis=1)
    s_neg = (u_neg * v_c[:, None, :]).sum(axis=2)
    losses = -log_sigmoid(s_o) - log_sigmoid(-s_neg).sum(axis=1)
    g_o = sigmoid(s_o) - 1.0
    g_neg = sigmoid(s_neg)
    d_v_c = g_o[:, None] * u_o + (g_neg[:, :, None] * u_neg).sum(axis=1)
    d_u_o = g_o[:, None] * v_c
    d_u_neg = g_neg[:, :, None] * v_c[:, None, :]
    return losses, d_v_c, d_u_o, d_u_neg


def read_corpus(path: Path) -> list[list[str]]:
    return [line.split() for line in lzma.decompress(path.read_bytes()).decode("utf-8").splitlines()]


def build_vocab(sentences: list[list[str]]) -> tuple[list[str], np.ndarray]:
    counts = Counter(token for sentence in sentences for token in sentence)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:VOCAB]
    return [word for word, _ in ranked], np.array([n for _, n in ranked], dtype=np.float64)


def training_pairs(ids: list[np.ndarray], counts: np.ndarray, g: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One epoch of (center, context) pairs after subsampling, in a shuffled order."""
    freq = counts / counts.sum()
    keep_prob = np.minimum(1.0, np.sqrt(SUBSAMPLE / freq) + SUBSAMPLE / freq)
    centers, contexts = [], []
    for sentence in ids:
        kept = sentence[g.random(len(sentence)) < keep_prob[sentence]]
        for offset in range(1, WINDOW + 1):
            if len(kept) > offset:
                centers += [kept[:-offset], kept[offset:]]
                contexts += [kept[offset:], kept[:-offset]]
    centers, contexts = np.concatenate(centers), np.concatenate(contexts)
    order = g.permutation(len(centers))
    return centers[order], contexts[order]


def train(sentences: list[list[str]], log=print) -> tuple[np.ndarray, list[str]]:
    vocab, counts = build_vocab(sentences)
    index = {word: i for i, word in enumerate(vocab)}
    ids = [np.array([index[t] for t in s if t in index], dtype=np.int64) for s in sentences]
    ids = [s for s in ids if len(s) > 1]
    g = np.random.default_rng(SEED)
    W_in = (g.random((VOCAB, DIM)) - 0.5) / DIM
    W_out = np.zeros((VOCAB, DIM))
    noise = counts**0.75
    noise_cdf = np.cumsum(noise / noise.sum())
    epochs = [training_pairs(ids, counts, g) for _ in range(EPOCHS)]
    total = sum(len(c) for c, _ in epochs)
    done = 0
    for epoch, (centers, contexts) in enumerate(epochs):
        start, losses = time.perf_counter(), []
        for b in range(0, len(centers), BATCH):
            c, o = centers[b: b + BATCH], contexts[b: b + BATCH]
            neg = np.minimum(np.searchsorted(noise_cdf, g.random((len(c), NEGATIVES))), VOCAB - 1)
            loss, d_c, d_o, d_neg = sgns_batch(W_in[c], W_out[o], W_out[neg])
            lr = LR * max(1e-4, 1.0 - done / total)
            np.add.at(W_in, c, -lr * d_c)
            np.add.at(W_out, o, -lr * d_o)
            np.add.at(W_out, neg.ravel(), -lr * d_neg.reshape(-1, DIM))
            losses.append(loss.mean())
            done += len(c)
        log(f"epoch {epoch + 1}/{EPOCHS}: {len(centers)} pairs, mean loss {np.mean(losses):.4f}, "
            f"{time.perf_counter() - start:.1f} s")
    return W_in, vocab


def neighbours(E: np.ndarray, vocab: list[str], word: str, k: int = 8) -> list[str]:
    unit = E / np.linalg.norm(E, axis=1, keepdims=True)
    i = vocab.index(word)
    order = np.argsort(-(unit @ unit[i]), kind="stable")
    return [vocab[j] for j in order if j != i][:k]


def save(path: Path, E: np.ndarray, vocab: list[str]) -> None:
    """An .npz with fixed timestamps: E (V, D) float16 and vocab (V,) unicode strings."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in (("E", E.astype(np.float16)), ("vocab", np.array(vocab))):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def main(corpus: Path, output: Path) -> None:
    start = time.perf_counter()
    E, vocab = train(read_corpus(corpus))
    save(output, E, vocab)
    print(f"{len(vocab)} words × {DIM} dims in {time.perf_counter() - start:.0f} s -> {output}")
    E16 = E.astype(np.float16).astype(np.float64)
    for word in ("dog", "red", "river", "king", "music", "quickly"):
        if word in vocab:
            print(f"  {word}: {', '.join(neighbours(E16, vocab, word))}")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    args = sys.argv[1:]
    if len(args) > 2:
        sys.exit(__doc__)
    main(Path(args[0]) if args else here / "wordnet_corpus.txt.xz",
         Path(args[1]) if len(args) > 1 else here / "wordnet_embeddings.npz")
