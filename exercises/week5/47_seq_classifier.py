"""Exercise 47 — a recurrent network that reads a word and names its part of speech.

Many words say what they are in their spelling: "quickly" is an adverb,
"happiness" a noun, "organize" a verb, "dangerous" an adjective.  A recurrent
network can learn such clues by reading a word one letter at a time and
deciding, once it has read the last letter, which of four classes the word
belongs to: noun, verb, adjective or adverb.  That is a MANY-TO-ONE model:
a sequence in, one answer out.

The data: 12 608 words of WordNet 3.0 that have exactly one part of speech,
3 152 of each class (checker.datasets.load_pos_words).  Chance is 0.25.

Tokens.  A word is a sequence of letter ids: PAD = 0, "a" = 1, "b" = 2, …,
"z" = 26, so vocab_size = 27.  Words have different lengths; a batch is a
matrix (N, T) with each word padded with 0 AFTER its letters:

    "cat"      →  3  1 20  0  0  0  0
    "quickly"  → 17 21  9  3 11 12 25
    labels: class ids, 0 = noun, 1 = verb, 2 = adjective, 3 = adverb (POS_CLASSES)

Padding is not part of the word: the answer for "cat" must be the same whether
it is padded to 7, to 20, or not at all.  A recurrent layer that reads the
zeros as if they were letters keeps changing its state after the word has
ended, and its answer depends on the longest word of the batch.  Keras skips
padded steps when the Embedding declares id 0 as padding:

    layers.Embedding(vocab_size, 32, mask_zero=True)

The mask it makes travels to the next layers: an LSTM or GRU then carries its
state unchanged over padded steps, and returns the state after the LAST REAL
letter.

build_sequence_classifier(vocab_size, n_classes) -> keras.Model
    input   (N, T) integer ids: keras.Input(shape=(None,), dtype="int32"), any length T
    output  (N, n_classes) PROBABILITIES (the last Dense has activation="softmax"):
            one answer per word, not one per letter.  The recurrent layer that
            feeds it returns its last state only (return_sequences=False, the
            default); a first one in a stack returns sequences.
    Suggested: Embedding(vocab_size, 32, mask_zero=True) → LSTM(64) →
    Dense(n_classes, activation="softmax"): about 26 000 weights.  Use the
    arguments, never fixed numbers: the checks also build other sizes.

Not compiled: the check compiles it itself, as

    keras.utils.set_random_seed(0)
    model = build_sequence_classifier(27, 4)
    model.compile(keras.optimizers.Adam(5e-3), "sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=5, batch_size=64)    # the 10 088 training words

then predicts the 1 260 test words (argmax of the probabilities) and expects
an accuracy of at least 0.78; the suggested model gets about 0.82.  Training
must finish within 60 seconds, or it is stopped; the suggested model takes
about 15 s on two CPU cores.
"""

import keras
from keras import layers  # noqa: F401 - for your code


def build_sequence_classifier(vocab_size: int, n_classes: int) -> keras.Model:
    """Letter ids (N, T), padded with 0 → class probabilities (N, n_classes); padding changes nothing."""
    # TODO: the input, keras.Input(shape=(None,), dtype="int32"): words of any length
    # TODO: an Embedding(vocab_size, 32) that declares id 0 as padding (mask_zero=True)
    # TODO: a recurrent layer that returns its state after the last real letter: LSTM(64) (no return_sequences)
    # TODO: the output, Dense(n_classes, activation="softmax"); return the model (keras.Sequential([...])), not compiled
    raise NotImplementedError("build_sequence_classifier")


if __name__ == "__main__":
    # Try it yourself: `python 47_seq_classifier.py` trains as the check does and prints the test accuracy.
    import numpy as np

    from checker.datasets import POS_CLASSES, load_pos_words

    def encode(pairs):
        x = np.zeros((len(pairs), max(len(word) for word, _ in pairs)), np.int32)
        for row, (word, _) in enumerate(pairs):
            x[row, : len(word)] = [ord(ch) - ord("a") + 1 for ch in word]
        return x, np.array([POS_CLASSES.index(pos) for _, pos in pairs])

    (x_train, y_train), (x_test, y_test) = encode(load_pos_words("train")), encode(load_pos_words("test"))
    keras.utils.set_random_seed(0)
    model = build_sequence_classifier(27, len(POS_CLASSES))
    model.compile(keras.optimizers.Adam(5e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=5, batch_size=64)
    print("test accuracy:", model.evaluate(x_test, y_test, verbose=0)[1])
