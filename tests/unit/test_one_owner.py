"""One owner for the daemon's state: two clients hammer open/change/cursor/close/complete
(cancelling some, accepting others) while warm-ups, prefetches, saves and refreshes run;
no error is logged, every request is answered, and every document's state was changed
on the event-loop thread only (on the scripted fake backend)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
from pathlib import Path
from typing import Any

import pytest

from pied.config import Settings
from pied.daemon import upkeep
from pied.daemon.client import DaemonClient, DaemonError
from pied.daemon.docstate import DocState
from pied.daemon.server import Server
from pied.daemon.service import Service
from pied.engine.engine import Engine
from pied.kvcache.disk import DiskStore
from tests.fakes import FakeBackend

TEXTS = ["x = \n", "def f(a):\n    return \n", "import os\n\ny = \n"]


async def _hammer(client: DaemonClient, seed: int, service: Service) -> int:
    """Random work on three documents; the number of completions answered."""
    rng = random.Random(seed)
    versions: dict[str, int] = {}
    answered = 0
    for _ in range(120):
        uri = f"file:///w/{rng.choice('abc')}.py"
        version = versions[uri] = versions.get(uri, 0) + 1
        text = rng.choice(TEXTS) + "z" * rng.randrange(3)
        op = rng.random()
        try:
            if op < 0.15:
                await client.notify("open", {"uri": uri, "text": text, "version": version})
            elif op < 0.4:
                change = {"uri": uri, "changes": [{"text": text}], "version": version}
                await client.notify("change", change)
            elif op < 0.5:
                await client.notify("cursor", {"uri": uri, "line": 0, "character": 4})
            elif op < 0.58:
                await client.notify("close", {"uri": uri})
            else:
                answered += await _complete(client, uri, version, rng)
        except DaemonError:
            pass  # a document not open (closed by the other ops): a clear error, as it must be
        if rng.random() < 0.2:
            service.idle(after=0.0)  # upkeep, as the server's idle loop runs it
        await asyncio.sleep(rng.random() * 0.004)
    return answered


async def _complete(client: DaemonClient, uri: str, version: int, rng: random.Random) -> int:
    ask = asyncio.create_task(client.request("complete", {"uri": uri, "line": 0, "character": 4}))
    if rng.random() < 0.3:
        await asyncio.sleep(rng.random() * 0.01)
        ask.cancel()  # the client cancels it ($/cancelRequest)
        with contextlib.suppress(asyncio.CancelledError, DaemonError):
            await ask
        return 0
    out: dict[str, Any] = await asyncio.wait_for(ask, 10)
    if out.get("text") and rng.random() < 0.5:  # accepted: the next one is made ahead
        accepted = "x = " + out["text"] + "\n"
        change = {"uri": uri, "changes": [{"text": accepted}], "version": version + 1000}
        await client.notify("change", change)
    return 1


async def test_two_clients_hammering_change_state_on_the_loop_thread_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(upkeep, "PERSIST_AFTER_S", 0.01)  # saves run among the rest
    monkeypatch.setattr(upkeep, "READY_AFTER_S", 0.0)  # and suggestions made unasked
    changed_on: set[str] = set()
    original = DocState.__setattr__

    def recording(self: DocState, name: str, value: object) -> None:
        changed_on.add(threading.current_thread().name)
        original(self, name, value)

    monkeypatch.setattr(DocState, "__setattr__", recording)
    disk = DiskStore(tmp_path / "kv", "m", 1 << 20)
    engine = Engine(FakeBackend("compute(a)\n"), Settings(sampling="plain"), disk=disk)
    service = Service(engine, engine.settings)
    service.start()
    server = Server(service)
    sock = tmp_path / "d.sock"
    serving = asyncio.create_task(server.serve(sock))
    caplog.set_level(logging.WARNING, logger="pied")
    try:
        while not sock.exists():
            await asyncio.sleep(0.01)
        clients = [await DaemonClient.connect(sock) for _ in range(2)]
        answered = await asyncio.gather(*(_hammer(c, i, service) for i, c in enumerate(clients)))
        status = await clients[0].request("status")  # the daemon still answers
        for c in clients:
            await c.close()
    finally:
        server.stop()
        await serving
        service.stop()
    assert sum(answered) > 20 and status["completions"] > 0
    assert changed_on == {threading.current_thread().name}  # the loop's thread, only
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
