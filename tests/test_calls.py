"""checker.engine.calls: a learner call as plain JSON data and back (for `dlx debug`), and its place in
the protocol's check record."""

from __future__ import annotations

import json

import numpy as np
import pytest

from checker.engine import calls
from checker.engine import records as R


def _round_trip(args, kwargs=None):
    data = calls.encode("f", tuple(args), kwargs or {})
    assert data is not None
    return calls.decode(json.loads(json.dumps(data)))


def test_arrays_numbers_and_containers_come_back_as_they_were():
    x = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    labels = np.array([0, 2, 1], dtype=np.int64)
    name, args, kwargs = _round_trip([x, labels, 3, 0.5, True, None, "adam", (1, 2), [np.float64(1.5)]], {"k": {"a": 1}})
    assert name == "f"
    assert args[0].dtype == np.float32 and args[0].shape == (2, 3) and np.array_equal(args[0], x)  # exact
    assert args[1].dtype == np.int64 and np.array_equal(args[1], labels)
    assert args[2:8] == [3, 0.5, True, None, "adam", (1, 2)] and args[8] == [1.5]
    assert kwargs == {"k": {"a": 1}}


def test_non_finite_numbers_survive():
    _, args, _ = _round_trip([np.array([np.nan, np.inf, -np.inf, 1.0]), float("nan")])
    assert np.isnan(args[0][0]) and args[0][1] == np.inf and args[0][2] == -np.inf and np.isnan(args[1])


def test_a_random_generator_comes_back_in_the_same_state():
    g = np.random.default_rng(7)
    g.standard_normal(5)
    _, (copy,), _ = _round_trip([g])
    assert np.array_equal(copy.standard_normal(4), g.standard_normal(4))


@pytest.mark.parametrize("value", [object(), lambda: 1, np.zeros(3, dtype=object), np.zeros(3, dtype=complex),
                                   np.zeros(calls.MAX_ELEMENTS + 1), [[[[[[[[1]]]]]]]]])
def test_what_is_not_small_plain_data_is_not_noted(value):
    assert calls.encode("f", (value,), {}) is None


def test_a_subclass_of_a_plain_type_is_not_plain():
    class Sneaky(float):
        pass

    class Array(np.ndarray):
        pass

    assert calls.encode("f", (Sneaky(1.0),), {}) is None
    assert calls.encode("f", (np.zeros(2).view(Array),), {}) is None


@pytest.mark.parametrize("data", [None, [], {"function": "os.system", "args": [], "kwargs": {}},
                                  {"function": "import", "args": [], "kwargs": {}},
                                  {"function": "f", "args": [{"array": [1], "shape": [1], "dtype": "object"}], "kwargs": {}},
                                  {"function": "f", "args": [{"what": 1}], "kwargs": {}}])
def test_decoding_trusts_no_field(data):
    with pytest.raises(ValueError):
        calls.decode(data)


def test_a_check_record_carries_the_call_and_a_malformed_one_is_refused():
    call = calls.encode("mse_grad", (np.ones((3, 2)), np.zeros(3), np.ones(2)), {})
    record = R.CheckRecord("test_x", "x", R.Outcome.FAILED, 0.1, R.Problem(R.ProblemKind.CHECK, "no"), {}, call)
    back = R.parse_record(R.record_line(record, "T"), "T")
    assert back.call == call and calls.decode(back.call)[0] == "mse_grad"
    bad = json.loads(R.record_line(record, "T"))
    bad["call"] = ["not", "a", "call"]
    with pytest.raises(R.Malformed):
        R.parse_record(json.dumps(bad), "T")


def test_the_biggest_call_still_fits_in_a_record_with_the_longest_message():
    too_long = calls.encode("f", (np.full(calls.MAX_ELEMENTS, -1.2345678901234567e-300),), {})
    assert too_long is None  # 2 000 numbers of 23 characters: over MAX_CHARS, so not noted at all
    n = next(n for n in range(calls.MAX_ELEMENTS, 0, -10)
             if calls.encode("f", (np.full(n, -1.2345678901234567e-300),), {}) is not None)
    call = calls.encode("f", (np.full(n, -1.2345678901234567e-300),), {})  # the longest call that is noted
    message = "m" * R.MAX_TEXT_CHARS
    record = R.CheckRecord("test_x", "t" * 500, R.Outcome.FAILED, 0.1, R.Problem(R.ProblemKind.CHECK, message), {}, call)
    assert len(R.record_line(record, "T" * 64)) < R.MAX_RECORD_CHARS


def test_a_snapshot_is_taken_before_the_call_and_encoded_like_the_values():
    x, g = np.arange(4.0), np.random.default_rng(3)
    args = calls.snapshot((x, [x, 2], {"rng": g}))
    x[:] = -1  # the learner's code changes its argument in place
    g.standard_normal(10)
    name, (y, pair, options), _ = calls.decode(json.loads(json.dumps(calls.encode("f", args, {}))))
    assert np.array_equal(y, [0.0, 1.0, 2.0, 3.0]) and np.array_equal(pair[0], y)  # as it was at the call
    assert np.array_equal(options["rng"].standard_normal(3), np.random.default_rng(3).standard_normal(3))
    with pytest.raises(calls.NotPlain):
        calls.snapshot((np.zeros(calls.MAX_ELEMENTS + 1),))
