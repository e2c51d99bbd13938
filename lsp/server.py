"""pied's language server: editors talk LSP over stdio, the daemon does the work.

Inline completion (LSP 3.18) is the main path, with plain completion for clients
without it. Document changes are forwarded as they happen so the daemon keeps the KV
cache in step while the user types. The daemon is started on demand and, if it dies,
restarted by the next request, with the open documents sent again.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
from typing import Any

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

from pied import __version__
from pied import log as pied_log
from pied.config import REQUEST_SETTINGS, ConfigError, Settings, load_dict
from pied.daemon import lifecycle
from pied.daemon.client import DaemonClient, DaemonError
from pied.errors import Code
from pied.lsp.protocol import AnsweringProtocol
from pied.sheets.reader import SUFFIXES

log = logging.getLogger("pied.lsp")

COMMANDS = {
    "pied.translateToPython": ("translate", "Translate to Python (pied)"),
    "pied.summarize": ("summarize", "Summarize (pied)"),
}
WORD = re.compile(r"[\w.]*$")


class PiedServer(LanguageServer):
    """The language server with its daemon link and the client's settings."""

    def __init__(self) -> None:
        super().__init__("pied", __version__, protocol_cls=AnsweringProtocol)
        self.settings = Settings()
        self.daemon: DaemonClient | None = None
        self._connecting = asyncio.Lock()
        self._shown: set[str] = set()
        self._latency_ms = 300.0  # moving average, for the debounce
        self._generation: dict[str, int] = {}
        # Where the user last was in each document (asked there, or the cursor moved there):
        # a daemon connected later hears it, so a request cancelled while the daemon was
        # still starting tells it where to encode.
        self.cursors: dict[str, tuple[int, int]] = {}
        self._progress_ids = 0
        self._shutting_down = False
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
                await client.notify(
                    "open",
                    {
                        "uri": doc.uri,
                        "text": doc.source,
                        "version": doc.version or 0,
                        "language": doc.language_id or "",
                    },
                )
            for uri, (line, character) in list(self.cursors.items()):
                if uri in self.workspace.text_documents:
                    await client.notify(
                        "cursor", {"uri": uri, "line": line, "character": character}
                    )
            folders = [f.uri for f in self.workspace.folders.values()]
            roots = [p for p in (_path_of(u) for u in folders) if p]
            if roots:
                await client.notify("workspace", {"roots": roots})
            return client

    async def _restart_when_lost(self, client: DaemonClient) -> None:
        """A daemon that dies (not one that was stopped) is started again at once, with the
        open documents, so the next suggestion does not wait for it."""
        await client.closed.wait()
        if client.stopped or self._shutting_down:
            return
        log.warning("lost the daemon: starting it again")
        for attempt in range(RESTART_TRIES):
            try:
                await self.link()
                return
            except DaemonError as e:
                # A daemon killed while a new one starts can leave a socket that drops
                # the first connection: try again before telling the user.
                if attempt == RESTART_TRIES - 1 or self._shutting_down:
                    self.show_once(f"pied: {e}")
                    return
                log.info("starting the daemon again: %s; retrying", e)
                await asyncio.sleep(0.5)

    async def forward(self, method: str, params: dict[str, Any]) -> None:
        """Send a document notification if the daemon is connected (else it replays later)."""
        if self.daemon is None or self.daemon.closed.is_set():
            return
        try:
            await self.daemon.notify(method, params)
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
        generation = self._generation.get(uri, 0) + 1
        self._generation[uri] = generation
        self.cursors[uri] = (position.line, position.character)
        # A short debounce adapted to the measured latency: the daemon drops a superseded
        # request within one token, so waiting long only delays the answer.
        await asyncio.sleep(min(0.05, max(0.01, self._latency_ms / 8000)))
        if self._generation.get(uri) != generation:
            return None
        params = {
            "uri": uri,
            "line": position.line,
            "character": position.character,
            "settings": self.request_settings(),
        }
        if alternatives > 1:
            params["alternatives"] = alternatives
        started = time.monotonic()
        try:
            result = await self._ask_daemon(params)
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

    async def _ask_daemon(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The daemon's answer to ``complete``. A daemon that died under the request (not
        one that was stopped) is waited for as it starts again and asked once more, so the
        request the user is waiting on is answered, not dropped; None if it was superseded
        meanwhile."""
        client = await self.link()
        try:
            result: dict[str, Any] = await client.request("complete", params)
            return result
        except DaemonError:
            if not client.closed.is_set() or client.stopped or self._shutting_down:
                raise
        log.info("the daemon died under a request: asking the new one")
        generation = self._generation.get(params["uri"])
        client = await self.link()
        if self._generation.get(params["uri"]) != generation:
            return None
        result = await client.request("complete", params)
        return result


def _path_of(uri: str) -> str | None:
    from pied.engine.context import uri_to_path

    path = uri_to_path(uri)
    return str(path) if path else None


def _range(result: dict[str, Any]) -> t.Range:
    start, end = result["range"]["start"], result["range"]["end"]
    return t.Range(t.Position(start[0], start[1]), t.Position(end[0], end[1]))


def _field(params: Any, name: str) -> Any:
    """A field of a custom notification's params (pygls gives objects; tests may give dicts)."""
    return params[name] if isinstance(params, dict) else getattr(params, name)


RESTART_TRIES = 5  # attempts to start a daemon that died
CURSOR = "pied/cursor"  # a notification the pied plugins send as the cursor moves
ACCEPTED = "pied.accepted"  # the command an inline item carries: the editor runs it on accept
ALTERNATIVES = 3  # items for an explicitly invoked inline completion


def _accept_command(sid: int, index: int) -> t.Command:
    return t.Command(
        title="pied: accepted", command=ACCEPTED, arguments=[{"id": sid, "index": index}]
    )


def create_server() -> PiedServer:
    server = PiedServer()

    @server.feature(t.INITIALIZE)
    def initialize(ls: PiedServer, params: t.InitializeParams) -> None:
        ls.apply_options(params.initialization_options, "initializationOptions")

    @server.feature(t.INITIALIZED)
    async def initialized(ls: PiedServer, params: t.InitializedParams) -> None:
        await ls.start_daemon()

    @server.feature(t.SHUTDOWN)
    def shutdown(ls: PiedServer, params: None) -> None:
        ls._shutting_down = True  # the daemon is no longer needed by this editor

    @server.feature(t.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: PiedServer, params: t.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("pied"), dict):
            settings = settings["pied"]
        ls.apply_options(settings, "workspace/didChangeConfiguration")

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: PiedServer, params: t.DidOpenTextDocumentParams) -> None:
        d = params.text_document
        await ls.forward(
            "open", {"uri": d.uri, "text": d.text, "version": d.version, "language": d.language_id}
        )

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: PiedServer, params: t.DidChangeTextDocumentParams) -> None:
        changes: list[dict[str, Any]] = []
        for c in params.content_changes:
            if isinstance(c, t.TextDocumentContentChangePartial):
                r = c.range
                changes.append(
                    {
                        "text": c.text,
                        "start": [r.start.line, r.start.character],
                        "end": [r.end.line, r.end.character],
                    }
                )
            else:
                changes.append({"text": c.text})
        doc = params.text_document
        await ls.forward("change", {"uri": doc.uri, "version": doc.version, "changes": changes})

    @server.feature(CURSOR)
    async def cursor(ls: PiedServer, params: Any) -> None:
        """``pied/cursor`` {textDocument: {uri}, position}: the editor's cursor moved (the
        plugins send it, debounced), so the daemon encodes the window there before it is
        asked."""
        try:
            doc, pos = _field(params, "textDocument"), _field(params, "position")
            uri = str(_field(doc, "uri"))
            line, character = int(_field(pos, "line")), int(_field(pos, "character"))
        except (AttributeError, KeyError, TypeError, ValueError):
            log.debug("ignored a malformed %s: %r", CURSOR, params)
            return
        ls.cursors[uri] = (line, character)
        await ls.forward("cursor", {"uri": uri, "line": line, "character": character})

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: PiedServer, params: t.DidCloseTextDocumentParams) -> None:
        ls.cursors.pop(params.text_document.uri, None)
        await ls.forward("close", {"uri": params.text_document.uri})

    @server.feature(t.TEXT_DOCUMENT_INLINE_COMPLETION, t.InlineCompletionOptions())
    async def inline_completion(
        ls: PiedServer, params: t.InlineCompletionParams
    ) -> t.InlineCompletionList | None:
        invoked = params.context.trigger_kind == t.InlineCompletionTriggerKind.Invoked
        result = await ls.complete(
            params.text_document.uri, params.position, ALTERNATIVES if invoked else 1
        )
        if result is None:
            return t.InlineCompletionList(items=[])
        texts = [i["text"] for i in result.get("items") or [result]]
        sid = result.get("id")
        return t.InlineCompletionList(
            items=[
                t.InlineCompletionItem(
                    insert_text=text,
                    range=_range(result),
                    command=None if sid is None else _accept_command(sid, index),
                )
                for index, text in enumerate(texts)
            ]
        )

    @server.feature(
        t.TEXT_DOCUMENT_COMPLETION, t.CompletionOptions(trigger_characters=[".", "(", " "])
    )
    async def completion(ls: PiedServer, params: t.CompletionParams) -> t.CompletionList:
        result = await ls.complete(params.text_document.uri, params.position)
        if result is None:
            return t.CompletionList(is_incomplete=True, items=[])
        doc = ls.workspace.get_text_document(params.text_document.uri)
        line = doc.lines[params.position.line] if params.position.line < len(doc.lines) else ""
        before = line[: params.position.character]
        word = WORD.search(before)
        typed = word.group(0) if word else ""
        start = t.Position(params.position.line, params.position.character - len(typed))
        text = result["text"]
        item = t.CompletionItem(
            label=(typed + text).split("\n")[0].strip() or text.strip()[:40],
            kind=t.CompletionItemKind.Text,
            detail="pied",
            filter_text=typed + text,
            text_edit=t.TextEdit(t.Range(start, params.position), typed + text),
            insert_text_format=t.InsertTextFormat.PlainText,
        )
        return t.CompletionList(is_incomplete=True, items=[item])

    @server.feature(t.TEXT_DOCUMENT_CODE_ACTION)
    def code_action(ls: PiedServer, params: t.CodeActionParams) -> list[t.CodeAction]:
        args = [params.text_document.uri, _range_dict(params.range)]
        return [
            t.CodeAction(
                title=title,
                kind=t.CodeActionKind.Refactor if method == "translate" else t.CodeActionKind.Empty,
                command=t.Command(title=title, command=name, arguments=args),
            )
            for name, (method, title) in COMMANDS.items()
        ]

    @server.command("pied.translateToPython")
    async def translate(ls: PiedServer, *args: Any) -> Any:
        return await _job(ls, "translate", args)

    @server.command("pied.summarize")
    async def summarize(ls: PiedServer, *args: Any) -> Any:
        return await _job(ls, "summarize", args)

    @server.command(ACCEPTED)
    async def accepted(ls: PiedServer, *args: Any) -> None:
        """Run by the editor when the user accepts an item: [{id, index, kind?, text?}]."""
        info = args[0] if args and isinstance(args[0], dict) else None
        if info is None:
            log.debug("ignored a malformed %s: %r", ACCEPTED, args)
            return
        fields = {k: info[k] for k in ("id", "index", "kind", "text") if k in info}
        await ls.forward("accepted", fields)

    @server.command("pied.status")
    async def status(ls: PiedServer, *args: Any) -> Any:
        try:
            return await (await ls.link()).request("status", {})
        except DaemonError as e:
            ls.show_once(f"pied: {e}")
            return None

    return server


def _range_dict(r: t.Range) -> dict[str, list[int]]:
    return {"start": [r.start.line, r.start.character], "end": [r.end.line, r.end.character]}


TITLES = {"translate": "pied: translating to Python", "summarize": "pied: summarizing"}


async def _job(ls: PiedServer, method: str, args: tuple[Any, ...]) -> Any:
    """Run a daemon job on a document (``uri``, optional ``range``) or a file (third argument)."""
    params: dict[str, Any] = {}
    if args and isinstance(args[0], str):
        params["uri"] = args[0]
    if len(args) > 1 and isinstance(args[1], dict):
        params["range"] = args[1]
    path = args[2] if len(args) > 2 and isinstance(args[2], str) and args[2] else None
    if path is None and "uri" in params and params["uri"].lower().endswith(SUFFIXES):
        path = _path_of(params["uri"])
    if path is not None:
        params = {"path": path}
    token = await ls.begin_progress(TITLES[method])
    try:
        return await (await ls.link()).request(
            method, params, progress=lambda message: ls.report_progress(token, message)
        )
    except DaemonError as e:
        ls.show_once(
            f"pied: {e}",
            t.MessageType.Info if e.code is Code.NOT_AVAILABLE else t.MessageType.Error,
        )
        return None
    finally:
        if token:
            ls.work_done_progress.end(token, t.WorkDoneProgressEnd())


def main(verbosity: int = 0) -> int:
    """Serve LSP on stdin/stdout (logs go to stderr)."""
    pied_log.setup(verbosity)
    create_server().start_io()
    return 0


if __name__ == "__main__":
    sys.exit(main())
