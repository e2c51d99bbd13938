"""The language server's own state: the client's settings and the link to the daemon.

The daemon is started on demand and, if it dies, restarted by the next request, with
the open documents (and where their cursors were) sent again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

from pied import __version__, config
from pied.config import REQUEST_SETTINGS, ConfigError, Settings, load_dict
from pied.daemon import lifecycle
from pied.daemon import messages as m
from pied.daemon.client import DaemonClient, DaemonError
from pied.editing.uris import uri_to_path
from pied.lsp.protocol import AnsweringProtocol

log = logging.getLogger("pied.lsp")


class PiedServer(LanguageServer):
    """The language server with its daemon link and the client's settings."""

    def __init__(self) -> None:
        super().__init__("pied", __version__, protocol_cls=AnsweringProtocol)
        # The user's config file first (what a request asks with, unless the editor's own
        # settings say otherwise), as the daemon reads it.
        self.settings = _file_settings()
        self.daemon: DaemonClient | None = None
        self._connecting = asyncio.Lock()
        self._shown: set[str] = set()
        self._latency_ms = 300.0  # moving average, for the debounce
        self._generation: dict[str, int] = {}
        # An invoked request (the user asked for alternatives) in flight, by document: the
        # automatic request the editor sends at the same place must not supersede it.
        self._invoked: dict[str, tuple[int, int]] = {}
        # Where the user last was in each document (asked there, or the cursor moved there):
        # a daemon connected later hears it, so a request cancelled while the daemon was
        # still starting tells it where to encode.
        self.cursors: dict[str, tuple[int, int]] = {}
        self._progress_ids = 0
        self.shutting_down = False
        self._watch: asyncio.Future[None] | None = None

    def report_server_error(self, error: Exception, source: Any) -> None:
        """A message pygls could not handle: logged (never a popup); a body that is not JSON
        is answered with a parse error, as JSON-RPC says."""
        if isinstance(error, ValueError) and isinstance(self.protocol, AnsweringProtocol):
            self.protocol.answer_parse_error()  # json.JSONDecodeError, UnicodeDecodeError
        log.error("the language server could not handle a message: %r", error)

    # --- settings and messages ----------------------------------------------------------------

    def apply_options(self, options: Any, source: str) -> None:
        if not options:
            return
        if not isinstance(options, dict):
            self.show_once(
                f"pied: {source} must be an object; using defaults.", t.MessageType.Warning
            )
            return
        try:
            self.settings = load_dict(options, base=self.settings, source=source)
        except ConfigError as e:
            self.show_once(f"pied: {e} Using the previous settings.", t.MessageType.Warning)

    def request_settings(self) -> dict[str, Any]:
        return {k: getattr(self.settings, k) for k in REQUEST_SETTINGS}

    def show_once(self, message: str, kind: t.MessageType = t.MessageType.Error) -> None:
        """Tell the user, once per distinct message (never once per keystroke)."""
        log.warning("%s", message)
        if message not in self._shown:
            self._shown.add(message)
            self.window_show_message(t.ShowMessageParams(type=kind, message=message))

    async def begin_progress(self, title: str, message: str | None = None) -> str:
        """A new work-done progress token with ``title`` begun, or "" if the client has none."""
        window = self.client_capabilities.window
        if window is None or not window.work_done_progress:
            return ""
        self._progress_ids += 1
        token = f"pied-{self._progress_ids}"
        try:
            await self.work_done_progress.create_async(token)
            self.work_done_progress.begin(
                token, t.WorkDoneProgressBegin(title=title, message=message)
            )
        except Exception:  # the client refused the token
            return ""
        return token

    def report_progress(self, token: str, message: str) -> None:
        if token:
            self.work_done_progress.report(token, t.WorkDoneProgressReport(message=message))

    # --- the daemon ---------------------------------------------------------------------------

    async def link(self) -> DaemonClient:
        """The connection to the daemon, starting or restarting it if needed."""
        async with self._connecting:
            if self.daemon is not None and not self.daemon.closed.is_set():
                return self.daemon
            await asyncio.to_thread(lifecycle.start)
            client = await DaemonClient.connect(lifecycle.socket_path(), "pied-lsp")
            self.daemon = client  # from now on, document notifications go straight to it
            self._watch = asyncio.ensure_future(self._restart_when_lost(client))
            for doc in list(self.workspace.text_documents.values()):
                await client.send(
                    m.Open(doc.uri, doc.source, doc.version or 0, doc.language_id or "")
                )
            for uri, (line, character) in list(self.cursors.items()):
                if uri in self.workspace.text_documents:
                    await client.send(m.Cursor(uri, line, character))
            folders = [f.uri for f in self.workspace.folders.values()]
            roots = [p for p in (path_of(u) for u in folders) if p]
            if roots:
                await client.send(m.Workspace(tuple(roots)))
            return client

    async def _restart_when_lost(self, client: DaemonClient) -> None:
        """A daemon that dies (not one that was stopped) is started again at once, with the
        open documents, so the next suggestion does not wait for it."""
        await client.closed.wait()
        if client.stopped or self.shutting_down:
            log.info("the daemon was stopped: it starts again at the next request")
            return
        log.warning("lost the daemon: starting it again")
        for attempt in range(RESTART_TRIES):
            try:
                await self.link()
                return
            except DaemonError as e:
                # A daemon killed while a new one starts can leave a socket that drops
                # the first connection: try again before telling the user.
                if attempt == RESTART_TRIES - 1 or self.shutting_down:
                    self.show_once(f"pied: {e}")
                    return
                log.info("starting the daemon again: %s; retrying", e)
                await asyncio.sleep(0.5)

    async def forward(self, msg: m.Message) -> None:
        """Send a document notification if the daemon is connected (else it replays later)."""
        if self.daemon is None or self.daemon.closed.is_set():
            return
        try:
            await self.daemon.send(msg)
        except DaemonError as e:
            log.warning("lost the daemon: %s", e)

    async def start_daemon(self) -> None:
        """Connect at start-up, showing progress while the model loads."""
        token = await self.begin_progress("pied", "loading the model")
        try:
            client = await self.link()
            message = f"ready: {client.server.get('model')}"
        except DaemonError as e:
            message = "not available"
            self.show_once(f"pied: {e}")
        if token:
            self.work_done_progress.end(token, t.WorkDoneProgressEnd(message=message))

    async def complete(
        self, uri: str, position: t.Position, alternatives: int = 1
    ) -> dict[str, Any] | None:
        """A completion at ``position`` (with up to ``alternatives`` different items), or
        None (superseded, stale, or an error shown once)."""
        here = (position.line, position.character)
        if alternatives == 1 and self._invoked.get(uri) == here:
            return None  # the user's own request at this place answers it
        generation = self._generation.get(uri, 0) + 1
        self._generation[uri] = generation
        if alternatives > 1:
            self._invoked[uri] = here
        elif uri in self._invoked:
            del self._invoked[uri]  # the user moved on
        try:
            return await self._complete(uri, position, alternatives, generation)
        finally:
            if self._invoked.get(uri) == here and alternatives > 1:
                del self._invoked[uri]

    async def _complete(
        self, uri: str, position: t.Position, alternatives: int, generation: int
    ) -> dict[str, Any] | None:
        self.cursors[uri] = (position.line, position.character)
        # A short debounce adapted to the measured latency: the daemon drops a superseded
        # request within one token, so waiting long only delays the answer.
        await asyncio.sleep(min(0.05, max(0.01, self._latency_ms / 8000)))
        if self._generation.get(uri) != generation:
            return None
        ask = m.Complete(
            uri, None, position.line, position.character, alternatives, self.request_settings()
        )
        started = time.monotonic()
        try:
            result = await self._ask_daemon(ask)
        except DaemonError as e:
            if self.daemon is not None and self.daemon.closed.is_set():
                self.daemon = None  # the next request restarts it
            self.show_once(f"pied: {e}")
            return None
        if result is None or self._generation.get(uri) != generation:
            return None
        self._shown.clear()  # it works again: the next failure is news, said once more
        self._latency_ms = 0.8 * self._latency_ms + 0.2 * (time.monotonic() - started) * 1000
        if not result.get("text"):
            return None
        return result

    async def _ask_daemon(self, ask: m.Complete) -> dict[str, Any] | None:
        """The daemon's answer to ``complete``. A daemon that died under the request (not
        one that was stopped) is waited for as it starts again and asked once more, so the
        request the user is waiting on is answered, not dropped; None if it was superseded
        meanwhile."""
        client = await self.link()
        try:
            result: dict[str, Any] = await client.ask(ask)
            return result
        except DaemonError:
            if not client.closed.is_set() or client.stopped or self.shutting_down:
                raise
        log.info("the daemon died under a request: asking the new one")
        uri = ask.uri or ""
        generation = self._generation.get(uri)
        client = await self.link()
        if self._generation.get(uri) != generation:
            return None
        result = await client.ask(ask)
        return result


def path_of(uri: str) -> str | None:
    """The file a document URI names, as a string (None for other schemes)."""
    path = uri_to_path(uri)
    return str(path) if path else None


RESTART_TRIES = 5  # attempts to start a daemon that died


def _file_settings() -> Settings:
    """The config file's settings; the defaults if it is broken (the daemon says why)."""
    try:
        return config.load()
    except ConfigError as e:
        log.warning("%s Using the defaults.", e)
        return Settings()
