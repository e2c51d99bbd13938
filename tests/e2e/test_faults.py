"""Faults around the daemon: its directories, its model file, rival daemons, odd clients.

Each fault gets a clear message (or none is needed) and loses nothing: the daemon keeps
answering, or the next request starts one that does.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pied.daemon import protocol as p
from pied.daemon.server import HELLO_TIMEOUT_S
from tests.conftest import PIED, pied, socket_path
from tests.e2e.test_daemon import Raw, connect, open_doc
from tests.support.private import private_env
from tests.support.wait import wait_until

SAMPLE = "samples/stats.py:24:5"


@pytest.fixture
def own(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = private_env(tmp_path)
    yield env
    pied("daemon", "stop", env=env, timeout=60)


def daemon_up(env: dict[str, str]) -> bool:
    return pied("daemon", "status", env=env).returncode == 0


def daemon_status(env: dict[str, str]) -> dict[str, Any]:
    proc = pied("daemon", "status", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def daemon_pid(env: dict[str, str]) -> int:
    return int(daemon_status(env)["pid"])


def complete(env: dict[str, str]) -> dict[str, object]:
    proc = pied("complete", SAMPLE, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_a_removed_runtime_dir_is_claimed_again_by_the_live_daemon(own):
    assert pied("daemon", "start", env=own).returncode == 0
    pid = daemon_pid(own)
    shutil.rmtree(Path(own["XDG_RUNTIME_DIR"]) / "pied")  # a cleaner, a logout
    wait_until(lambda: socket_path(own).exists(), 30, "the daemon did not serve again")
    assert daemon_pid(own) == pid  # the same daemon and its caches, not a second one
    assert stat.S_IMODE(socket_path(own).stat().st_mode) == 0o600
    assert stat.S_IMODE(socket_path(own).parent.stat().st_mode) == 0o700
    assert complete(own)["text"]
    # Only the socket removed: served again too.
    socket_path(own).unlink()
    wait_until(lambda: socket_path(own).exists(), 30, "the daemon did not serve again")
    assert daemon_pid(own) == pid


def test_two_daemons_started_at_once_leave_one_and_both_clients_served(own):
    runs = [
        subprocess.Popen(
            [*PIED, "daemon", "run"], env=own, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
        )
        for _ in range(2)
    ]
    try:
        wait_until(lambda: any(r.poll() is not None for r in runs), 120, "neither gave way")
        loser = next(r for r in runs if r.poll() is not None)
        assert loser.returncode == 1
        assert loser.stderr is not None and "already running" in loser.stderr.read().decode()
        winner = next(r for r in runs if r is not loser)
        wait_until(lambda: winner.poll() is not None or socket_path(own).exists(), 120, "no socket")
        assert winner.poll() is None, "the winner died"
        assert daemon_pid(own) == winner.pid
    finally:
        pied("daemon", "stop", env=own, timeout=60)
        for r in runs:
            r.wait(timeout=60)
    # Two clients at once with no daemon: each starts one, one daemon serves both.
    clients = [
        subprocess.Popen([*PIED, "complete", SAMPLE, "--json"], env=own, stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    outs = [c.communicate(timeout=300)[0] for c in clients]
    assert [c.returncode for c in clients] == [0, 0]
    assert all(json.loads(o)["text"] for o in outs)
    assert daemon_pid(own) > 0


def test_the_model_file_truncated_or_removed_under_a_live_daemon(tmp_path, model_path):
    copy = tmp_path / "model.gguf"
    shutil.copyfile(model_path, copy)
    env = private_env(tmp_path, f'model = "{copy}"\n')
    try:
        assert complete(env)["text"]
        pid = daemon_pid(env)
        with open(copy, "r+b") as f:  # a half-finished download over it, say
            f.truncate(copy.stat().st_size // 4)
        assert complete(env)["text"]  # the weights are in memory, not mapped from the file
        copy.unlink()
        assert complete(env)["text"]
        assert daemon_pid(env) == pid
        proc = pied("daemon", "restart", env=env)
        assert proc.returncode != 0
        assert f"{copy} does not exist" in proc.stderr
        assert "Traceback" not in proc.stderr
    finally:
        pied("daemon", "stop", env=env, timeout=60)


def test_unwritable_state_and_cache_dirs_cost_the_files_not_the_completions(tmp_path):
    # Root may write anywhere, so "cannot be written" is a path whose parent is a file.
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = private_env(tmp_path, f'kv_dir = "{blocker / "kv"}"\n')
    env["XDG_STATE_HOME"] = str(blocker / "state")
    uri = "file:///tmp/pied-e2e/unwritable.py"

    async def edit() -> None:
        client = await connect(env)
        await open_doc(client, uri)
        # In the body of ``count`` (line 7, character 4 was inside ``def |count(root):``, a
        # whole line where the model may rightly add nothing).
        out = await client.request("complete", {"uri": uri, "line": 8, "character": 4})
        assert out["text"]
        await client.notify("close", {"uri": uri})  # its cache would go to disk now
        await client.request("status")
        await client.close()

    try:
        assert pied("daemon", "start", env=env).returncode == 0
        asyncio.run(edit())
        proc = pied("daemon", "restart", env=env)
        assert proc.returncode == 0, proc.stderr
        asyncio.run(edit())
        log = (Path(env["XDG_RUNTIME_DIR"]) / "pied" / "daemon.log").read_text()
        assert "the KV cache on disk is off for now" in log, log
        assert "Traceback" not in log
    finally:
        pied("daemon", "stop", env=env, timeout=60)


def test_a_client_that_never_speaks_is_closed_and_blocks_no_one(daemon):
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(str(socket_path(daemon)))
    silent.settimeout(HELLO_TIMEOUT_S + 30)
    try:
        other = Raw(daemon)
        other.hello()
        other.send(p.request(2, "status"))
        assert other.recv().result["pid"] > 0
        other.close()
        assert silent.recv(1) == b""  # closed by the daemon after the hello timeout
    finally:
        silent.close()


def test_a_client_sending_a_gigabyte_is_refused_and_the_daemon_goes_on(daemon):
    raw = Raw(daemon)
    raw.hello()
    size = 1 << 30
    raw.send(struct.pack(">I", size))
    chunk = b"\x00" * (1 << 20)
    errors: list[BaseException] = []

    def flood() -> None:
        try:
            for _ in range(size // len(chunk)):
                raw.send(chunk)
        except BaseException as e:
            errors.append(e)

    sender = threading.Thread(target=flood)
    sender.start()
    try:
        assert raw.recv().error["code"] == p.TOO_LARGE  # said before the frame has ended
        other = Raw(daemon)  # others are served meanwhile
        other.hello()
        other.send(p.request(2, "status"))
        assert other.recv().result["pid"] > 0
        other.close()
    finally:
        sender.join(timeout=300)
    assert not errors
    raw.send(p.request(3, "status"))  # the same connection, after the gigabyte
    assert raw.recv().result["pid"] > 0
    raw.close()


def test_the_log_names_the_fallback_when_the_state_dir_is_unwritable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = private_env(tmp_path)
    env["XDG_STATE_HOME"] = str(blocker / "state")
    code = "from pied.daemon import lifecycle; print(lifecycle.log_path())"  # the daemon's choice
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == str(Path(env["XDG_RUNTIME_DIR"]) / "pied" / "daemon.log")


def test_the_language_server_restarts_a_daemon_that_died_not_one_that_was_stopped(own, tmp_path):
    from tests.support.stdio_peer import StdioPeer

    lsp_log = tmp_path / "lsp.log"
    with open(lsp_log, "wb") as err:
        peer = StdioPeer([*PIED, "-v", "lsp"], env=own, stderr=err)
    try:
        caps = {"textDocument": {"inlineCompletion": {}}}
        assert "result" in peer.call(0, "initialize", {"processId": None, "capabilities": caps})
        peer.notify("initialized", {})
        wait_until(lambda: daemon_up(own), 120, "no daemon at start-up")
        pid = daemon_pid(own)
        os.kill(pid, signal.SIGKILL)

        def another() -> bool:
            proc = pied("daemon", "status", "--json", env=own)
            return proc.returncode == 0 and json.loads(proc.stdout)["pid"] != pid

        # Started again with no request from the editor.
        wait_until(another, 60, "the daemon was not started again")
        assert pied("daemon", "stop", env=own).returncode == 0
        stopped = "the daemon was stopped"
        wait_until(lambda: stopped in lsp_log.read_text(), 60, "the LSP did not see it stop")
        assert pied("daemon", "status", env=own).returncode == 3  # stopped stays stopped
        assert peer.alive()
    finally:
        peer.close()


def test_a_request_in_flight_when_the_daemon_dies_is_answered_by_the_new_one(own):
    """The suggestion the user waits on is not dropped with the dead daemon's connection."""
    from tests.support.stdio_peer import StdioPeer

    source = Path("samples/stats.py").resolve()
    uri = source.as_uri()
    peer = StdioPeer([*PIED, "lsp"], env=own)
    try:
        caps = {"textDocument": {"inlineCompletion": {}}}
        options = {"maxTokens": 24}
        init = {"processId": None, "capabilities": caps, "initializationOptions": options}
        assert "result" in peer.call(0, "initialize", init)
        peer.notify("initialized", {})
        wait_until(lambda: daemon_up(own), 120, "no daemon at start-up")
        pid = daemon_pid(own)
        item = {"uri": uri, "languageId": "python", "version": 1, "text": source.read_text()}
        peer.notify("textDocument/didOpen", {"textDocument": item})
        ask = {
            "textDocument": {"uri": uri},
            "position": {"line": 23, "character": 4},  # the body of stdev()
            "context": {"triggerKind": 2},
        }
        peer.request(1, "textDocument/inlineCompletion", ask)
        # the daemon holds the document: the request follows it (or is being answered)
        wait_until(lambda: daemon_status(own)["documents"] == 1, 120, "the document never came")
        os.kill(pid, signal.SIGKILL)
        answer = peer.wait(1, timeout=120)
        assert answer is not None and "result" in answer, answer
        result = answer["result"]
        items = result.get("items", []) if isinstance(result, dict) else result or []
        assert items and items[0]["insertText"].strip(), answer
        assert daemon_pid(own) != pid
    finally:
        peer.close()
