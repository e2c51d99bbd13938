"""The language server's handlers in process, in front of a daemon on the fake backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as t

from pied.config import Settings
from pied.daemon.client import DaemonClient
from pied.daemon.server import Server
from pied.daemon.service import Service
from pied.engine.engine import Engine
from pied.lsp.server import CURSOR, PiedServer, create_server
from tests.fakes import FakeBackend
from tests.support.wait import wait_until_async

URI = "file:///w/a.py"


@pytest.fixture
async def lsp(tmp_path: Path) -> AsyncIterator[tuple[PiedServer, list[str], Service]]:
    engine = Engine(FakeBackend("compute(a)\n"), Settings(sampling="plain"))
    service = Service(engine, engine.settings)
    service.start()
    server = Server(service)
    sock = tmp_path / "d.sock"
    task = asyncio.create_task(server.serve(sock))
    await wait_until_async(sock.exists, 10, "the daemon did not listen")
    ls = create_server()
    ls.settings = Settings(sampling="plain")  # the scripted fake knows no byte-level sampling
    shown: list[str] = []
    ls.window_show_message = lambda params: shown.append(params.message)  # type: ignore[method-assign]
    ls.daemon = await DaemonClient.connect(sock, "test")
    yield ls, shown, service
    await ls.daemon.close()
    await wait_until_async(lambda: not server.connections, 5, "the daemon did not see it leave")
    server.stop()
    await task
    service.stop()


def handler(ls: PiedServer, name: str) -> Any:
    return ls.protocol.fm.features[name]


async def open_doc(ls: PiedServer, text: str) -> None:
    params = t.DidOpenTextDocumentParams(
        t.TextDocumentItem(uri=URI, language_id="python", version=1, text=text)
    )
    await handler(ls, t.TEXT_DOCUMENT_DID_OPEN)(params)


async def test_inline_completion_through_the_handlers(lsp) -> None:
    ls, shown, _ = lsp
    await open_doc(ls, "x = \n")
    params = t.InlineCompletionParams(
        text_document=t.TextDocumentIdentifier(URI),
        position=t.Position(0, 4),
        context=t.InlineCompletionContext(trigger_kind=t.InlineCompletionTriggerKind.Automatic),
    )
    out = await handler(ls, t.TEXT_DOCUMENT_INLINE_COMPLETION)(params)
    assert [i.insert_text for i in out.items] == ["compute(a)"]
    assert out.items[0].range == t.Range(t.Position(0, 4), t.Position(0, 4))
    assert not shown


async def test_a_change_reaches_the_daemon_and_a_bad_position_is_shown_once(lsp) -> None:
    ls, shown, _ = lsp
    await open_doc(ls, "x = \n")
    change = t.DidChangeTextDocumentParams(
        text_document=t.VersionedTextDocumentIdentifier(uri=URI, version=2),
        content_changes=[
            t.TextDocumentContentChangePartial(
                range=t.Range(t.Position(0, 0), t.Position(0, 0)), text="# top\n"
            )
        ],
    )
    await handler(ls, t.TEXT_DOCUMENT_DID_CHANGE)(change)
    moved = await ls.complete(URI, t.Position(1, 4))
    assert moved is not None and moved["range"]["start"] == [1, 4]
    for _ in range(2):  # the same mistake twice: one message, no exception, no answer
        assert await ls.complete(URI, t.Position(40, 0)) is None
    assert len(shown) == 1 and "line" in shown[0]


async def test_the_cursor_notification_warms_the_window_in_the_daemon(lsp) -> None:
    ls, _, service = lsp
    await open_doc(ls, "def f(x):\n    return \n")
    cursor = {"textDocument": {"uri": URI}, "position": {"line": 1, "character": 11}}
    await handler(ls, CURSOR)(cursor)
    await wait_until_async(  # encoded before any completion request
        lambda: service.engine.cache.encoded_total > 0, 5, "the cursor warmed nothing"
    )
    assert service.stats.completions == 0
    await handler(ls, CURSOR)({"textDocument": {}})  # malformed: ignored, nothing breaks


async def test_an_automatic_request_does_not_supersede_the_users_own_at_the_same_place(lsp) -> None:
    """The user asks for alternatives as insert mode begins; the editor's automatic request
    for the same place comes right after. The user's request is the one answered."""
    ls, shown, _ = lsp
    await open_doc(ls, "x = \n")

    def params(kind: t.InlineCompletionTriggerKind) -> t.InlineCompletionParams:
        return t.InlineCompletionParams(
            text_document=t.TextDocumentIdentifier(URI),
            position=t.Position(0, 4),
            context=t.InlineCompletionContext(trigger_kind=kind),
        )

    inline = handler(ls, t.TEXT_DOCUMENT_INLINE_COMPLETION)
    invoked = asyncio.ensure_future(inline(params(t.InlineCompletionTriggerKind.Invoked)))
    await asyncio.sleep(0)  # the invoked request is under way
    automatic = await inline(params(t.InlineCompletionTriggerKind.Automatic))
    assert automatic.items == []
    assert [i.insert_text for i in (await invoked).items][:1] == ["compute(a)"]
    # Once it is answered, automatic requests there are answered again.
    again = await inline(params(t.InlineCompletionTriggerKind.Automatic))
    assert [i.insert_text for i in again.items] == ["compute(a)"]
    assert not shown


async def test_next_edit_after_a_rename_with_its_accept_command(lsp) -> None:
    from pied.lsp import features

    ls, shown, _ = lsp
    await open_doc(ls, "def getlist(k):\n    pass\n\n\nx = getlist(1)\n")
    rename = t.TextDocumentContentChangePartial(
        range=t.Range(t.Position(0, 4), t.Position(0, 11)), text="get_list"
    )
    change = t.DidChangeTextDocumentParams(
        text_document=t.VersionedTextDocumentIdentifier(uri=URI, version=2),
        content_changes=[rename],
    )
    await handler(ls, t.TEXT_DOCUMENT_DID_CHANGE)(change)
    asked = {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 12}}
    out = await handler(ls, features.NEXT_EDIT)(asked)
    (edit,) = out["edits"]
    assert edit["range"] == {
        "start": {"line": 4, "character": 0},
        "end": {"line": 5, "character": 0},
    }
    assert edit["newText"] == "x = get_list(1)\n" and edit["command"]["command"] == "pied.accepted"
    # At the call site's line, with nothing to complete, it is the inline item replacing it.
    here = t.InlineCompletionParams(
        text_document=t.TextDocumentIdentifier(URI),
        position=t.Position(4, 3),
        context=t.InlineCompletionContext(trigger_kind=t.InlineCompletionTriggerKind.Automatic),
    )
    items = (await features._next_edit_here(ls, here)).items
    assert [i.insert_text for i in items] == ["x = get_list(1)"]
    assert items[0].range == t.Range(t.Position(4, 0), t.Position(4, 14))
    # Malformed, or a document the daemon does not know: nothing, never an error.
    assert await handler(ls, features.NEXT_EDIT)({"textDocument": {}}) == {"edits": []}
    unknown = {"textDocument": {"uri": "file:///w/none.py"}, "position": asked["position"]}
    assert await handler(ls, features.NEXT_EDIT)(unknown) == {"edits": []}
    assert not shown


async def test_a_write_to_a_dead_daemon_marks_the_connection_closed_at_once() -> None:
    """The language server asks the new daemon only when the old connection is closed: a
    failed write must say so before the reader sees the end of the stream."""
    import socket

    from pied.daemon.client import DaemonError

    ours, theirs = socket.socketpair()
    reader, writer = await asyncio.open_unix_connection(sock=ours)
    client = DaemonClient(reader, writer)

    async def broken() -> None:
        raise ConnectionResetError("reset by peer")

    writer.drain = broken  # type: ignore[method-assign]
    with pytest.raises(DaemonError):
        await client.request("complete", {})
    assert client.closed.is_set()
    await client.close()
    theirs.close()


def test_requests_ask_with_the_config_file_unless_the_editor_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daemon and the language server read the same file: a setting there is not
    overridden by the language server's defaults (it was, for every request setting)."""
    (tmp_path / "pied").mkdir()
    (tmp_path / "pied" / "config.toml").write_text("max_tokens = 24\nanswer_within_ms = 0\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    ls = PiedServer()
    assert ls.request_settings()["max_tokens"] == 24
    ls.apply_options({"maxTokens": 64}, "initializationOptions")
    asked = ls.request_settings()
    assert (asked["max_tokens"], asked["answer_within_ms"]) == (64, 0)
    (tmp_path / "pied" / "config.toml").write_text("max_tokens = 'many'\n")
    assert PiedServer().request_settings()["max_tokens"] == Settings().max_tokens  # broken
