"""Exercise 48 — a bidirectional recurrent network that tags every word of a sentence.

Exercise 47 read a sequence and gave ONE answer.  A tagger gives an answer at
EVERY step: for each word of a sentence, its part of speech.  That is a
MANY-TO-MANY model: N sentences of T words in, N × T tags out.

    the   dogs  barked  at    the   stranger
    FUNC  NOUN  VERB    FUNC  FUNC  NOUN

The same word can take different tags: "play" is a noun in "a play by the
shortstop" and a verb in "they play chess".  The words BEFORE it help, and so
do the words AFTER it.  A recurrent layer going forwards sees only the words
before; a BIDIRECTIONAL layer runs a second recurrent layer from the end of the
sentence back to the start and joins, at every step, what both have read:

    layers.Bidirectional(layers.LSTM(32, return_sequences=True))
        step t:  [forward state after words 0 … t, backward state after words T−1 … t]

The data: 12 000 example sentences of WordNet 3.0, 3 to 24 words long, with
one tag per word (checker.datasets.load_tagged_sentences; data/README.md says
how each tag was decided).  The tags, ids 0 … 5 (POS_TAGS):

    NOUN  VERB  ADJ  ADV  FUNC  X
    FUNC: a function word (the, of, was, it, ...); X: a word WordNet does not know

Tokens.  Word ids: PAD = 0, UNK = 1 (a word seen fewer than twice in the
training sentences), then the training words, most frequent first ("the" = 2):
vocab_size = 5 078.  A batch is a matrix (N, T) of ids, each sentence padded
with 0 AFTER its words.  Some words have no tag: WordNet knows them under
several parts of speech and the data leaves them undecided ("?").

PAD is never counted.  A padded step is not a word: it gets no tag, and it
must not change the tags of the real words.  The check trains with weight 0 on
padded steps (and on "?" words), and counts only real, tagged words in the
accuracy.  The model's part is the mask: a backward layer that reads the
padding first starts every sentence from a state made of zeros-as-words, so
declare id 0 as padding, Embedding(vocab_size, 64, mask_zero=True), and both
directions skip it.

build_sequence_tagger(vocab_size, n_tags) -> keras.Model
    input   (N, T) integer ids: keras.Input(shape=(None,), dtype="int32"), any length T
    output  (N, T, n_tags) PROBABILITIES (Dense(n_tags, activation="softmax")
            on every step): one answer per WORD.  The recurrent layer returns
            its output at every step (return_sequences=True).
    Suggested: Embedding(vocab_size, 64, mask_zero=True) →
    Bidirectional(LSTM(32, return_sequences=True)) → Dense(n_tags, activation="softmax").
    Use the arguments, never fixed numbers: the checks also build other sizes.

Not compiled: the check compiles it itself, as

    keras.utils.set_random_seed(0)
    model = build_sequence_tagger(5078, 6)
    model.compile(keras.optimizers.Adam(5e-3), "sparse_categorical_crossentropy")
    model.fit(x_train, y_train, sample_weight=w_train, epochs=4, batch_size=64)   # 9 600 sentences
    (w_train: 1 at a tagged word, 0 at padding and at "?")

then predicts the 1 200 test sentences and counts the words whose most
probable tag is right, among the 6 001 tagged words: at least 0.91 is needed.
The suggested model gets about 0.93, the same network going forwards only
about 0.90, a model that always says FUNC 0.57.  Training must finish within
60 seconds, or it is stopped; the suggested model takes about 15 s on two CPU
cores.
"""

import keras
from keras import layers  # noqa: F401 - for your code


def build_sequence_tagger(vocab_size: int, n_tags: int) -> keras.Model:
    """Word ids (N, T), padded with 0 → tag probabilities (N, T, n_tags), reading the sentence both ways."""
    # TODO: the input, keras.Input(shape=(None,), dtype="int32"): sentences of any length
    # TODO: an Embedding(vocab_size, 64) that declares id 0 as padding (mask_zero=True)
    # TODO: a recurrent layer read both ways, with an output at every step:
    #       layers.Bidirectional(layers.LSTM(32, return_sequences=True))
    # TODO: the output at every step, Dense(n_tags, activation="softmax"); return the model, not compiled
    raise NotImplementedError("build_sequence_tagger")


if __name__ == "__main__":
    # Try it yourself: `python 48_seq_tagger.py` trains as the check does and prints the test accuracy.
    from collections import Counter

    import numpy as np

    from checker.datasets import POS_TAGS, UNTAGGED, load_tagged_sentences

    train, test = load_tagged_sentences("train"), load_tagged_sentences("test")
    counts = Counter(word for words, _ in train for word in words)
    vocab = ["", "<unk>"] + sorted((w for w, c in counts.items() if c >= 2), key=lambda w: (-counts[w], w))
    ids = {word: i for i, word in enumerate(vocab)}

    def encode(rows):
        x = np.zeros((len(rows), max(len(words) for words, _ in rows)), np.int32)
        y, w = np.zeros_like(x), np.zeros(x.shape, np.float32)
        for row, (words, tags) in enumerate(rows):
            x[row, : len(words)] = [ids.get(word, 1) for word in words]
            for t, tag in enumerate(tags):
                if tag != UNTAGGED:
                    y[row, t], w[row, t] = POS_TAGS.index(tag), 1.0
        return x, y, w

    (x, y, w), (xt, yt, wt) = encode(train), encode(test)
    keras.utils.set_random_seed(0)
    model = build_sequence_tagger(len(vocab), len(POS_TAGS))
    model.compile(keras.optimizers.Adam(5e-3), "sparse_categorical_crossentropy")
    model.fit(x, y, sample_weight=w, epochs=4, batch_size=64)
    right = (np.argmax(model.predict(xt, verbose=0), axis=-1) == yt) * wt
    print("test accuracy over tagged words:", right.sum() / wt.sum())
