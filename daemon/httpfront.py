"""The HTTP front: llama.vim, llama.vscode, Zed, Continue and other OpenAI-style FIM clients
asking the daemon that serves the editors (one model, one scheduler, the same priorities).

Each HTTP request is read into a typed ask (``fimapi``), its text matched to a virtual
document (``virtualdocs``: the difference from the last request becomes an edit PIE
applies), and completed like an editor's request; a client that disconnects while it waits
cancels its job within one token. Everything here runs on the daemon's loop thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from pied import __version__
from pied.config import Settings
from pied.daemon import documents, fimapi, httpwire, suggestions
from pied.daemon import messages as m
from pied.daemon.httpwire import HttpError, HttpRequest
from pied.daemon.service import Service
from pied.daemon.virtualdocs import VirtualDocuments
from pied.editing.positions import position_utf16
from pied.engine.scheduler import Cancelled
from pied.errors import PiedError
from pied.models.enginelink import read_key

log = logging.getLogger("pied.http")

LOOPBACK = ("127.0.0.1", "::1", "localhost")
KEY_VARIABLE = "PIED_HTTP_KEY"
ROUTES = "/infill, /v1/completions, /health, /props and /v1/models"


class ClientGone(Exception):
    """The client closed its connection while its answer was being made."""


@dataclass(frozen=True)
class HttpConfig:
    host: str = "127.0.0.1"
    port: int = 8012
    key: str = ""  # Bearer key; required for any address but loopback
    max_body: int = httpwire.MAX_BODY


def http_config(settings: Settings, key: str | None = None) -> HttpConfig | None:
    """The HTTP front the settings ask for (``http_port``), None when off; ``key`` (given
    on the command line) goes before ``$PIED_HTTP_KEY`` and ``http_key_file``."""
    if settings.http_port <= 0:
        return None
    if key is None:
        key = read_key(settings.http_key_file, KEY_VARIABLE, "HTTP front", PiedError)
    return HttpConfig(settings.http_host, settings.http_port, key or "")


def check_address(config: HttpConfig) -> None:
    """Any address but loopback needs a key (PiedError with a sentence if there is none)."""
    if config.host not in LOOPBACK and not config.key:
        raise PiedError(
            f"pied serves {config.host} only with an API key (--api-key, $PIED_HTTP_KEY or "
            "http_key_file): anyone who can reach the port could use the model."
        )


class HttpFront:
    """Serves ``service`` over HTTP as one daemon client (connection ``conn``)."""

    def __init__(self, service: Service, conn: int, config: HttpConfig) -> None:
        check_address(config)
        self.service = service
        self.conn = conn
        self.config = config
        self.docs = VirtualDocuments()
        self._extras: list[str] = []  # the context documents the last input_extra opened
        self._extras_now: tuple[list[str], list[str]] = ([], [])  # (their URIs, their texts)
        self.requests = 0
        self.cancelled = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(
                self._client, host=self.config.host, port=self.config.port
            )
        except OSError as e:
            where = f"http://{self.config.host}:{self.config.port}"
            raise PiedError(f"pied cannot listen on {where}: {e.strerror or e}.") from None
        log.info("HTTP front on http://%s:%d", self.config.host, self.config.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def status(self) -> dict[str, Any]:
        """Where it listens, requests answered, jobs cancelled by clients that went away."""
        return {
            "url": f"http://{self.config.host}:{self.config.port}",
            "requests": self.requests,
            "cancelled_by_disconnect": self.cancelled,
            "documents": self.docs.uris(),
        }

    # --- connections ----------------------------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while True:
                try:
                    request = await httpwire.read_request(reader, self.config.max_body)
                except HttpError as e:
                    writer.write(httpwire.error_response(e))
                    break
                if request is None:
                    break
                if not await self._answer(request, reader, writer):
                    break
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError, ClientGone):
            pass
        finally:
            writer.close()
            if task is not None:
                self._tasks.discard(task)

    async def _answer(
        self, request: HttpRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Write the answer to ``request``; whether the connection stays open."""
        self.requests += 1
        try:
            self._authorize(request)
            frames = await self._route(request, reader)
        except HttpError as e:
            writer.write(httpwire.error_response(e, keep_alive=request.keep_alive))
            return request.keep_alive
        except ClientGone:
            raise
        except PiedError as e:  # bad input the daemon explains (an out-of-range position...)
            writer.write(httpwire.error_response(HttpError(400, str(e)), request.keep_alive))
            return request.keep_alive
        except Exception:  # a bug: answered, logged, the daemon goes on
            log.exception("HTTP %s %s failed", request.method, request.path)
            error = HttpError(500, "pied failed on this request; see the daemon's log.", "server")
            writer.write(httpwire.error_response(error, request.keep_alive))
            return request.keep_alive
        for frame in frames:
            writer.write(frame)
        return request.keep_alive and not frames[0].startswith(httpwire.event_stream_head())

    def _authorize(self, request: HttpRequest) -> None:
        if not self.config.key or request.path == "/health":
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {self.config.key}".encode()):
            raise HttpError(401, "This pied needs an API key: send Authorization: Bearer KEY.")

    async def _route(self, request: HttpRequest, reader: asyncio.StreamReader) -> list[bytes]:
        path, keep = request.path.rstrip("/") or "/", request.keep_alive
        if request.method == "OPTIONS":
            return [httpwire.response(200, b"", "text/plain", keep)]
        gets: dict[str, Callable[[], Any]] = {
            "/health": lambda: {"status": "ok"},
            "/props": self._props,
            "/v1/models": self._models,
            "/models": self._models,
        }
        posts = {
            "/infill": self._infill,
            "/v1/completions": self._completions,
            "/completions": self._completions,
        }
        if path in ("/v1/chat/completions", "/chat/completions"):
            raise HttpError(404, "pied answers fill-in-the-middle here, not chat: use " + ROUTES)
        if path in gets and request.method == "GET":
            return [httpwire.json_response(200, gets[path](), keep)]
        if path in posts and request.method == "POST":
            return await posts[path](request, reader)
        if path in gets or path in posts:
            raise HttpError(405, f"{path} takes {'GET' if path in gets else 'POST'}.")
        raise HttpError(404, f"pied has no {path[:80]}; it answers {ROUTES}.")

    # --- the answers ------------------------------------------------------------------------------

    def _model_name(self) -> str:
        return self.service.engine.model.name

    def _props(self) -> dict[str, Any]:
        info = self.service.engine.backend.info
        return {
            "default_generation_settings": {"n_ctx": info.n_ctx, "model": self._model_name()},
            "total_slots": 1,
            "model_path": info.path,
            "build_info": f"pied {__version__}",
        }

    def _models(self) -> dict[str, Any]:
        name = self._model_name()
        return {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "pied"}]}

    async def _infill(self, request: HttpRequest, reader: asyncio.StreamReader) -> list[bytes]:
        ask = fimapi.read_infill(request.json())
        if ask.max_tokens == 0:  # llama.vim's context update: the chunks, nothing to write
            self._take_extras(ask)
            return [httpwire.json_response(200, {"content": ""}, request.keep_alive)]
        texts, result = await self._fim(ask, reader)
        answers = [fimapi.infill_answer(result, text, ask) for text in texts]
        if ask.stream:
            return [httpwire.event_stream_head(), *(httpwire.event(a) for a in answers)]
        body: Any = answers if ask.n > 1 else answers[0]
        return [httpwire.json_response(200, body, request.keep_alive)]

    async def _completions(self, request: HttpRequest, reader: asyncio.StreamReader) -> list[bytes]:
        ask = fimapi.read_completions(request.json())
        texts, result = await self._fim(ask, reader)
        answer = fimapi.completions_answer(texts, result, ask)
        if not ask.stream:
            return [httpwire.json_response(200, answer, request.keep_alive)]
        events = [httpwire.event_stream_head()]
        for choice in answer["choices"]:
            events.append(httpwire.event({**answer, "choices": [choice]}))
        return [*events, b"data: [DONE]\n\n"]

    def _take_extras(self, ask: fimapi.FimAsk, text: str = "") -> None:
        """The client's other-file chunks become context documents (replacing the last set).
        Chunks of the text being completed are left out: pied sees that text whole, and a
        ring of them changing would change every prompt's head for nothing."""
        texts = [text, *self.docs.texts()]
        chunks = [
            (name, chunk)
            for name, chunk in ask.extras
            if chunk.strip() and not any(chunk.strip() in t for t in texts)
        ]
        uris = [
            f"pied-http:///extra/{i}/{name.rsplit('/', 1)[-1] or 'chunk'}"
            for i, (name, _) in enumerate(chunks)
        ]
        if not ask.extras or (uris, [c for _, c in chunks]) == self._extras_now:
            return
        for uri in self._extras:
            self.service.context.closed(uri)
        for uri, (_, chunk) in zip(uris, chunks, strict=True):
            self.service.context.opened(uri, chunk)
        self._extras, self._extras_now = uris, (uris, [c for _, c in chunks])

    async def _fim(
        self, ask: fimapi.FimAsk, reader: asyncio.StreamReader
    ) -> tuple[list[str], dict[str, Any]]:
        """The completion at the end of ``ask.prefix``: its texts (up to ``ask.n``) and the
        daemon's answer."""
        text = ask.prefix + ask.suffix
        self._take_extras(ask, text)
        doc, messages = self.docs.follow(text, [name for name, _ in ask.extras])
        for msg in messages:
            self._send(msg)
        line, character = position_utf16(text, len(ask.prefix))
        settings: dict[str, Any] = {}
        if ask.max_tokens is not None:
            settings["max_tokens"] = ask.max_tokens
        if ask.temperature is not None:
            settings["temperature"] = ask.temperature
        asked = m.Complete(doc.uri, None, line, character, ask.n, settings)
        result = await self._wait(suggestions.complete(self.service, self.conn, asked), reader)
        texts = [fimapi.inserted(i) for i in result.get("items") or []] or [""]
        return [fimapi.cut_at_stop(t, ask.stop) for t in texts], result

    def _send(self, msg: m.Message) -> None:
        """A document message applied as the daemon applies it (typed: not read again)."""
        if isinstance(msg, m.Open):
            documents.open_document(self.service, self.conn, msg)
        elif isinstance(msg, m.ChangeText):
            documents.change(self.service, self.conn, msg)
        elif isinstance(msg, m.Close):
            documents.close(self.service, self.conn, msg)

    async def _wait(self, future: Future[Any], reader: asyncio.StreamReader) -> dict[str, Any]:
        """The daemon's answer; the job is cancelled if the client hangs up meanwhile."""
        answer = asyncio.wrap_future(future)
        gone = asyncio.ensure_future(reader.read(1))
        done, _ = await asyncio.wait({answer, gone}, return_when=asyncio.FIRST_COMPLETED)
        if answer not in done and gone.result() == b"":
            self.cancelled += 1
            self.service.cancel(future, "the client went away")
            answer.cancel()
            raise ClientGone
        gone.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await gone  # (the reader must have one waiter only when the next request is read)
        try:
            result: dict[str, Any] = await answer
        except Cancelled as e:
            if "superseded" in str(e):  # a newer request of the same stream answers
                return {"text": "", "items": []}
            raise HttpError(503, f"The request was cancelled: {e}.", "server") from None
        return result
