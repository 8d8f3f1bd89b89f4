"""The judge/sandbox channel on its own, over a socket pair: values, proxies, mirroring, errors, permissions.

A JudgeEnd in the test's thread talks to a SandboxEnd serving in another
thread, exactly as the two processes do (the wire and the ends are the same
code), so each property of the channel is tested without starting processes.
"""

from __future__ import annotations

import socket
import threading
import types

import numpy as np
import pytest

from checker.channel import errors, wire
from checker.channel.judge_end import JudgeEnd
from checker.channel.proxy import CallableRemote, Remote, is_remote
from checker.channel.sandbox_end import SandboxEnd
from checker.datasets import DataNotFound


class Pair:
    """A judge end here, a sandbox end serving in a thread; `learner` is what the sandbox's "load" returns."""

    def __init__(self, learner: dict):
        judge_sock, sandbox_sock = socket.socketpair()
        self.sandbox = SandboxEnd(sandbox_sock)
        self.sandbox.register("load", lambda: types.SimpleNamespace(**learner))
        self.thread = threading.Thread(target=self.sandbox.serve_forever, daemon=True)
        self.thread.start()
        self.judge = JudgeEnd(judge_sock)
        self.module = self.judge.invoke("load")
        self._sockets = (judge_sock, sandbox_sock)

    def close(self) -> None:
        for sock in self._sockets:
            sock.close()
        self.thread.join(timeout=5)


@pytest.fixture
def pair(request):
    made = Pair(request.param if hasattr(request, "param") else {})
    yield made
    made.close()


def learner(**functions):
    return pytest.mark.parametrize("pair", [functions], indirect=True)


# --------------------------------------------------------------------------- values


VALUES = [
    None, True, 0, -3, 2**70, 1.5, float("inf"), "text", b"\x00\xff", 1 + 2j, [1, [2]], (1, (2, 3)), {"a": 1, 2: "b"},
    {1, 2}, frozenset({3}), slice(1, None, 2), Ellipsis, range(2, 9, 3), np.float32(1.5), np.int64(7),
    np.dtype("float32"), np.float64, int, np.exp,
    np.arange(6.0).reshape(2, 3), np.zeros((0, 4)), np.array([True, False]), np.array(["ab", "c"]),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
@learner(echo=lambda x: x)
def test_every_value_kind_crosses_by_value(pair, value):
    back = pair.module.echo(value)
    assert not is_remote(back)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    elif isinstance(value, float) and value != value:
        assert back != back
    else:
        assert back == value


def test_nan_crosses():
    encoder = wire.Encoder(lambda obj: {"$": "ref"})
    tree = encoder.encode(float("nan"))
    back = wire.Decoder([], lambda tag: None).decode(tree)
    assert back != back


class Impostor(np.ndarray):
    """An ndarray subclass: its methods may claim anything."""

    def __eq__(self, other):
        return True

    def astype(self, *args, **kwargs):
        return "anything"


class Liar(float):
    def __eq__(self, other):
        return True


class Other:
    pass


@learner(impostor=lambda: np.zeros(3).view(Impostor), floaty=lambda: Liar(1.0), other=Other)
def test_a_subclass_of_a_value_type_crosses_as_its_plain_value_and_other_objects_as_proxies(pair):
    array, number = pair.module.impostor(), pair.module.floaty()
    assert type(array) is np.ndarray and np.array_equal(array, np.zeros(3))  # the values, not their methods
    assert type(number) is float and number == 1.0 and number != 2.0
    other = pair.module.other()
    assert is_remote(other)
    assert other.__class__ is Remote  # never a class of the judge's on the sandbox's word
    assert not isinstance(other, (np.ndarray, float, Other))


# --------------------------------------------------------------------------- proxies


class Counter:
    def __init__(self):
        self.n = 0

    def bump(self, by=1):
        self.n += by
        return self.n


@learner(make=Counter, data=lambda: object())
def test_an_object_crosses_as_a_proxy_whose_every_use_is_a_request(pair):
    counter = pair.module.make()
    assert is_remote(counter) and callable(counter.bump)
    assert counter.bump(2) == 2 and counter.n == 2
    counter.n = 10
    assert counter.bump() == 11
    assert not callable(pair.module.data())  # callable() tells the truth about the object over there
    assert callable(pair.module.make)


@learner(same=lambda x: x, make=Counter)
def test_a_proxy_sent_back_is_the_very_object(pair):
    counter = pair.module.make()
    assert pair.module.same(counter) is counter


@learner(make=Counter)
def test_exports_are_released_when_the_proxy_dies(pair):
    import gc

    for _ in range(20):
        pair.module.make()
    gc.collect()
    pair.module.make()  # the next request carries the releases
    assert pair.sandbox.exported_count() < 10


# --------------------------------------------------------------------------- mirroring


def _scale_in_place(x):
    x *= 2
    return None


def _append(items):
    items.append(3)


def _first_row(x):
    return x[0]


@learner(scale=_scale_in_place, append=_append, first_row=_first_row, same=lambda x: x)
def test_in_place_changes_come_back_and_results_that_are_arguments_stay_them(pair):
    x = np.ones(3)
    pair.module.scale(x)
    assert np.array_equal(x, [2, 2, 2])
    items = [1, 2]
    pair.module.append(items)
    assert items == [1, 2, 3]
    assert pair.module.same(x) is x
    matrix = np.arange(6.0).reshape(2, 3)
    row = pair.module.first_row(matrix)
    assert np.shares_memory(row, matrix)


# --------------------------------------------------------------------------- errors


class LearnerError(ValueError):
    pass


def _raise_value_error():
    raise LearnerError("bad value")


def _raise_data_not_found():
    raise DataNotFound("no such file")


def _raise_system_exit():
    raise SystemExit(3)


@learner(value=_raise_value_error, data=_raise_data_not_found, stop=_raise_system_exit)
def test_exceptions_cross_with_their_builtin_and_course_bases(pair):
    with pytest.raises(ValueError, match="bad value") as caught:
        pair.module.value()
    assert isinstance(caught.value, errors.RemoteError) and caught.value.remote_name == "LearnerError"
    with pytest.raises(DataNotFound, match="no such file"):  # a course exception is caught by its own class
        pair.module.data()
    with pytest.raises(errors.LearnerStopped):
        pair.module.stop()


def _call_back(fn):
    return fn(21)


@learner(call_back=_call_back)
def test_callbacks_run_in_the_judge_and_its_own_exceptions_come_back_as_themselves(pair):
    assert pair.module.call_back(lambda x: x * 2) == 42

    class Mine(Exception):
        pass

    mine = Mine("from the judge")

    def raising(_):
        raise mine

    with pytest.raises(Mine) as caught:
        pair.module.call_back(raising)
    assert caught.value is mine


# --------------------------------------------------------------------------- permissions


def _walk(fn, name):
    return getattr(fn, name)


@learner(walk=_walk, call_back=_call_back)
def test_the_sandbox_may_not_walk_from_a_callback_to_the_judges_internals(pair):
    def helper(x):
        return x

    for name in ("__globals__", "__code__", "__closure__", "func_globals"):
        with pytest.raises((AttributeError, PermissionError)):
            pair.module.walk(helper, name)
    with pytest.raises(wire.Unencodable):
        pair.judge.export(np)  # a module is never handed over


def _send_forged_reference():
    raise AssertionError("unused")


def test_a_request_of_an_unknown_operation_breaks_nothing_and_is_refused():
    made = Pair({})
    try:
        with pytest.raises(wire.ProtocolError):
            made.judge.invoke("no_such_operation")
        assert made.judge.invoke("load") is not None  # the channel still works
    finally:
        made.close()


def test_a_peer_that_dies_mid_call_ends_the_call_with_sandbox_gone():
    judge_sock, sandbox_sock = socket.socketpair()
    end = JudgeEnd(judge_sock)

    def die():
        sandbox_sock.recv(65536)
        sandbox_sock.close()

    thread = threading.Thread(target=die)
    thread.start()
    with pytest.raises(errors.SandboxGone):
        end.invoke("load")
    thread.join()
    with pytest.raises(errors.SandboxGone):  # and stays gone
        end.invoke("load")


# --------------------------------------------------------------------------- the wire's caps


def test_the_wire_refuses_unknown_tags_too_many_values_and_oversized_headers(monkeypatch):
    decoder = wire.Decoder([], lambda tag: None)
    for tag in ("__init__", "_buf", "decode", "arg", "view", 3):
        with pytest.raises(wire.ProtocolError):
            decoder.decode({"$": tag})
    monkeypatch.setattr(wire, "MAX_ELEMENTS", 1000)
    with pytest.raises(wire.ProtocolError, match="values"):
        wire.Decoder([], lambda tag: None).decode([[]] * 2000)
    left, right = socket.socketpair()
    try:
        import struct

        left.sendall(struct.pack("<I", wire.MAX_HEADER_BYTES + 1))
        with pytest.raises(wire.ProtocolError, match="header"):
            wire.recv_message(right)
    finally:
        left.close()
        right.close()


def test_callable_remote_is_a_remote():
    assert issubclass(CallableRemote, Remote)


SHARED = Counter()


@learner(get=lambda: SHARED, same=lambda x: x)
def test_a_release_that_crosses_a_new_reference_never_drops_a_live_object(pair):
    """The peer's proxy dies while the owner sends the same object again: the owner must keep it."""
    import gc

    first = pair.module.get()
    second = pair.module.get()  # the same object, sent a second time: one proxy, two sendings
    assert first is second
    ref_id = object.__getattribute__(first, "_dlx_id")
    pair.sandbox._release([[ref_id, 1]])  # a release of the first sending, arriving after the second
    assert pair.module.same(first).bump() >= 1  # still known over there
    before = pair.sandbox.exported_count()
    for _ in range(50):
        proxy = pair.module.get()
        del proxy, first, second
        first = second = None
        gc.collect()
        assert pair.module.get().bump() >= 1
    assert pair.sandbox.exported_count() <= before + 1  # what died was let go, not piled up
