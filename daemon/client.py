"""Talking to the daemon: an asyncio client for the language server, a blocking one for the CLI."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pied.daemon import protocol as p
from pied.daemon.messages import Message
from pied.errors import PiedError


class DaemonError(PiedError):
    """The daemon could not be reached, refused a request, or failed it.

    ``code`` is the kind of failure (the daemon's wire code mapped back by
    ``protocol.kind_of``); not reaching the daemon at all is ``not-available``.
    """

    def __init__(self, message: str, wire_code: int = p.NOT_AVAILABLE) -> None:
        super().__init__(message)
        self.wire_code = wire_code
        self.code = p.kind_of(wire_code)


class DaemonClient:
    """One connection to the daemon; requests may be awaited concurrently."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._task = asyncio.create_task(self._read())
        self.server: dict[str, Any] = {}
        self.closed = asyncio.Event()
        self.stopped = False  # closed on purpose: by this client, or the daemon stopping
        self._listeners: dict[int, Callable[[str], None]] = {}

    @classmethod
    async def connect(cls, socket_path: Path, name: str = "client") -> DaemonClient:
        try:
            reader, writer = await asyncio.open_unix_connection(str(socket_path))
        except OSError as e:
            raise DaemonError(f"cannot connect to the daemon at {socket_path}: {e}") from None
        client = cls(reader, writer)
        client.server = await client.request(
            "hello", {"version": p.PROTOCOL_VERSION, "client": name, "pid": os.getpid()}
        )
        return client

    async def _read(self) -> None:
        frames = p.FrameReader()
        try:
            while data := await self._reader.read(1 << 16):
                for body in frames.feed(data):
                    if isinstance(body, p.ProtocolError):
                        continue
                    msg = p.parse(body)
                    if msg.type == "notification":
                        self._notified(msg)
                        continue
                    future = self._pending.pop(msg.id, None) if msg.id is not None else None
                    if future is None or future.done():
                        continue
                    if msg.error is not None:
                        future.set_exception(
                            DaemonError(
                                str(msg.error.get("message")), int(msg.error.get("code", 0))
                            )
                        )
                    else:
                        future.set_result(msg.result)
        except (ConnectionError, p.ProtocolError):
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(DaemonError("the daemon closed the connection"))
            self._pending.clear()
            self.closed.set()

    def _notified(self, msg: p.Message) -> None:
        params = msg.params if isinstance(msg.params, dict) else {}
        if msg.method == "stopping":
            self.stopped = True
        listener = self._listeners.get(params.get("id", -1))
        if msg.method == "progress" and listener is not None:
            listener(str(params.get("message", "")))

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> Any:
        """The result of ``method``; ``progress`` hears the job's progress messages."""
        if self.closed.is_set():
            raise DaemonError("the connection to the daemon is closed")
        rid = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        if progress is not None:
            self._listeners[rid] = progress
        self._writer.write(p.request(rid, method, params))
        try:
            await self._writer.drain()
            return await future
        except asyncio.CancelledError:
            self._pending.pop(rid, None)
            if not self.closed.is_set():
                self._writer.write(p.notification("$/cancelRequest", {"id": rid}))
            raise
        except ConnectionError as e:
            self.closed.set()  # at once: the reader may see the end of the stream later
            raise DaemonError(f"lost the daemon: {e}") from None
        finally:
            self._listeners.pop(rid, None)

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        if self.closed.is_set():
            raise DaemonError("the connection to the daemon is closed")
        self._writer.write(p.notification(method, params))
        try:
            await self._writer.drain()
        except ConnectionError as e:
            self.closed.set()
            raise DaemonError(f"lost the daemon: {e}") from None

    async def ask(self, msg: Message, progress: Callable[[str], None] | None = None) -> Any:
        """The result of the request ``msg``."""
        return await self.request(msg.METHOD, msg.params(), progress)

    async def send(self, msg: Message) -> None:
        """The notification ``msg``."""
        await self.notify(msg.METHOD, msg.params())

    async def close(self) -> None:
        self.stopped = True
        self._writer.close()
        self._task.cancel()


def call(
    socket_path: Path,
    msg: Message | str,
    params: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Any:
    """One blocking request on a fresh connection: the message ``msg``, or the method ``msg``
    with ``params`` (``progress`` hears a job's progress)."""

    async def go() -> Any:
        client = await DaemonClient.connect(socket_path, "pied-cli")
        try:
            if isinstance(msg, Message):
                return await client.ask(msg, progress)
            return await client.request(msg, params, progress)
        finally:
            await client.close()

    return asyncio.run(go())
