"""A bare JSON-RPC peer over a child's stdio, for sending what a well-behaved client never
would (the fuzz and fault tests): raw bytes, wrong types, ids of any kind."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from typing import IO, Any


class StdioPeer:
    """Runs ``cmd`` and speaks LSP framing (``Content-Length``) on its stdin and stdout."""

    def __init__(
        self, cmd: list[str], env: dict[str, str] | None = None, stderr: Any = subprocess.DEVNULL
    ) -> None:
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
        self.responses: dict[Any, dict[str, Any]] = {}
        self.notifications: queue.Queue[dict[str, Any]] = queue.Queue()
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self._reader.start()

    def _read(self, out: IO[bytes] | None) -> None:
        assert out is not None
        while True:
            length = None
            while (line := out.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if not line or length is None:
                with self._arrived:
                    self._arrived.notify_all()
                return
            msg = json.loads(out.read(length))
            if "id" in msg and "method" not in msg:
                with self._arrived:
                    self.responses[_key(msg["id"])] = msg
                    self._arrived.notify_all()
            elif "id" in msg:  # a request from the server: answer it (progress tokens, ...)
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            else:
                self.notifications.put(msg)

    def send_bytes(self, body: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def send(self, msg: dict[str, Any]) -> None:
        self.send_bytes(json.dumps(msg).encode())

    def request(self, rid: Any, method: str, params: Any = None) -> None:
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def notify(self, method: str, params: Any = None) -> None:
        msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def wait(self, rid: Any, timeout: float = 60.0) -> dict[str, Any] | None:
        """The response to ``rid``, or None if none came within ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while _key(rid) not in self.responses:
                left = deadline - time.monotonic()
                if left <= 0 or not self._reader.is_alive():
                    return None
                self._arrived.wait(left)
            return self.responses.pop(_key(rid))

    def call(self, rid: Any, method: str, params: Any = None, timeout: float = 60.0) -> Any:
        self.request(rid, method, params)
        return self.wait(rid, timeout)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.alive():
            try:
                self.call("bye", "shutdown", timeout=10)
                self.notify("exit")
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
        self.proc.wait()


def _key(rid: Any) -> str:
    return json.dumps(rid)
