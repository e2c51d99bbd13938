"""The two sides of a typing session: pied's language server driven as an editor drives it,
and llama-server asked the way llama.vim asks; the same keystrokes on both."""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
import time
from typing import Any

from lsprotocol import types as t
from pygls.lsp.client import LanguageClient

from pied.bench.llamaserver import ServerProcess, llama_vim_request
from pied.bench.typist import (
    TYPING_GAP,
    automatic_request,
    awaits,
    kept_chars,
    pause,
    position,
)


class _Editor:
    """pied's language server driven as an editor drives it: one document, its edits, and
    inline completion requests (cancelled when the typist does not wait for them)."""

    uri = "file:///bench/session.py"

    def __init__(self, text: str) -> None:
        self.client = LanguageClient("pied-bench", "0")
        self.text = text
        self.version = 1
        self.requests = self.cancelled = 0
        self.next_edits: list[Any] = []  # pied/nextEdit requests sent (not waited for)

    async def open(self, env: dict[str, str]) -> None:
        client = self.client
        await client.start_io(sys.executable, "-m", "pied", "lsp", env=env)
        caps = t.ClientCapabilities(
            text_document=t.TextDocumentClientCapabilities(
                inline_completion=t.InlineCompletionClientCapabilities()
            )
        )
        # pied's own settings, as a user has them (until this stop it was asked for 24
        # tokens at most, while llama-server got llama.vim's 128).
        await client.initialize_async(t.InitializeParams(capabilities=caps))
        client.initialized(t.InitializedParams())
        client.text_document_did_open(
            t.DidOpenTextDocumentParams(
                t.TextDocumentItem(self.uri, "python", self.version, self.text)
            )
        )

    def change(self, at: int, insert: str) -> None:
        self.version += 1
        pos = position(self.text, at)
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                t.VersionedTextDocumentIdentifier(version=self.version, uri=self.uri),
                [t.TextDocumentContentChangePartial(range=t.Range(pos, pos), text=insert)],
            )
        )
        self.text = self.text[:at] + insert + self.text[at:]

    async def ask(self, cursor: int, wait: bool) -> tuple[float, str] | None:
        """(ms, suggestion) when ``wait``; else the request is cancelled after the typing gap."""
        self.requests += 1
        params = automatic_request(self.uri, position(self.text, cursor))
        msg_id = f"r{self.requests}"
        started = time.monotonic()
        future = self.client.protocol.send_request_async(
            t.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id
        )
        try:
            result = await asyncio.wait_for(
                asyncio.shield(future), timeout=30 if wait else TYPING_GAP
            )
            if wait:
                items = getattr(result, "items", None) or []
                suggestion = str(items[0].insert_text) if items else ""
                return (time.monotonic() - started) * 1000, suggestion
        except TimeoutError:
            self.cancelled += 1
            self.client.protocol.notify("$/cancelRequest", t.CancelParams(id=msg_id))
            with contextlib.suppress(Exception):  # RequestCancelled: answered, as it must be
                await future
        return None

    def ask_next_edit(self, cursor: int) -> None:
        """``pied/nextEdit`` here, as the editors send it after a pause; not waited for."""
        pos = position(self.text, cursor)
        params = {
            "textDocument": {"uri": self.uri},
            "position": {"line": pos.line, "character": pos.character},
        }
        future = self.client.protocol.send_request_async("pied/nextEdit", params)
        self.next_edits.append(future)

    async def close(self) -> Any:
        """pied's status at the end; the server shut down."""
        client = self.client
        status = await client.workspace_execute_command_async(
            t.ExecuteCommandParams(command="pied.status")
        )
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()  # type: ignore[no-untyped-call]
        return status


async def lsp_session(
    env: dict[str, str],
    text: str,
    offset: int,
    typed: str,
    rng: random.Random,
    read_s: float,
    next_edit: bool = False,
) -> dict[str, Any]:
    """The session through ``pied lsp``; ``next_edit``: the editor also asks for the next
    edit at each pause, while the user reads the suggestion."""
    editor = _Editor(text)
    await editor.open(env)
    await asyncio.sleep(0.5)
    latencies: list[float] = []
    cursor = offset
    # The file is open and the cursor placed; the editor asks at once and the user reads on
    # (the request is cancelled: all the daemon learns is where the cursor is). After
    # ``read_s`` seconds the user pauses there and waits for the first suggestion.
    await editor.ask(cursor, wait=False)
    await asyncio.sleep(read_s)
    first = await editor.ask(cursor, wait=True)
    kept: list[int] = []
    pauses: list[dict[str, Any]] = []
    for i, ch in enumerate(typed):
        editor.change(cursor, ch)
        cursor += 1
        if rng.random() < 0.02:
            editor.change(0, "# edited elsewhere\n")  # an edit far from the cursor
            cursor += len("# edited elsewhere\n")
        answer = await editor.ask(cursor, wait=awaits(typed, i))
        if answer is not None:
            latencies.append(answer[0])
            kept.append(kept_chars(answer[1], typed, i))
            pauses.append(pause(i, answer, kept[-1]))
            if next_edit:
                editor.ask_next_edit(cursor)
    for future in editor.next_edits:  # each answered (an empty answer when superseded)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(future, 60)
    status = await editor.close()
    return {
        "latencies": latencies,
        "kept": kept,
        "pauses": pauses,
        "first": first[0] if first else None,
        "first_text": first[1] if first else None,
        "requests": editor.requests,
        "cancelled": editor.cancelled,
        "next_edit_requests": len(editor.next_edits),
        "status": status,
    }


async def llama_server_session(
    server: ServerProcess, text: str, offset: int, typed: str, rng: random.Random, read_s: float
) -> dict[str, Any]:
    """The same session against llama-server (or ``pied serve``), asked the way llama.vim
    asks: one request in flight at most (a keystroke while one runs sends nothing; a pause
    waits for it, then asks at the cursor), never cancelled."""
    cursor = offset
    inflight: asyncio.Future[dict[str, Any]] | None = None
    requests = skipped = 0

    async def ask(wait: bool) -> tuple[float, str] | None:
        nonlocal inflight, requests, skipped
        started = time.monotonic()
        if inflight is not None and not inflight.done():
            if not wait:
                skipped += 1
                return None
            await asyncio.wait({inflight})
        requests += 1
        body = llama_vim_request(text, cursor)
        inflight = asyncio.ensure_future(asyncio.to_thread(server.infill, body))
        if not wait:
            return None
        out = await inflight
        return (time.monotonic() - started) * 1000, str(out.get("content", ""))

    await ask(wait=False)  # the file opens and the cursor is placed
    await asyncio.sleep(read_s)
    first = await ask(wait=True)
    latencies: list[float] = []
    kept: list[int] = []
    pauses: list[dict[str, Any]] = []
    for i, ch in enumerate(typed):
        text = text[:cursor] + ch + text[cursor:]
        cursor += 1
        if rng.random() < 0.02:
            text = "# edited elsewhere\n" + text
            cursor += len("# edited elsewhere\n")
        answer = await ask(wait=awaits(typed, i))
        if answer is not None:
            latencies.append(answer[0])
            kept.append(kept_chars(answer[1], typed, i))
            pauses.append(pause(i, answer, kept[-1]))
        else:
            await asyncio.sleep(TYPING_GAP)  # the next keystroke comes after the typing gap
    if inflight is not None:
        await asyncio.wait({inflight})
    return {
        "latencies": latencies,
        "kept": kept,
        "pauses": pauses,
        "first": first[0] if first else None,
        "first_text": first[1] if first else None,
        "requests": requests,
        "skipped_while_busy": skipped,
    }
