"""pied on a real engine: llama.cpp's llama-server on 127.0.0.1, serving the embedded model.

The server is built by ``make engine-server`` (``scripts/build-llama-server.sh``, cached).
The CLI and the language server complete through it; when it dies, the user is told once
in one sentence and nothing else breaks; when it is back, completions are too.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pied import paths
from pied.bench.llamaserver import LlamaServer
from tests.conftest import PIED, pied
from tests.support.private import private_env
from tests.support.stdio_peer import StdioPeer
from tests.support.wait import wait_until

SERVER = paths.cache_dir() / "llama-server" / "llama-server"
SAMPLE = Path("samples/stats.py")


@pytest.fixture(scope="module")
def server(model_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    assert SERVER.is_file(), f"no llama-server at {SERVER}: run `make engine-server`"
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with LlamaServer(SERVER, Path(model_path), n_ctx=4096, log=log) as s:
        yield s


def test_pied_complete_runs_on_the_engine(server):
    proc = pied("complete", f"{SAMPLE}:24:5", "--engine-url", server.url, "--json", env=None)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["model"].endswith(f"on {server.url}")
    assert out["text"].strip()
    lines = SAMPLE.read_text().split("\n")
    joined = "\n".join([*lines[:23], "    " + out["text"], *lines[24:]])
    ast.parse(joined)  # the suggestion fits the file it goes into


def test_an_engine_that_is_not_running_is_one_sentence(server):
    dead = f"http://127.0.0.1:{server.port + 1 if server.port < 65535 else 1}"
    proc = pied("complete", f"{SAMPLE}:24:5", "--engine-url", dead, env=None)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1] == (
        f"pied: error: The engine at {dead} cannot be reached: connection refused (is it running?)."
    )


def test_the_openai_api_of_the_same_engine(server, tmp_path):
    env = private_env(tmp_path, f'engine_url = "{server.url}/v1"\nengine_api = "openai"\n')
    proc = pied("complete", f"{SAMPLE}:24:5", "--no-daemon", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["text"].strip() and out["model"].endswith(f"on {server.url}/v1")


def _ask(peer, rid: int, uri: str) -> dict:
    ask = {
        "textDocument": {"uri": uri},
        "position": {"line": 23, "character": 4},
        "context": {"triggerKind": 1},
    }
    answer = peer.call(rid, "textDocument/inlineCompletion", ask, timeout=120)
    assert answer is not None, "the language server did not answer"
    return answer


def _items(answer: dict) -> list:
    result = answer.get("result")
    return result.get("items", []) if isinstance(result, dict) else result or []


def _editor_on(env: dict[str, str]) -> tuple[StdioPeer, str]:
    """A language server as an editor starts it, with the sample file open."""
    peer = StdioPeer([*PIED, "lsp"], env=env)
    source = SAMPLE.resolve()
    uri = source.as_uri()
    caps = {"textDocument": {"inlineCompletion": {}}}
    init = {"processId": None, "capabilities": caps, "initializationOptions": {"maxTokens": 32}}
    assert "result" in peer.call(0, "initialize", init)
    peer.notify("initialized", {})
    item = {"uri": uri, "languageId": "python", "version": 1, "text": source.read_text()}
    peer.notify("textDocument/didOpen", {"textDocument": item})
    return peer, uri


def test_the_language_server_completes_on_the_engine_and_says_once_when_it_dies(
    model_path, tmp_path
):
    server = LlamaServer(SERVER, Path(model_path), n_ctx=4096, log=tmp_path / "server.log")
    env = private_env(tmp_path, f'engine_url = "{server.url}"\n')
    peer, uri = _editor_on(env)
    try:
        items = _items(_ask(peer, 1, uri))
        assert items and items[0]["insertText"].strip()
        status = json.loads(pied("daemon", "status", "--json", env=env).stdout)
        assert server.url in json.dumps(status)

        server.stop()  # the engine goes away under a running daemon
        for rid in (2, 3, 4):
            answer = _ask(peer, rid, uri)
            assert "result" in answer and not _items(answer)  # answered, with nothing
        shown = []
        while not peer.notifications.empty():
            msg = peer.notifications.get_nowait()
            if msg.get("method") == "window/showMessage":
                shown.append(msg["params"]["message"])
        said = [m for m in shown if "cannot be reached" in m]
        assert len(said) == 1, shown  # once, not per keystroke
        assert said[0].startswith(f"pied: The engine at {server.url} cannot be reached")
        assert pied("daemon", "status", env=env).returncode == 0  # the daemon lives on

        back = LlamaServer(SERVER, Path(model_path), n_ctx=4096, port=server.port)
        try:
            rids = iter(range(10, 10**6))  # the next request finds it again
            wait_until(lambda: _items(_ask(peer, next(rids), uri)), 60, "no completions again", 0)
        finally:
            back.stop()
    finally:
        server.stop()
        peer.close()
        pied("daemon", "stop", env=env, timeout=60)


def test_with_a_fallback_the_embedded_model_answers_while_the_engine_is_down(model_path, tmp_path):
    server = LlamaServer(SERVER, Path(model_path), n_ctx=4096, log=tmp_path / "server.log")
    config = f'engine_url = "{server.url}"\nengine_fallback = "local"\n'
    env = private_env(tmp_path, config)
    peer, uri = _editor_on(env)
    try:
        assert _items(_ask(peer, 1, uri))
        status = json.loads(pied("daemon", "status", "--json", env=env).stdout)
        assert status["model"]["answering"] == "engine"
        server.stop()
        items = _items(_ask(peer, 2, uri))
        assert items and items[0]["insertText"].strip()  # from the embedded model
        status = json.loads(pied("daemon", "status", "--json", env=env).stdout)
        assert status["model"]["answering"] == "local"
        shown = []
        while not peer.notifications.empty():
            msg = peer.notifications.get_nowait()
            if msg.get("method") == "window/showMessage":
                shown.append(msg["params"]["message"])
        assert not [m for m in shown if "cannot be reached" in m], shown
    finally:
        server.stop()
        peer.close()
        pied("daemon", "stop", env=env, timeout=60)


def test_the_fim_bench_compares_the_engine_with_the_same_model_in_process(server, tmp_path):
    out = tmp_path / "fim.json"
    proc = pied(
        "bench", "fim", "--split", "stdlib", "--limit", "2", "--mode", "auto",
        "--engine-url", server.url, "--json", str(out), env=None, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report["modes"]["auto"]["n"] == report["local"]["modes"]["auto"]["n"] == 2
    assert report["engine"]["requests"] >= 2 and report["engine"]["prompt_tokens"] > 0
    delta = report["engine_minus_local"]["auto"]
    engine_es = report["modes"]["auto"]["edit_similarity"]
    local_es = report["local"]["modes"]["auto"]["edit_similarity"]
    assert delta["edit_similarity"] == round(engine_es - local_es, 2)


def test_an_engine_that_wants_a_key_gets_it_from_the_environment_only(model_path, tmp_path):
    key = "team-key-5f1c"
    log = tmp_path / "server.log"
    with LlamaServer(SERVER, Path(model_path), n_ctx=2048, log=log, api_key=key) as keyed:
        env = private_env(tmp_path, f'engine_url = "{keyed.url}"\n')
        env.pop("PIED_ENGINE_KEY", None)
        proc = pied("complete", f"{SAMPLE}:24:5", "--no-daemon", env=env)
        assert proc.returncode != 0
        assert "refused the API key (HTTP 401)" in proc.stderr.strip().splitlines()[-1]
        proc = pied(
            "complete", f"{SAMPLE}:24:5", "--no-daemon", env={**env, "PIED_ENGINE_KEY": key}
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() and key not in proc.stdout + proc.stderr
