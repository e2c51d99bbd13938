"""The language server over stdio, driven by pytest-lsp's client against the real model."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types as t
from pytest_lsp import client_capabilities, make_test_lsp_client

from tests.conftest import pied
from tests.support.wait import wait_until_async

CODE = (
    "import os\n\n\ndef list_files(root):\n    return sorted(os.listdir(root))\n\n\n"
    "def count(root):\n    "
)
URI = "file:///tmp/pied-lsp/example.py"
VSCODE_PACKAGE = Path(__file__).resolve().parents[2] / "editors" / "vscode" / "package.json"
END = t.Position(line=CODE.count("\n"), character=4)


def capabilities(editor: str) -> t.ClientCapabilities:
    caps = client_capabilities(editor)
    docs = caps.text_document or t.TextDocumentClientCapabilities()
    docs.inline_completion = t.InlineCompletionClientCapabilities()
    caps.text_document = docs
    return caps


@pytest_asyncio.fixture(params=["visual_studio_code", "neovim"], loop_scope="function")
async def client(request, daemon):
    lsp = make_test_lsp_client()
    await lsp.start_io(sys.executable, "-m", "pied", "lsp", env=daemon)
    options = getattr(request, "param_options", None) or {"maxTokens": 32}
    await lsp.initialize_session(
        t.InitializeParams(capabilities=capabilities(request.param), initialization_options=options)
    )
    lsp.text_document_did_open(
        t.DidOpenTextDocumentParams(t.TextDocumentItem(URI, "python", 1, CODE))
    )
    yield lsp
    await lsp.shutdown_session()


async def inline(lsp, position=END, msg_id=None):
    params = t.InlineCompletionParams(
        text_document=t.TextDocumentIdentifier(URI),
        position=position,
        context=t.InlineCompletionContext(trigger_kind=t.InlineCompletionTriggerKind.Automatic),
    )
    if msg_id is None:
        return await lsp.text_document_inline_completion_async(params)
    return await lsp.protocol.send_request_async("textDocument/inlineCompletion", params, msg_id)


async def test_progress_while_the_model_loads(client):
    def ended() -> bool:
        reports = client.progress_reports.values()
        return any(isinstance(v, t.WorkDoneProgressEnd) for r in reports for v in r)

    await wait_until_async(ended, 60, "the progress did not end")
    reports = [v for r in client.progress_reports.values() for v in r]
    assert isinstance(reports[0], t.WorkDoneProgressBegin)
    assert "ready" in (reports[-1].message or "")


async def test_no_vscode_command_is_also_a_server_command(daemon):
    """vscode-languageclient registers the advertised commands: a second owner stops the client."""
    lsp = make_test_lsp_client()
    await lsp.start_io(sys.executable, "-m", "pied", "lsp", env=daemon)
    result = await lsp.initialize_session(
        t.InitializeParams(capabilities=capabilities("visual_studio_code"))
    )
    await lsp.shutdown_session()
    provider = result.capabilities.execute_command_provider
    assert provider is not None
    advertised = set(provider.commands)
    package = json.loads(VSCODE_PACKAGE.read_text())
    contributed = {c["command"] for c in package["contributes"]["commands"]}
    assert advertised == {
        "pied.translateToPython",
        "pied.summarize",
        "pied.status",
        "pied.accepted",
    }
    assert not advertised & contributed, advertised & contributed


async def test_inline_completion_inserts_at_the_cursor(client):
    result = await inline(client)
    assert result.items, "no suggestion"
    item = result.items[0]
    assert isinstance(item.insert_text, str) and item.insert_text.strip()
    assert item.range.start == END and item.range.end == END


async def test_an_invoked_request_offers_alternatives_and_an_accept_is_counted(client, daemon):
    """Invoked (not automatic): several different items, each with the accept command; the
    editor runs it on accept, ``pied stats`` counts it and finds the text still there."""
    before = json.loads(pied("stats", "--json", env=daemon).stdout)
    params = t.InlineCompletionParams(
        text_document=t.TextDocumentIdentifier(URI),
        position=END,
        context=t.InlineCompletionContext(trigger_kind=t.InlineCompletionTriggerKind.Invoked),
    )
    result = await client.text_document_inline_completion_async(params)
    texts = [i.insert_text for i in result.items]
    assert len(texts) >= 2 and len({" ".join(str(x).split()) for x in texts}) == len(texts), texts
    automatic = await inline(client)
    assert len(automatic.items) == 1  # automatic requests stay one suggestion
    item = result.items[1]
    assert item.command is not None and item.command.command == "pied.accepted"
    # What the editor does on accept: insert the text, then run the item's command.
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(version=2, uri=URI),
            content_changes=[
                t.TextDocumentContentChangePartial(range=t.Range(END, END), text=str(texts[1]))
            ],
        )
    )
    await client.workspace_execute_command_async(
        t.ExecuteCommandParams(command=item.command.command, arguments=item.command.arguments)
    )

    def kept_2s(stats: dict) -> int:
        return int(stats["retained"].get("2s", {}).get("kept", 0))

    def checked() -> dict | None:  # the check runs 2 s after the accept (this session's setting)
        stats = json.loads(pied("stats", "--json", env=daemon).stdout)
        return stats if kept_2s(stats) > kept_2s(before) else None

    after = await wait_until_async(checked, 20, "the 2 s retention check did not run")
    assert after["accepted"] == before["accepted"] + 1
    assert after["shown"] >= before["shown"] + 1
    assert after["chars_accepted"] == before["chars_accepted"] + len(str(texts[1]))
    assert after["retained"]["2s"]["kept"] == before["retained"].get("2s", {}).get("kept", 0) + 1


async def test_incremental_edits_are_followed(client):
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(version=2, uri=URI),
            content_changes=[
                t.TextDocumentContentChangePartial(
                    range=t.Range(t.Position(0, 0), t.Position(0, 0)), text="import sys\n"
                )
            ],
        )
    )
    result = await inline(client, t.Position(END.line + 1, END.character))
    assert result.items and result.items[0].range.start.line == END.line + 1


async def test_a_superseded_request_is_cancelled_and_answered(client):
    first = asyncio.ensure_future(inline(client, msg_id="first"))
    await asyncio.sleep(0.01)
    client.protocol.notify("$/cancelRequest", t.CancelParams(id="first"))
    second = await inline(client)
    with pytest.raises(Exception) as caught:  # RequestCancelled from pygls
        await first
    assert "cancel" in str(caught.value).lower()
    assert second.items


async def test_completion_fallback_for_clients_without_inline_completion(client):
    result = await client.text_document_completion_async(
        t.CompletionParams(text_document=t.TextDocumentIdentifier(URI), position=END)
    )
    assert len(result.items) == 1
    item = result.items[0]
    assert item.text_edit.new_text.strip()
    assert item.text_edit.range.end == END


CPP_URI = "file:///tmp/pied-lsp/twice.cpp"
CPP = "#include <vector>\n\nint twice(int x) {\n    return 2 * x;\n}\n"


@pytest.mark.parametrize("client", ["visual_studio_code"], indirect=True)
async def test_translate_command_returns_python(client):
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(t.TextDocumentItem(CPP_URI, "cpp", 1, CPP))
    )
    result = await client.workspace_execute_command_async(
        t.ExecuteCommandParams(command="pied.translateToPython", arguments=[CPP_URI])
    )
    assert result["source_language"] == "cpp"
    assert "def twice" in result["python"]
    # The job's progress streams to the editor while it runs.
    reports = [v for r in client.progress_reports.values() for v in r]
    titles = [v.title for v in reports if isinstance(v, t.WorkDoneProgressBegin)]
    messages = [v.message for v in reports if isinstance(v, t.WorkDoneProgressReport)]
    assert "pied: translating to Python" in titles
    assert "translating part 1 of 1" in messages


@pytest.mark.parametrize("client", ["neovim"], indirect=True)
async def test_job_errors_are_shown_once(client):
    for _ in range(2):  # a Python document is already Python
        result = await client.workspace_execute_command_async(
            t.ExecuteCommandParams(command="pied.translateToPython", arguments=[URI])
        )
        assert result is None
    notes = [m.message for m in client.messages if "already Python" in m.message]
    assert len(notes) == 1


async def test_code_actions_offer_the_commands(client):
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(URI),
            range=t.Range(t.Position(0, 0), t.Position(1, 0)),
            context=t.CodeActionContext(diagnostics=[]),
        )
    )
    # pygls' client reads the (Command | CodeAction) union as Commands: check the titles
    # and that each carries its command name.
    assert {a.title for a in actions} == {"Translate to Python (pied)", "Summarize (pied)"}
    assert "pied.translateToPython" in str(actions) and "pied.summarize" in str(actions)


@pytest.mark.parametrize("client", ["neovim"], indirect=True)
async def test_bad_configuration_is_reported_and_defaults_stay(client):
    client.workspace_did_change_configuration(
        t.DidChangeConfigurationParams(settings={"pied": {"multiline": "sometimes"}})
    )
    result = await inline(client)
    assert result.items  # still completing with the previous settings
    assert any("multiline" in m.message for m in client.messages)


@pytest.mark.parametrize("client", ["neovim"], indirect=True)
async def test_a_typing_session_leaves_no_error_in_the_daemon_log(client, daemon):
    log = Path(daemon["XDG_STATE_HOME"]) / "pied" / "daemon.log"
    start = log.stat().st_size
    line, col = END.line, END.character
    for i, ch in enumerate("total = len(os.listdir(root))"):
        client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(version=2 + i, uri=URI),
                content_changes=[
                    t.TextDocumentContentChangePartial(
                        range=t.Range(t.Position(line, col), t.Position(line, col)), text=ch
                    )
                ],
            )
        )
        col += 1
        request = asyncio.ensure_future(inline(client, t.Position(line, col)))
        await asyncio.sleep(0.05)  # the next keystroke supersedes it mid-decode
        if i % 6 == 5:
            await request  # now and then, a suggestion is awaited
    await inline(client, t.Position(line, col))
    with log.open() as f:
        f.seek(start)
        written = f.read()
    assert " ERROR " not in written and "Traceback" not in written, written


async def test_a_request_cancelled_while_the_daemon_starts_still_warms_the_window(
    daemon_env, tmp_path
):
    """A plain LSP client tells where the cursor is only by asking. Asked (and cancelled)
    before the daemon is up, the language server tells the new daemon that cursor, which
    encodes the window there while the user reads: the next ask needs no encoding."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**daemon_env, "XDG_RUNTIME_DIR": str(runtime), "XDG_CONFIG_HOME": str(tmp_path)}
    (tmp_path / "pied").mkdir()
    (tmp_path / "pied" / "config.toml").write_text(f'kv_dir = "{tmp_path / "kv"}"\n')
    lsp = make_test_lsp_client()
    await lsp.start_io(sys.executable, "-m", "pied", "lsp", env=env)
    try:
        await lsp.initialize_session(
            t.InitializeParams(
                capabilities=capabilities("neovim"), initialization_options={"maxTokens": 8}
            )
        )
        lsp.text_document_did_open(
            t.DidOpenTextDocumentParams(t.TextDocumentItem(URI, "python", 1, CODE))
        )
        pending = asyncio.ensure_future(inline(lsp, msg_id="early"))
        await asyncio.sleep(0.05)  # the daemon is still loading the model
        lsp.protocol.notify("$/cancelRequest", t.CancelParams(id="early"))
        with pytest.raises(Exception):  # noqa: B017 - RequestCancelled, as it must be
            await pending

        async def warmed() -> dict | None:
            status = await lsp.workspace_execute_command_async(
                t.ExecuteCommandParams(command="pied.status")
            )
            return status if status and status.get("cache", {}).get("encoded_tokens") else None

        status = await wait_until_async(warmed, 60, "nothing was warmed")
        assert status["cache"]["encoded_tokens"] > 0, status  # warmed without a request
        assert status["completions"] == 0
        result = await inline(lsp)
        assert result.items
        status = await lsp.workspace_execute_command_async(
            t.ExecuteCommandParams(command="pied.status")
        )
        assert status["latency_ms"]["recent"][-1]["encoded_tokens"] <= 2, status
    finally:
        await lsp.shutdown_session()
        pied("daemon", "stop", env=env, timeout=60)
