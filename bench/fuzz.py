"""Frames and messages that no well-behaved client sends, from a seed (the fuzz test and
``pied bench soak`` share them).

For the daemon's socket: random bytes, valid msgpack of wrong shapes, and every method
with fields of the wrong types; frames with lying lengths come last on a connection.
For the language server: bodies that are not JSON or not JSON-RPC, and every request
pied serves with wrong types, negative and out-of-range positions, unknown URIs.
"""

from __future__ import annotations

import json
import random
import struct
from dataclasses import dataclass
from typing import Any

import msgpack

# The daemon's methods and the fields each reads (``shutdown`` is left out: it is obeyed).
DAEMON_FIELDS: dict[str, tuple[str, ...]] = {
    "complete": ("uri", "line", "character", "text", "settings"),
    "status": (),
    "translate": ("text", "source", "uri", "settings"),
    "summarize": ("text", "uri", "range", "settings"),
    "hello": ("version", "token"),
    "open": ("uri", "text", "version", "language"),
    "change": ("uri", "version", "changes"),
    "close": ("uri",),
    "cursor": ("uri", "line", "character"),
    "workspace": ("roots",),
    "$/cancelRequest": ("id",),
}
NOTIFICATIONS = {"open", "change", "close", "cursor", "workspace", "$/cancelRequest"}
# Fields whose right type would start real model work; a fuzzed value never has it.
WORK_FIELDS = {"translate": "text", "summarize": "text"}


def _value(rng: random.Random, depth: int = 0) -> Any:
    """A random msgpack-able value of any type."""
    kind = rng.randrange(10 if depth < 2 else 7)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 2**31, -(2**31), 2**63 - 1, -(2**63), rng.randint(-9, 99)])
    if kind == 3:
        return rng.choice([0.5, -1e300, float("inf"), float("nan")])
    if kind == 4:
        return rng.choice(["", "x", "file:///nope.py", "\x00", "é" * 3, "a" * 300])
    if kind == 5:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(8)))
    if kind == 6:
        return rng.choice([[0, 0], [-1, 5], [1], ["a", "b"]])
    if kind == 7:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(_value(rng, depth + 1)): _value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _wrong(rng: random.Random, right: type) -> Any:
    while isinstance(value := _value(rng), right) and not isinstance(value, bool):
        pass
    return value


def _frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


@dataclass(frozen=True)
class Batch:
    """Frames for one connection (after its hello): ``answered`` request ids must each get
    a reply; ``tail`` frames lie about their length, so the connection is closed after."""

    frames: list[bytes]
    answered: list[int]
    tail: list[bytes]


def daemon_batch(rng: random.Random, size: int, first_id: int = 1000) -> Batch:
    """``size`` well-framed frames (random kinds) and perhaps a tail of lying lengths."""
    frames: list[bytes] = []
    answered: list[int] = []
    rid = first_id
    for _ in range(size):
        kind = rng.randrange(4)
        if kind == 0:  # random bytes
            frames.append(_frame(bytes(rng.randrange(256) for _ in range(rng.randrange(40)))))
        elif kind == 1:  # valid msgpack, not a message
            frames.append(_frame(msgpack.packb(_value(rng), use_bin_type=True)))
        else:  # a method with wrong or random fields, as a request or a notification
            method = rng.choice(sorted(DAEMON_FIELDS))
            params: Any = {}
            for name in DAEMON_FIELDS[method]:
                if rng.random() < 0.7:
                    params[name] = _value(rng)
            if method in WORK_FIELDS:
                params[WORK_FIELDS[method]] = _wrong(rng, str)
            if rng.random() < 0.1:
                params = _value(rng)
            as_request = method not in NOTIFICATIONS or rng.random() < 0.3
            if as_request:
                rid += 1
                msg: dict[str, Any] = {"type": "request", "id": rid, "method": method}
                answered.append(rid)
            else:
                msg = {"type": "notification", "method": method}
            msg["params"] = params
            if kind == 3 and rng.random() < 0.5:  # a broken envelope around it
                broken = rng.choice(["type", "id", "method"])
                msg[broken] = _value(rng)
                if as_request and broken == "id":  # its reply carries another id, or none
                    answered.pop()
            frames.append(_frame(msgpack.packb(msg, use_bin_type=True)))
    tail: list[bytes] = []
    if rng.random() < 0.3:
        body = msgpack.packb({"type": "request", "id": 1, "method": "status"})
        tail.append(struct.pack(">I", len(body) + rng.randrange(1, 100)) + body)
    return Batch(frames, answered, tail)


# --- the language server ----------------------------------------------------------------------

LSP_REQUESTS: dict[str, tuple[str, ...]] = {
    "textDocument/inlineCompletion": ("textDocument", "position", "context"),
    "textDocument/completion": ("textDocument", "position", "context"),
    "textDocument/codeAction": ("textDocument", "range", "context"),
    "workspace/executeCommand": ("command", "arguments"),
}
LSP_NOTIFICATIONS: dict[str, tuple[str, ...]] = {
    "textDocument/didOpen": ("textDocument",),
    "textDocument/didChange": ("textDocument", "contentChanges"),
    "textDocument/didClose": ("textDocument",),
    "workspace/didChangeConfiguration": ("settings",),
    "pied/cursor": ("textDocument", "position"),
}


def _json_value(rng: random.Random, uri: str, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 2 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([-1, -(2**31), 2**31, 2**53, 0, 3])
    if kind == 2:
        return rng.choice(["", uri, "file:///nope.py", "x" * 200, "\u0000\ufffe"])
    if kind == 3:
        return {
            "line": rng.choice([-1, 0, 2**31 - 1, 10**12]),
            "character": rng.choice([-5, 0, 10**9]),
        }
    if kind == 4:
        return {"uri": rng.choice([uri, 5, None, "file:///nope.py"])}
    if kind == 5:
        return rng.choice([True, 1.5, []])
    if kind == 6:
        return [_json_value(rng, uri, depth + 1) for _ in range(rng.randrange(3))]
    keys = ["uri", "line", "character", "start", "end", "triggerKind", "text", "version"]
    return {rng.choice(keys): _json_value(rng, uri, depth + 1) for _ in range(rng.randrange(4))}


def lsp_messages(
    rng: random.Random, n: int, uri: str, first_id: int = 1000
) -> list[tuple[Any, bytes]]:
    """``n`` (request id or None, body) pairs; a body with an id must get a response (a
    body that is not JSON is answered with id null, so its id is None here)."""
    out: list[tuple[Any, bytes]] = []
    for i in range(n):
        kind = rng.randrange(6)
        rid: Any = first_id + i
        if kind == 0:
            out.append((None, rng.choice([b"{not json", b"\xff\xfe", b"[1,", b'"', b"{}"])))
            continue
        if kind == 1:
            body: Any = rng.choice([[1, 2], 5, "x", {"jsonrpc": "2.0"}, {"id": rid, "method": "x"}])
            out.append(
                (
                    rid if isinstance(body, dict) and "method" in body else None,
                    json.dumps(body).encode(),
                )
            )
            continue
        if kind == 2:
            method = rng.choice(sorted(LSP_NOTIFICATIONS))
            fields = LSP_NOTIFICATIONS[method]
            rid = None
        else:
            method = rng.choice(sorted(LSP_REQUESTS))
            fields = LSP_REQUESTS[method]
        params: Any = {f: _json_value(rng, uri) for f in fields if rng.random() < 0.8}
        if rng.random() < 0.1:
            params = _json_value(rng, uri)
        msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if rid is not None:
            msg["id"] = rid if rng.random() < 0.9 else str(rid)
            rid = msg["id"]
        out.append((rid, json.dumps(msg).encode()))
    return out
