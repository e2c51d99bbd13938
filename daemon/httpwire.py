"""HTTP/1.1 as the HTTP front needs it: one request read from a stream (a capped body,
keep-alive or not), a JSON answer, a stream of server-sent events. No framework: the
clients (curl from llama.vim, fetch from editors) send small JSON requests."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

MAX_BODY = 8 << 20  # bytes of a request body (a 20 MiB body is refused before it is read)
MAX_HEAD = 16 << 10  # bytes of the request line and headers
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class HttpError(Exception):
    """A request answered with ``status`` and one sentence (a JSON error body)."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    keep_alive: bool = True

    def json(self) -> dict[str, Any]:
        """The body as a JSON object (HttpError 400 with a sentence if it is not one)."""
        try:
            value = json.loads(self.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise HttpError(400, "The request body is not UTF-8.") from None
        except json.JSONDecodeError as e:
            raise HttpError(400, f"The request body is not valid JSON: {e.msg}.") from None
        if not isinstance(value, dict):
            raise HttpError(400, "The request body must be a JSON object.")
        return value


async def read_request(
    reader: asyncio.StreamReader, max_body: int = MAX_BODY
) -> HttpRequest | None:
    """The next request on ``reader``; None when the client closed the connection first.
    A request that breaks the rules raises HttpError (the connection is then closed)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if not e.partial.strip():
            return None
        raise HttpError(400, "The request ended before its headers did.") from None
    except asyncio.LimitOverrunError:
        raise HttpError(400, "The request's headers are too long.") from None
    if len(head) > MAX_HEAD:
        raise HttpError(400, "The request's headers are too long.")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpError(400, "The request line is not HTTP/1.x.")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise HttpError(400, f"A header line has no colon: {line[:40]!r}.")
        headers[name.strip().lower()] = value.strip()
    body = await _body(reader, headers, max_body)
    connection = headers.get("connection", "").lower()
    keep = connection != "close" and (version == "HTTP/1.1" or connection == "keep-alive")
    return HttpRequest(method.upper(), target.split("?", 1)[0], headers, body, keep)


async def _body(reader: asyncio.StreamReader, headers: dict[str, str], max_body: int) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise HttpError(411, "Send the body with a Content-Length, not chunked.")
    raw = headers.get("content-length", "0") or "0"
    if not raw.isdigit():
        raise HttpError(400, "Content-Length is not a number.")
    length = int(raw)
    if length > max_body:
        raise HttpError(413, f"The request body is {length:,} bytes; the limit is {max_body:,}.")
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise HttpError(400, "The request body is shorter than its Content-Length.") from None


def response(status: int, body: bytes, content_type: str, keep_alive: bool) -> bytes:
    head = [
        f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        f"Connection: {'keep-alive' if keep_alive else 'close'}",
        "Access-Control-Allow-Origin: *",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def json_response(status: int, value: Any, keep_alive: bool = True) -> bytes:
    """Compact JSON, as llama-server writes it (llama.vim looks for ``"content":"``)."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return response(status, body, "application/json; charset=utf-8", keep_alive)


def error_response(error: HttpError, keep_alive: bool = False) -> bytes:
    """llama-server's and OpenAI's error shape: {error: {code, message, type}}."""
    body = {"error": {"code": error.status, "message": error.message, "type": error.kind}}
    return json_response(error.status, body, keep_alive)


def event_stream_head() -> bytes:
    """The head of a server-sent event stream (the connection closes at its end)."""
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        b"Connection: close\r\nAccess-Control-Allow-Origin: *\r\n\r\n"
    )


def event(value: Any) -> bytes:
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return b"data: " + data.encode("utf-8") + b"\n\n"
