"""Fuzzing both of pied's doors: the daemon's socket and the language server's stdio.

Every request gets an answer (a result or an error), and afterwards the daemon and the
language server are alive and still complete code correctly.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time

from pied.bench import fuzz
from pied.daemon import protocol as p
from tests.e2e.test_daemon import CODE, Raw, connect, open_doc
from tests.support.stdio_peer import StdioPeer

FRAMES = 10_000


def test_ten_thousand_fuzzed_frames_leave_the_daemon_answering_everything(daemon):
    rng = random.Random(0)
    sent = answered = 0
    while sent < FRAMES:
        batch = fuzz.daemon_batch(rng, 50)
        raw = Raw(daemon)
        assert raw.hello().error is None
        raw.send(b"".join(batch.frames))
        raw.send(p.request(99, "status"))
        waiting = {*batch.answered, 99}
        deadline = time.monotonic() + 120
        while waiting:
            assert time.monotonic() < deadline, f"no answer to {sorted(waiting)[:5]}"
            msg = raw.recv()
            waiting.discard(msg.id)  # replies to notifications have no id
        answered += len(batch.answered)
        for frame in batch.tail:  # lying lengths last: the connection cannot go on after
            raw.send(frame)
        raw.close()
        sent += len(batch.frames) + len(batch.tail)
    assert answered > 1000

    async def still_completes():
        client = await connect(daemon)
        uri = await open_doc(client, "file:///tmp/pied-e2e/after-fuzz.py")
        out = await client.request(
            "complete", {"uri": uri, "line": CODE.count("\n"), "character": 4}
        )
        await client.close()
        return out

    assert asyncio.run(still_completes())["text"].strip()


def test_malformed_json_rpc_huge_and_binary_documents_are_all_answered(daemon):
    peer = StdioPeer([sys.executable, "-m", "pied", "lsp"], env=daemon)
    try:
        caps = {"textDocument": {"inlineCompletion": {}}}
        assert "result" in peer.call(0, "initialize", {"processId": None, "capabilities": caps})
        peer.notify("initialized", {})
        uri = "file:///tmp/pied-e2e/fuzz-lsp.py"
        doc = {"uri": uri, "languageId": "python", "version": 1, "text": CODE}
        peer.notify("textDocument/didOpen", {"textDocument": doc})
        messages = fuzz.lsp_messages(random.Random(1), 1000, uri)
        for _rid, body in messages:
            peer.send_bytes(body)
        for rid, _body in messages:
            if rid is not None:
                assert peer.wait(rid, timeout=120) is not None, f"request {rid!r} got no answer"
        assert peer.wait(None, timeout=10) is not None  # bodies that are not JSON: id null
        # A huge document and a binary one: refused with a clear message, nothing breaks.
        for name, text in (("huge.py", "x = 1\n" * 4_000_000), ("binary.py", "\x00\x01" * 1000)):
            other = f"file:///tmp/pied-e2e/{name}"
            item = {"uri": other, "languageId": "python", "version": 1, "text": text}
            peer.notify("textDocument/didOpen", {"textDocument": item})
            at = {"textDocument": {"uri": other}, "position": {"line": 1, "character": 0}}
            out = peer.call(
                f"in-{name}",
                "textDocument/inlineCompletion",
                at | {"context": {"triggerKind": 2}},
                120,
            )
            assert out is not None and ("result" in out or "error" in out), out
        end = {"line": CODE.count("\n"), "character": 4}
        params = {"textDocument": {"uri": uri}, "position": end, "context": {"triggerKind": 1}}
        out = peer.call("last", "textDocument/inlineCompletion", params, timeout=300)
        assert out is not None and out["result"]["items"][0]["insertText"].strip(), out
        assert peer.alive()
    finally:
        peer.close()
