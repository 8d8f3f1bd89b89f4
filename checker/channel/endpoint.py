"""One end of the judge/sandbox channel: requests, answers, exported objects, in-place mirroring.

`Endpoint` is what both ends share; `JudgeEnd` and `SandboxEnd` say what each
may ask and answer (see `policy`).  Requests nest: while waiting for its
answer, an end serves the requests its peer makes (a callback from the
learner's code into a function the check handed over).

Objects that cannot cross by value are *exported*: the owner keeps them under
a number and the peer gets a `Remote` proxy.  When the proxy is garbage
collected, the peer says so with its next message and the owner lets the
object go -- unless it has sent the object again since (each reference it
sends carries a count, and a release names the count the peer had seen), so a
release that crosses a new reference on the wire never drops a live object.
"""

from __future__ import annotations

import contextlib
import itertools
import types
import weakref
from typing import Any

from checker.channel import errors, mirror, wire
from checker.channel.proxy import CallableRemote, Remote, is_remote

_GENERATOR = types.GeneratorType
MAX_WATCHED = 8  # calls whose generator results still have their arguments copied back
MAX_RELEASES = 10_000  # release notices carried by one message, at most


class Endpoint:
    """What both ends of the channel share; a subclass names itself (`me`, `peer`) and its policy."""

    me = ""
    peer = ""

    def __init__(self, sock: Any):
        self.sock = sock
        self.peer_tensors = False  # whether tf.Tensors may cross by value to the peer
        self.learner_path: str | None = None  # the learner's file (real path), for the frames reported
        self.broken: str | None = None
        self._exports: dict[int, Any] = {}
        self._export_ids: dict[int, int] = {}
        self._sent: dict[int, int] = {}  # how many times each export's reference was sent
        self._ids = itertools.count(1)
        self._calls = itertools.count(1)
        self._remotes: "weakref.WeakValueDictionary[int, Remote]" = weakref.WeakValueDictionary()
        self._released: list[list[int]] = []  # [id, count seen] of the peer's objects whose proxies died here
        self._seen: dict[int, int] = {}  # the latest count seen for each of the peer's references
        self._pending: list[tuple] = []  # the arguments of our requests still waiting for an answer
        self._active: list[list] = []  # the mutable arguments of the calls we are serving, with fingerprints
        self._serving: list[Any] = []  # the numbers of the requests being served (innermost last)

    # ------------------------------------------------------------ references
    def export(self, obj: Any) -> dict:
        """The reference tag for an object that cannot cross by value (and keep it for the peer)."""
        if is_remote(obj):
            if object.__getattribute__(obj, "_dlx_conn") is not self:
                raise wire.Unencodable("an object of another channel")
            return {"$": "ref", "owner": self.peer, "id": object.__getattribute__(obj, "_dlx_id")}
        self._check_exportable(obj)
        key = id(obj)
        ref_id = self._export_ids.get(key)
        if ref_id is None or self._exports.get(ref_id) is not obj:
            ref_id = next(self._ids)
            self._exports[ref_id] = obj
            self._export_ids[key] = ref_id
        cls = type(obj)
        # "generator" is decided by identity with the real type, taken before any learner code ran; the "type"
        # name is what the class says of itself, for messages only.
        meta = {"type": errors.qualified_name(cls), "callable": callable(obj), "generator": cls is _GENERATOR}
        self._sent[ref_id] = self._sent.get(ref_id, 0) + 1
        return {"$": "ref", "owner": self.me, "id": ref_id, "meta": meta, "n": self._sent[ref_id]}

    def _check_exportable(self, obj: Any) -> None:
        """Raise wire.Unencodable for an object this end must never hand over."""

    def _resolve(self, tag: dict) -> Any:
        owner, ref_id = tag.get("owner"), tag.get("id")
        if type(ref_id) is not int:
            raise wire.ProtocolError("a reference without an id")
        if owner == self.me:
            try:
                return self._exports[ref_id]
            except KeyError:
                raise wire.ProtocolError(f"an unknown reference {ref_id}") from None
        if owner != self.peer:
            raise wire.ProtocolError("a reference of nobody")
        count = tag.get("n")
        if type(count) is int:
            self._seen[ref_id] = max(count, self._seen.get(ref_id, 0))
        remote = self._remotes.get(ref_id)
        if remote is None:
            meta = tag.get("meta") if type(tag.get("meta")) is dict else {}
            cls = CallableRemote if meta.get("callable") is True else Remote
            remote = cls(self, ref_id, meta)
            self._remotes[ref_id] = remote
            weakref.finalize(remote, self._proxy_died, ref_id)
        return remote

    def _proxy_died(self, ref_id: int) -> None:
        self._released.append([ref_id, self._seen.pop(ref_id, 0)])

    def _release(self, ids: Any) -> None:
        """The peer's proxies of these exports died: let the objects go."""
        if not isinstance(ids, list):
            return
        for item in ids[:MAX_RELEASES]:
            if not (type(item) is list and len(item) == 2 and type(item[0]) is int and type(item[1]) is int):
                continue
            ref_id, seen = item
            if self._sent.get(ref_id) != seen:
                continue  # sent again since the peer's proxy died: the peer holds (or will hold) a new one
            obj = self._exports.pop(ref_id, None)
            self._sent.pop(ref_id, None)
            if obj is not None and self._export_ids.get(id(obj)) == ref_id:
                del self._export_ids[id(obj)]

    def _encoder(self) -> wire.Encoder:
        return wire.Encoder(self.export, tensors=self.peer_tensors)

    def exported_count(self) -> int:
        """How many of this end's objects the peer still holds proxies of."""
        return len(self._exports)

    # ------------------------------------------------------------ sending
    def _send(self, header: dict, value: Any, encoder: wire.Encoder | None = None, key: str = "v") -> None:
        encoder = encoder or self._encoder()
        header[key] = encoder.encode(value)
        header["nbuf"] = len(encoder.buffers)
        if self._released:
            header["rel"], self._released = self._released[:MAX_RELEASES], self._released[MAX_RELEASES:]
        try:
            wire.send_message(self.sock, header, encoder.buffers)
        except OSError as exc:
            self._break(f"the channel closed ({exc})")

    def _break(self, why: str) -> None:
        self.broken = self.broken or why
        raise errors.SandboxGone(self.broken)

    def _receive(self) -> tuple[dict, list]:
        if self.broken:
            raise errors.SandboxGone(self.broken)
        try:
            header, buffers = wire.recv_message(self.sock)
        except EOFError:
            self._break("the other side ended")
        except (OSError, wire.ProtocolError) as exc:
            self._break(f"the channel broke ({exc})")
        self._release(header.get("rel"))
        return header, buffers

    # ------------------------------------------------------------ requests
    def request(self, op: str, *args: Any) -> Any:
        """Ask the peer to do `op` on `args`; serve its own requests until the answer comes."""
        number = next(self._calls)
        header: dict = {"k": "req", "n": number, "op": op}
        self._annotate_request(header)
        encoder = self._encoder()
        if self._active:  # a callback from inside a call: the caller sees our in-place changes so far
            header["s"] = encoder.encode(mirror.changes(self._active[-1], self._fingerprint))
        self._send(header, list(args), encoder)
        self._pending.append(args)
        try:
            return self._await(number, args)
        finally:
            self._pending.pop()

    def _annotate_request(self, header: dict) -> None:
        """Add what the peer needs to know about this end's state to a request."""

    def _await(self, number: int, args: tuple) -> Any:
        while True:
            header, buffers = self._receive()
            kind = header.get("k")
            if kind == "req":
                self._serve(header, buffers)
                continue
            if header.get("n") != number or kind not in ("ok", "err"):
                self._break("an answer to a question that was not asked")
            decoder = mirror.ArgDecoder(buffers, self._resolve, args)
            error: BaseException | None = None
            try:
                if kind == "err":
                    error = self._rebuild(decoder.decode(header.get("e")))
                else:
                    value = decoder.decode(header.get("v"))
                    mirror.mirror(args, decoder.decode(header.get("m", [])))
                    self._on_answer(number, args, header, decoder)
            except (wire.ProtocolError, TypeError, ValueError, KeyError, IndexError) as exc:
                self._break(f"a malformed answer ({str(exc)[:200]})")
            if error is not None:
                raise error
            return value

    def _on_answer(self, number: int, args: tuple, header: dict, decoder: wire.Decoder) -> None:
        """What else an answer carries for this end (late argument changes, warnings)."""

    def _rebuild(self, desc: Any) -> BaseException:
        return errors.rebuild(desc)

    # ------------------------------------------------------------ serving
    def _serve(self, header: dict, buffers: list) -> None:
        number, op = header.get("n"), header.get("op")
        reply: dict = {"k": "ok", "n": number}
        try:
            if header.get("s") and self._pending:
                pending = self._pending[-1]
                mirror.mirror(pending, mirror.ArgDecoder(buffers, self._resolve, pending).decode(header["s"]))
            args = wire.Decoder(buffers, self._resolve).decode(header.get("v"))
            if not isinstance(args, list):
                raise wire.ProtocolError("arguments that are not a list")
            with self._serving_context(header, reply):
                self._serving.append(number)
                try:
                    value, mutated = self._perform(str(op), args)
                finally:
                    self._serving.pop()
            encoder = self._encoder()
            reply["m"] = encoder.encode(mutated)
            self._annotate_reply(number, reply, encoder)
            if op in ("call", "side"):  # a result that IS an argument (or a view of one) stays one
                encoder.aliases = mirror.aliases(args)
            self._send(reply, value, encoder)
            return
        except errors.SandboxGone:
            raise
        except wire.ProtocolError as exc:
            self._on_protocol_error(exc)
            error: BaseException = exc
        except BaseException as exc:  # noqa: BLE001 - the learner's SystemExit etc. become an answer too
            self._on_error(exc)
            error = exc
        self._send({"k": "err", "n": number}, errors.describe(error, self.learner_path), key="e")

    def _serving_context(self, header: dict, reply: dict) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()

    def _annotate_reply(self, number: Any, reply: dict, encoder: wire.Encoder) -> None:
        """Add what the requester needs besides the value (late changes, a generator's watch)."""

    def _on_protocol_error(self, exc: wire.ProtocolError) -> None:
        """A malformed request: answered as an error, unless this end cannot trust its peer any more."""

    def _on_error(self, exc: BaseException) -> None:
        """A request raised `exc`; it is answered with its description."""

    def _perform(self, op: str, args: list) -> tuple[Any, list]:
        raise NotImplementedError

    # ------------------------------------------------------------ calls with mirroring
    def _call_mirrored(self, target: Any, positional: tuple, keywords: dict) -> tuple[Any, list]:
        """Call, then report which mutable arguments the call changed (their new values go back)."""
        slots = mirror.slots_of(positional, keywords)
        for slot in slots:
            slot[2] = self._fingerprint(slot[1])
        self._active.append(slots)
        try:
            result = target(*positional, **keywords)
        finally:
            self._active.pop()
        self._after_call(result, slots)
        return result, mirror.changes(slots, self._fingerprint)

    def _after_call(self, result: Any, slots: list) -> None:
        """Look at a call's result before it is sent (a generator keeps its arguments watched)."""

    def _fingerprint(self, value: Any) -> tuple | None:
        try:
            encoder = self._encoder()
            tree = encoder.encode(value)
        except wire.Unencodable:
            return None
        return repr(tree), [bytes(memoryview(b).cast("B")) for b in encoder.buffers]
