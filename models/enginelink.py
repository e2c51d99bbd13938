"""HTTP to a model engine (llama.cpp's ``llama-server``): JSON calls and a token stream.

Every failure becomes one ``EngineError`` sentence a user can act on: the engine cannot be
reached, is too slow, refuses the key, answers an HTTP error, or sends what is not JSON.
The API key comes from ``$PIED_ENGINE_KEY`` or a file, and is never logged.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pied.errors import Code, PiedError
from pied.models.errors import ModelError

KEY_VARIABLE = "PIED_ENGINE_KEY"

# Prompt tokens a second the slowest engine served encodes (a small model on two busy CPU
# cores encodes ~50, measured): a long prompt is not called a dead engine.
SLOWEST_PROMPT_RATE = 25.0


class EngineError(ModelError):
    """The remote engine failed; the message names it and what to do."""

    code = Code.NOT_AVAILABLE


def read_key(
    key_file: str,
    variable: str = KEY_VARIABLE,
    what: str = "engine",
    error: type[PiedError] = EngineError,
) -> str:
    """An API key: ``$variable``, else the first line of ``key_file``, else none (``error``
    naming the ``what``'s key file when it cannot be read)."""
    key = os.environ.get(variable, "").strip()
    if key or not key_file:
        return key
    try:
        return Path(key_file).expanduser().read_text(encoding="utf-8").strip().split("\n")[0]
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"The {what} key file {key_file} cannot be read: {e}.") from None


class EngineLink:
    """Where the engine is and how to talk to it (thread-safe: one connection per call)."""

    def __init__(self, url: str, *, key: str = "", timeout: float = 10.0) -> None:
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EngineError(f"The engine URL {url!r} is not an http:// or https:// URL.")
        self.url = url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._base = parts.path
        self._key = key
        self.timeout = timeout

    def at_root(self) -> EngineLink:
        """The same engine without an OpenAI-style ``/v1`` path (where /tokenize lives)."""
        root = self.url[: -len("/v1")] if self.url.endswith("/v1") else self.url
        return EngineLink(root, key=self._key, timeout=self.timeout)

    def _connection(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)

    def _headers(self, body: bytes | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        return headers

    def _open(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None,
        sent: Callable[[http.client.HTTPConnection], None] | None = None,
        first_wait: float | None = None,
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        body = json.dumps(payload).encode() if payload is not None else None
        conn = self._connection()
        wait = max(self.timeout, first_wait or 0.0)
        try:
            conn.request(method, self._base + path, body=body, headers=self._headers(body))
            if sent is not None:
                sent(conn)  # the caller may close it from another thread while it waits
            if conn.sock is not None:
                conn.sock.settimeout(wait)
            response = conn.getresponse()
        except BaseException as e:
            conn.close()
            raise self._failure(e, wait) from None
        if response.status >= 400:
            detail = _error_detail(response)
            conn.close()
            raise self._http_error(response.status, detail)
        return conn, response

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """One JSON request and its parsed answer."""
        conn, response = self._open(method, path, payload)
        try:
            raw = response.read()
        except BaseException as e:
            raise self._failure(e) from None
        finally:
            conn.close()
        try:
            return json.loads(raw)
        except ValueError:
            raise EngineError(
                f"The engine at {self.url} sent a malformed answer to {path} (not JSON)."
            ) from None

    def stream(
        self,
        path: str,
        payload: dict[str, Any],
        sent: Callable[[http.client.HTTPConnection], None] | None = None,
        prompt_tokens: int = 0,
    ) -> Stream:
        """A server-sent-events answer, read event by event (close it to stop the engine);
        ``sent`` hears the connection once the request is sent, before the engine answers.
        The engine encodes the prompt before it answers: the wait for that grows with the
        prompt's ``prompt_tokens`` (at ``SLOWEST_PROMPT_RATE``), the one for later tokens not."""
        first_wait = self.timeout + prompt_tokens / SLOWEST_PROMPT_RATE
        conn, response = self._open("POST", path, payload, sent, first_wait)
        return Stream(self, conn, response, path, first_wait)

    def _failure(self, e: BaseException, wait: float | None = None) -> EngineError:
        if isinstance(e, ssl.SSLError | ssl.CertificateError):
            return EngineError(f"TLS with the engine at {self.url} failed: {_reason(e)}.")
        if isinstance(e, TimeoutError | socket.timeout):
            return EngineError(
                f"The engine at {self.url} did not answer within {wait or self.timeout:.3g} s."
            )
        if isinstance(e, OSError | http.client.HTTPException):
            return EngineError(f"The engine at {self.url} cannot be reached: {_reason(e)}.")
        if isinstance(e, EngineError):
            return e
        raise e

    def _http_error(self, status: int, detail: str) -> EngineError:
        if status in (401, 403):
            return EngineError(
                f"The engine at {self.url} refused the API key (HTTP {status}): set "
                f"${KEY_VARIABLE} or engine_key_file."
            )
        tail = f": {detail}" if detail else ""
        return EngineError(f"The engine at {self.url} answered HTTP {status}{tail}.")


class Stream:
    """The events of one streamed answer; ``close`` (from any thread) ends the request."""

    def __init__(
        self,
        link: EngineLink,
        conn: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        path: str,
        first_wait: float | None = None,
    ) -> None:
        self._link = link
        self._conn = conn
        self._response = response
        self._path = path
        # Until the first event (the engine may send its headers before it encodes the
        # prompt), the wait is the prompt's; then the link's for each event.
        self._wait = first_wait
        self._closed = threading.Event()
        self.ended = False  # the engine sent its last event
        self.last: dict[str, Any] | None = None  # the last event read

    def events(self) -> Iterator[dict[str, Any]]:
        """Each ``data:`` event as JSON, until the stream ends or is closed."""
        while not self.ended:
            event = self.next_event()
            if event is None:
                return
            yield event

    def next_event(self) -> dict[str, Any] | None:
        """The next event; None once the engine has ended the stream (or it was closed)."""
        while not self.ended and not self._closed.is_set():
            try:
                line = self._response.readline()
            except BaseException as e:
                if self._closed.is_set():
                    return None
                self.close()
                raise self._link._failure(e, self._wait) from None
            if not line:
                if self._closed.is_set():
                    return None
                self.close()
                raise EngineError(
                    f"The engine at {self._link.url} ended its answer to {self._path} early."
                )
            text = line.decode("utf-8", "replace").strip()
            if not text.startswith("data:"):
                continue  # blank separators, comments, "event:" lines
            data = text[5:].strip()
            if self._wait is not None:
                self._wait = None
                if self._conn.sock is not None:
                    self._conn.sock.settimeout(self._link.timeout)
            if data == "[DONE]":
                self.ended = True
                return None
            try:
                event = json.loads(data)
            except ValueError:
                self.close()
                raise EngineError(
                    f"The engine at {self._link.url} sent a malformed event to {self._path}."
                ) from None
            if not isinstance(event, dict):
                self.close()
                raise EngineError(
                    f"The engine at {self._link.url} sent a malformed event to {self._path}."
                )
            if "error" in event:
                self.close()
                message = event["error"]
                if isinstance(message, dict):
                    message = message.get("message", message)
                raise EngineError(f"The engine at {self._link.url} failed: {message}.")
            if event.get("stop"):
                self.ended = True
            self.last = event
            return event
        return None

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        shut(self._conn)  # a reader blocked in another thread wakes
        self._conn.close()


def shut(conn: http.client.HTTPConnection) -> None:
    """End ``conn`` from any thread: a reader blocked on it wakes."""
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _reason(e: BaseException) -> str:
    if isinstance(e, ConnectionRefusedError):
        return "connection refused (is it running?)"
    if isinstance(e, socket.gaierror):
        return "unknown host"
    text = str(e) or type(e).__name__
    return text.rstrip(".")


def _error_detail(response: http.client.HTTPResponse) -> str:
    """The message of an error body, short (llama-server: {"error": {"message": ...}})."""
    try:
        raw = response.read(4096)
        data = json.loads(raw)
    except (OSError, ValueError, http.client.HTTPException):
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        error = error.get("message")
    return str(error)[:200].rstrip(".") if error else ""
