"""The language server's features, one module-level function each (as pygls's examples
and jedi-language-server keep them): documents forwarded to the daemon as they change,
inline and plain completion, code actions and the commands they run."""

from __future__ import annotations

import logging
import re
from typing import Any

from lsprotocol import types as t

from pied.config import Settings
from pied.daemon import messages as m
from pied.daemon.client import DaemonError
from pied.editing.document import Change
from pied.errors import BadInput, Code
from pied.lsp.session import PiedServer, path_of
from pied.sheets.reader import SUFFIXES

log = logging.getLogger("pied.lsp")
DEFAULTS = Settings()

CURSOR = "pied/cursor"  # a notification the pied plugins send as the cursor moves
NEXT_EDIT = "pied/nextEdit"  # a request the pied plugins send after the user's edit
ACCEPTED = "pied.accepted"  # the command an inline item carries: the editor runs it on accept
ALTERNATIVES = 3  # items for an explicitly invoked inline completion
COMMANDS = {
    "pied.translateToPython": ("translate", "Translate to Python (pied)"),
    "pied.summarize": ("summarize", "Summarize (pied)"),
}
WORD = re.compile(r"[\w.]*$")
TITLES = {"translate": "pied: translating to Python", "summarize": "pied: summarizing"}


def initialize(ls: PiedServer, params: t.InitializeParams) -> None:
    ls.apply_options(params.initialization_options, "initializationOptions")


async def initialized(ls: PiedServer, params: t.InitializedParams) -> None:
    await ls.start_daemon()


def shutdown(ls: PiedServer, params: None) -> None:
    ls.shutting_down = True  # the daemon is no longer needed by this editor


def did_change_configuration(ls: PiedServer, params: t.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict) and isinstance(settings.get("pied"), dict):
        settings = settings["pied"]
    ls.apply_options(settings, "workspace/didChangeConfiguration")


async def did_open(ls: PiedServer, params: t.DidOpenTextDocumentParams) -> None:
    d = params.text_document
    await ls.forward(m.Open(d.uri, d.text, d.version, d.language_id))


async def did_change(ls: PiedServer, params: t.DidChangeTextDocumentParams) -> None:
    changes = []
    for c in params.content_changes:
        if isinstance(c, t.TextDocumentContentChangePartial):
            r = c.range
            start, end = (r.start.line, r.start.character), (r.end.line, r.end.character)
            changes.append(Change(c.text, start, end))
        else:
            changes.append(Change(c.text))
    doc = params.text_document
    await ls.forward(m.ChangeText(doc.uri, tuple(changes), doc.version))


async def cursor(ls: PiedServer, params: Any) -> None:
    """``pied/cursor`` {textDocument: {uri}, position}: the editor's cursor moved (the
    plugins send it, debounced), so the daemon encodes the window there before it is
    asked."""
    where = _document_position(params)
    if where is None:
        log.debug("ignored a malformed %s: %r", CURSOR, params)
        return
    uri, line, character = where
    ls.cursors[uri] = (line, character)
    await ls.forward(m.Cursor(uri, line, character))


async def did_close(ls: PiedServer, params: t.DidCloseTextDocumentParams) -> None:
    ls.cursors.pop(params.text_document.uri, None)
    await ls.forward(m.Close(params.text_document.uri))


async def inline_completion(
    ls: PiedServer, params: t.InlineCompletionParams
) -> t.InlineCompletionList | None:
    invoked = params.context.trigger_kind == t.InlineCompletionTriggerKind.Invoked
    result = await ls.complete(
        params.text_document.uri, params.position, ALTERNATIVES if invoked else 1
    )
    if result is None:
        return t.InlineCompletionList(items=[])
    items = result.get("items") or [result]
    if not any(i["text"] for i in items):  # nothing to put in: the next edit, if it is here
        return await _next_edit_here(ls, params)
    sid = result.get("id")
    return t.InlineCompletionList(
        items=[
            t.InlineCompletionItem(
                insert_text=item["text"],
                range=_range(item if "range" in item else result),  # past the cursor: replaces
                command=None if sid is None else _accept_command(sid, index),
            )
            for index, item in enumerate(items)
        ]
    )


async def next_edit(ls: PiedServer, params: Any) -> dict[str, Any]:
    """``pied/nextEdit`` {textDocument: {uri}, position}: the edits to suggest after the
    user's last one, best first: {edits: [{uri, range, newText, oldText, why, source,
    command}]}. Accepting one runs its command. Nothing (never an error) when the daemon
    cannot say."""
    where = _document_position(params)
    if where is None:
        log.debug("ignored a malformed %s: %r", NEXT_EDIT, params)
        return {"edits": []}
    uri, line, character = where
    mode = ls.settings.next_edit
    if mode == "off":
        return {"edits": []}
    # The editor's own setting, else the daemon's (its config file).
    asked = m.NextEdit(uri, line, character, None if mode == DEFAULTS.next_edit else mode)
    result = await _ask_next_edit(ls, asked)
    return {"edits": [_lsp_edit(e) for e in result]}


async def _ask_next_edit(ls: PiedServer, msg: m.NextEdit) -> list[dict[str, Any]]:
    try:
        result = await (await ls.link()).ask(msg)
    except DaemonError as e:  # not open, a dead daemon: no next edit, quietly
        log.debug("no next edit: %s", e)
        return []
    edits = result.get("edits") if isinstance(result, dict) else None
    return edits if isinstance(edits, list) else []


def _lsp_edit(edit: dict[str, Any]) -> dict[str, Any]:
    start, end = edit["range"]["start"], edit["range"]["end"]
    out: dict[str, Any] = {
        k: edit[k] for k in ("uri", "newText", "oldText", "why", "source") if k in edit
    }
    out["range"] = {
        "start": {"line": start[0], "character": start[1]},
        "end": {"line": end[0], "character": end[1]},
    }
    if edit.get("id") is not None:
        args = [{"id": edit["id"], "index": edit.get("index", 0)}]
        out["command"] = {"title": "pied: next edit", "command": ACCEPTED, "arguments": args}
    return out


async def _next_edit_here(
    ls: PiedServer, params: t.InlineCompletionParams
) -> t.InlineCompletionList:
    """The rules' next edit as an inline item whose range replaces the cursor's line, when
    that is where it applies."""
    uri, pos = params.text_document.uri, params.position
    if ls.settings.next_edit == "off":
        return t.InlineCompletionList(items=[])
    edits = await _ask_next_edit(ls, m.NextEdit(uri, pos.line, pos.character, "rules"))
    first = edits[0] if edits else None
    if first is None or first.get("uri") != uri:
        return t.InlineCompletionList(items=[])
    start, end = first["range"]["start"], first["range"]["end"]
    new = str(first["newText"])
    if start != [pos.line, 0] or end != [pos.line + 1, 0] or new.count("\n") != 1:
        return t.InlineCompletionList(items=[])
    line = str(first.get("oldText", ""))
    whole = t.Range(
        t.Position(pos.line, 0), t.Position(pos.line, len(line.encode("utf-16-le")) // 2)
    )
    command = None if first.get("id") is None else _accept_command(first["id"], 0)
    item = t.InlineCompletionItem(insert_text=new[:-1], range=whole, command=command)
    return t.InlineCompletionList(items=[item])


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


async def translate(ls: PiedServer, *args: Any) -> Any:
    return await _job(ls, "translate", args)


async def summarize(ls: PiedServer, *args: Any) -> Any:
    return await _job(ls, "summarize", args)


async def accepted(ls: PiedServer, *args: Any) -> None:
    """Run by the editor when the user accepts an item: [{id, index, kind?, text?}]."""
    info = args[0] if args and isinstance(args[0], dict) else None
    if info is None:
        log.debug("ignored a malformed %s: %r", ACCEPTED, args)
        return
    try:
        msg = m.Accepted.read(info)
    except BadInput:
        log.debug("ignored a malformed %s: %r", ACCEPTED, args)
        return
    await ls.forward(msg)


async def status(ls: PiedServer, *args: Any) -> Any:
    try:
        return await (await ls.link()).request("status", {})
    except DaemonError as e:
        ls.show_once(f"pied: {e}")
        return None


def register(server: PiedServer) -> None:
    """Serve each feature with its function."""
    server.feature(t.INITIALIZE)(initialize)
    server.feature(t.INITIALIZED)(initialized)
    server.feature(t.SHUTDOWN)(shutdown)
    server.feature(t.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    server.feature(t.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(t.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(CURSOR)(cursor)
    server.feature(NEXT_EDIT)(next_edit)
    server.feature(t.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    inline = t.InlineCompletionOptions()
    server.feature(t.TEXT_DOCUMENT_INLINE_COMPLETION, inline)(inline_completion)
    server.feature(
        t.TEXT_DOCUMENT_COMPLETION, t.CompletionOptions(trigger_characters=[".", "(", " "])
    )(completion)
    server.feature(t.TEXT_DOCUMENT_CODE_ACTION)(code_action)
    server.command("pied.translateToPython")(translate)
    server.command("pied.summarize")(summarize)
    server.command(ACCEPTED)(accepted)
    server.command("pied.status")(status)


def _accept_command(sid: int, index: int) -> t.Command:
    return t.Command(
        title="pied: accepted", command=ACCEPTED, arguments=[{"id": sid, "index": index}]
    )


def _range(result: dict[str, Any]) -> t.Range:
    start, end = result["range"]["start"], result["range"]["end"]
    return t.Range(t.Position(start[0], start[1]), t.Position(end[0], end[1]))


def _field(params: Any, name: str) -> Any:
    """A field of a custom notification's params (pygls gives objects; tests may give dicts)."""
    return params[name] if isinstance(params, dict) else getattr(params, name)


def _document_position(params: Any) -> tuple[str, int, int] | None:
    """(uri, line, character) of a custom request's {textDocument: {uri}, position}, or None
    if it does not have them."""
    try:
        doc, pos = _field(params, "textDocument"), _field(params, "position")
        return str(_field(doc, "uri")), int(_field(pos, "line")), int(_field(pos, "character"))
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _range_dict(r: t.Range) -> dict[str, list[int]]:
    return {"start": [r.start.line, r.start.character], "end": [r.end.line, r.end.character]}


async def _job(ls: PiedServer, method: str, args: tuple[Any, ...]) -> Any:
    """Run a daemon job on a document (``uri``, optional ``range``) or a file (third argument)."""
    params: dict[str, Any] = {}
    if args and isinstance(args[0], str):
        params["uri"] = args[0]
    if len(args) > 1 and isinstance(args[1], dict):
        params["range"] = args[1]
    path = args[2] if len(args) > 2 and isinstance(args[2], str) and args[2] else None
    if path is None and "uri" in params and params["uri"].lower().endswith(SUFFIXES):
        path = path_of(params["uri"])
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
