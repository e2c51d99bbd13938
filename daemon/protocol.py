"""The daemon's wire protocol: length-prefixed msgpack messages over a unix socket.

A frame is a 4-byte big-endian length followed by that many bytes of msgpack. A message
is a map with ``type``:

- ``request``: ``id`` (int), ``method`` (str), ``params`` (map); answered by exactly one
  ``response`` with the same ``id`` carrying ``result`` or ``error`` ({code, message}).
- ``notification``: ``method``, ``params``; never answered (``$/cancelRequest`` with
  ``{"id": n}`` cancels request n).

The first request on a connection must be ``hello`` with the client's protocol
``version``. Everything here is pure: bytes in, messages or errors out.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import msgpack

from pied.errors import Code, PiedError

PROTOCOL_VERSION = 1
MAX_MESSAGE = 32 * 1024 * 1024  # bytes in one frame
_HEADER = struct.Struct(">I")

# Error codes (JSON-RPC-like).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
HANDSHAKE_REQUIRED = -32002
VERSION_MISMATCH = -32003
TOO_LARGE = -32004
REQUEST_CANCELLED = -32800
NOT_AVAILABLE = -32010
MODEL_ERROR = -32011

# The one place where pied's error kinds meet the wire's codes (both ways).
WIRE_CODES = {
    Code.BAD_INPUT: INVALID_PARAMS,
    Code.CONFIG: INVALID_PARAMS,
    Code.MODEL: MODEL_ERROR,
    Code.NOT_AVAILABLE: NOT_AVAILABLE,
    Code.CANCELLED: REQUEST_CANCELLED,
    Code.INTERNAL: INTERNAL_ERROR,
}
_KINDS = {wire: kind for kind, wire in WIRE_CODES.items() if kind is not Code.CONFIG}


def kind_of(wire_code: int) -> Code:
    """The error kind a wire code stands for (protocol breaches are bad input)."""
    return _KINDS.get(wire_code, Code.BAD_INPUT if wire_code <= -32000 else Code.INTERNAL)


class ProtocolError(PiedError):
    """A message that breaks the protocol; ``wire_code`` says how, ``id`` which request."""

    code = Code.BAD_INPUT

    def __init__(self, wire_code: int, message: str, request_id: int | None = None) -> None:
        super().__init__(message)
        self.wire_code = wire_code
        self.request_id = request_id


def wire_error(request_id: int | None, exc: BaseException) -> bytes:
    """The error response for ``exc``: a PiedError by its kind, anything else as internal."""
    if isinstance(exc, ProtocolError):
        return error(request_id, exc.wire_code, str(exc))
    if isinstance(exc, PiedError):
        return error(request_id, WIRE_CODES[exc.code], str(exc))
    return error(request_id, INTERNAL_ERROR, f"internal error: {type(exc).__name__}: {exc}")


def encode(message: dict[str, Any]) -> bytes:
    """One frame holding ``message``."""
    body: bytes = msgpack.packb(message, use_bin_type=True)
    if len(body) > MAX_MESSAGE:
        raise ProtocolError(TOO_LARGE, f"message of {len(body)} bytes exceeds {MAX_MESSAGE}")
    return _HEADER.pack(len(body)) + body


def request(request_id: int, method: str, params: dict[str, Any] | None = None) -> bytes:
    return encode({"type": "request", "id": request_id, "method": method, "params": params or {}})


def notification(method: str, params: dict[str, Any] | None = None) -> bytes:
    return encode({"type": "notification", "method": method, "params": params or {}})


def result(request_id: int | None, value: Any) -> bytes:
    return encode({"type": "response", "id": request_id, "result": value})


def error(request_id: int | None, code: int, message: str) -> bytes:
    return encode(
        {"type": "response", "id": request_id, "error": {"code": code, "message": message}}
    )


@dataclass(frozen=True)
class Message:
    type: str
    method: str = ""
    id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    error: dict[str, Any] | None = None


def parse(body: bytes) -> Message:
    """A checked message from one frame's body (raises ProtocolError)."""
    try:
        raw = msgpack.unpackb(body, raw=False, strict_map_key=False)
    except Exception as e:  # msgpack raises several unrelated types on garbage
        raise ProtocolError(PARSE_ERROR, f"not msgpack: {e}") from None
    if not isinstance(raw, dict):
        raise ProtocolError(INVALID_REQUEST, "a message must be a map")
    rid = raw.get("id")
    if rid is not None and (not isinstance(rid, int) or isinstance(rid, bool)):
        raise ProtocolError(INVALID_REQUEST, "id must be an integer")
    kind = raw.get("type")
    if kind in ("request", "notification"):
        method = raw.get("method")
        if not isinstance(method, str) or not method:
            raise ProtocolError(INVALID_REQUEST, "method must be a non-empty string", rid)
        params = raw.get("params", {})
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise ProtocolError(INVALID_PARAMS, "params must be a map", rid)
        if kind == "request" and rid is None:
            raise ProtocolError(INVALID_REQUEST, "a request needs an id")
        return Message(kind, method, rid, params)
    if kind == "response":
        err = raw.get("error")
        if err is not None and not isinstance(err, dict):
            raise ProtocolError(INVALID_REQUEST, "error must be a map", rid)
        return Message(kind, "", rid, {}, raw.get("result"), err)
    raise ProtocolError(INVALID_REQUEST, f"unknown message type {kind!r}", rid)


class FrameReader:
    """Splits a byte stream into frame bodies; survives oversized frames by skipping them."""

    def __init__(self, max_message: int = MAX_MESSAGE) -> None:
        self.max_message = max_message
        self._buf = bytearray()
        self._skip = 0

    def feed(self, data: bytes) -> Iterator[bytes | ProtocolError]:
        """Frame bodies completed by ``data``, or an error for each oversized frame."""
        self._buf += data
        while True:
            if self._skip:
                n = min(self._skip, len(self._buf))
                del self._buf[:n]
                self._skip -= n
                if self._skip:
                    return
            if len(self._buf) < _HEADER.size:
                return
            (length,) = _HEADER.unpack_from(self._buf)
            if length > self.max_message:
                del self._buf[: _HEADER.size]
                self._skip = length
                yield ProtocolError(
                    TOO_LARGE, f"frame of {length} bytes exceeds {self.max_message}"
                )
                continue
            if len(self._buf) < _HEADER.size + length:
                return
            body = bytes(self._buf[_HEADER.size : _HEADER.size + length])
            del self._buf[: _HEADER.size + length]
            yield body
