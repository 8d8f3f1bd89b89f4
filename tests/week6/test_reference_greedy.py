"""Exercise 54 (greedy): the reference solution against independent references
(the argmax walk of a bigram table; a step function that reads its script from
the state), a Keras decoder behind the step function, and typical mistakes
caught with the message that names them."""

import numpy as np
import pytest

from tests.helpers import mutate, run_source, solution

sol = solution("greedy")
START, END = 2, 3


def _bigram(seed, vocab_size):
    """A decoder whose next token depends only on the last one: log P(v | u) = table[u, v]."""
    logits = np.random.default_rng(seed).normal(scale=3.0, size=(vocab_size, vocab_size))
    table = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def step_fn(features, token, state):
        return table[token], None if state is None else state + 1

    return table, step_fn


@pytest.mark.parametrize("seed, vocab_size, max_len", [(0, 6, 10), (1, 12, 5), (2, 30, 20), (3, 4, 1)])
def test_equals_the_argmax_walk_of_a_bigram_table(seed, vocab_size, max_len):
    table, step_fn = _bigram(seed, vocab_size)
    following = table.argmax(axis=1)
    walk, token = [], START
    while len(walk) < max_len and following[token] != END:
        token = int(following[token])
        walk.append(token)
    assert sol.greedy_decode(step_fn, None, START, END, max_len) == walk


def test_the_state_returned_is_the_state_passed():
    """A step function that says its script in order, reading its position from the state."""
    script = [5, 7, 4, END, 6]

    def step_fn(features, token, state):
        position = 0 if state is None else state
        log_probs = np.full(9, np.log(0.01))
        log_probs[script[position]] = np.log(0.92)
        return log_probs, position + 1

    assert sol.greedy_decode(step_fn, "image", START, END, 10) == [5, 7, 4]
    assert sol.greedy_decode(step_fn, "image", START, END, 2) == [5, 7]


def test_a_keras_decoder_behind_the_step_function():
    """The step function contract with a Keras LSTM cell: features set the initial state, tensors as the state."""
    import keras

    vocab_size, embed, hidden = 11, 4, 6
    keras.utils.set_random_seed(0)
    embedding = keras.layers.Embedding(vocab_size, embed)
    init = keras.layers.Dense(hidden, activation="tanh")
    cell = keras.layers.LSTMCell(hidden)
    head = keras.layers.Dense(vocab_size)
    features = np.random.default_rng(1).normal(size=(5,)).astype("float32")

    def step_fn(features, token, state):
        if state is None:
            h = init(features[None])
            state = [h, keras.ops.zeros_like(h)]
        out, state = cell(embedding(np.array([token])), state)
        return keras.ops.convert_to_numpy(keras.ops.log_softmax(head(out))[0]), state

    caption = sol.greedy_decode(step_fn, features, START, END, 8)
    # the same decoder, unrolled by hand
    h = init(features[None])
    state, token, expected = [h, keras.ops.zeros_like(h)], START, []
    for _ in range(8):
        out, state = cell(embedding(np.array([token])), state)
        token = int(np.argmax(keras.ops.convert_to_numpy(head(out))[0]))
        if token == END:
            break
        expected.append(token)
    assert caption == expected


@pytest.mark.parametrize(
    "old, new, named",
    [
        ("        if token == end_id:\n            break\n", "", "went on after END"),
        ("        if token == end_id:\n            break\n        tokens.append(token)",
         "        tokens.append(token)\n        if token == end_id:\n            break", "END is in the caption"),
        ("tokens: list[int] = []", "tokens: list[int] = [start_id]", "START is in the caption"),
        ("for _ in range(max_len):", "for _ in range(max_len + 1):", "one token too many"),
        ("for _ in range(max_len):", "for _ in range(max_len - 1):", "one token too few"),
        ("log_probs, state = step_fn(features, token, state)", "log_probs, state = step_fn(features, token, None)", "state = None after its first call"),
        ("log_probs, state = step_fn(features, token, state)", "log_probs, state = step_fn(features, start_id, state)", "not the one just chosen"),
        ("step_fn(features, token, state)", "step_fn(None, token, state)", "pass the image's features"),
    ],
)
def test_mistakes_are_named(tmp_path, old, new, named):
    verdict = mutate("greedy", tmp_path, old, new)
    assert verdict.status == "failed"
    assert named in verdict.message, verdict.message


def test_another_correct_solution_passes(tmp_path):
    verdict = run_source(
        "greedy",
        """
        import numpy as np


        def greedy_decode(step_fn, features, start_id, end_id, max_len):
            out, state, token = [], None, start_id
            while len(out) < max_len:
                log_probs, state = step_fn(features, token, state)
                token = int(log_probs.argmax())
                if token == end_id:
                    return out
                out.append(token)
                if len(out) == max_len:
                    break
            return out
        """,
        tmp_path,
    )
    assert verdict.status == "passed", verdict.message
