"""The daemon's socket server: connections, the handshake, dispatch, replies.

One asyncio loop serves every connection; model work happens on the scheduler's
thread, and its results come back to the loop as futures. A broken message gets an
error reply on its own connection and nothing else changes.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import os
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol

from pied import __version__
from pied.daemon import protocol as p
from pied.daemon.httpfront import HttpConfig, HttpFront
from pied.daemon.service import CANCELLED_BY_CLIENT, Service
from pied.engine.scheduler import Cancelled
from pied.errors import BadInput, PiedError

log = logging.getLogger("pied.server")

HELLO_TIMEOUT_S = 10.0  # a connection that has not said hello by then is closed


class RuntimeClaim(Protocol):
    """The daemon's hold on its runtime dir (``lifecycle.Claim``)."""

    def intact(self) -> bool: ...
    def take(self) -> bool: ...


NOTIFICATIONS = {"open", "change", "close", "cursor", "accepted", "workspace", "$/cancelRequest"}
REQUESTS = {"hello", "complete", "nextEdit", "status", "shutdown", "translate", "summarize"}


class Connection:
    """One client: its writer, handshake state and requests in flight."""

    def __init__(self, conn_id: int, writer: asyncio.StreamWriter, needs_token: bool) -> None:
        self.id = conn_id
        self.writer = writer
        self.greeted = False
        self.needs_token = needs_token
        self.pending: dict[int, Future[Any]] = {}

    def send(self, frame: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(frame)


class Server:
    """Serves ``service`` on a unix socket (and, if asked, on loopback TCP with a token)."""

    def __init__(self, service: Service, token: str | None = None) -> None:
        self.service = service
        self.token = token
        self._ids = itertools.count(1)
        self._stop = asyncio.Event()
        self.connections: dict[int, Connection] = {}
        self._client_tasks: set[asyncio.Task[None]] = set()
        self._socket_path = Path()
        self._socket_ino = -1
        self._claim: RuntimeClaim | None = None
        self.http: HttpFront | None = None  # the HTTP front, when asked for

    async def serve(
        self,
        socket_path: Path,
        tcp_port: int | None = None,
        claim: RuntimeClaim | None = None,
        http: HttpConfig | None = None,
    ) -> None:
        self._socket_path = socket_path
        self._claim = claim
        self.service.owner.bind(asyncio.get_running_loop())  # the state is this thread's
        if http is not None:  # first: a port in use fails the start, not the first request
            self.http = HttpFront(self.service, next(self._ids), http)
            await self.http.start()
        self._unix = await self._bind(socket_path)
        tcp = None
        if tcp_port is not None:
            tcp = await asyncio.start_server(
                lambda r, w: self._client(r, w, tcp=True), host="127.0.0.1", port=tcp_port
            )
        idle = asyncio.create_task(self._idle_loop())
        log.info("serving on %s", socket_path)
        try:
            await self._stop.wait()
        finally:
            idle.cancel()
            if self.http is not None:
                await self.http.stop()
            for s in (self._unix, tcp):
                if s is not None:
                    s.close()
            for c in list(self.connections.values()):
                c.send(p.notification("stopping", {}))  # not a crash: do not restart me
                c.writer.close()
            # Let the client handlers end before the loop closes (no "Task was destroyed").
            tasks = list(self._client_tasks)
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._reachable():  # never another daemon's socket
                socket_path.unlink(missing_ok=True)

    def stop(self) -> None:
        self._stop.set()

    async def _bind(self, socket_path: Path) -> asyncio.Server:
        socket_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(socket_path.parent, 0o700)
        socket_path.unlink(missing_ok=True)
        old_umask = os.umask(0o177)  # the socket is born 0600
        try:
            server = await asyncio.start_unix_server(
                lambda r, w: self._client(r, w, tcp=False), path=str(socket_path)
            )
        finally:
            os.umask(old_umask)
        self._socket_ino = socket_path.stat().st_ino
        return server

    def _reachable(self) -> bool:
        """Whether the runtime dir still holds this daemon's lock and socket."""
        if self._claim is not None and not self._claim.intact():
            return False
        try:
            return self._socket_path.stat().st_ino == self._socket_ino
        except OSError:
            return False

    async def _reclaim(self) -> None:
        """The runtime dir (or the socket in it) was removed under this daemon: claim it again
        and serve on a new socket, so the editors' next request finds this daemon and its
        caches, not a second daemon; exit if another daemon has taken the dir meanwhile."""
        if self._claim is not None and not self._claim.intact() and not self._claim.take():
            log.error("another daemon took over %s: exiting", self._socket_path.parent)
            self.stop()
            return
        log.warning("%s was removed: serving on a new socket", self._socket_path)
        self._unix.close()
        self._unix = await self._bind(self._socket_path)

    async def _idle_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                if not self._reachable():
                    await self._reclaim()
            except OSError:
                log.exception("could not serve on %s again", self._socket_path)
            try:
                self.service.idle()
            except Exception:  # background upkeep must never end the loop that runs it
                log.exception("idle work failed")
            # An HTTP front is a client that is always there (its clients cannot start pied).
            left = self.service.exits_in(len(self.connections) + (self.http is not None))
            if left is not None and left <= 0:
                minutes = self.service.settings.keep_alive_minutes
                log.info("no client for %g minutes: exiting (the next request starts it)", minutes)
                self.stop()
                return

    async def _client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, tcp: bool
    ) -> None:
        conn = Connection(next(self._ids), writer, needs_token=tcp)
        self.connections[conn.id] = conn
        task = asyncio.current_task()
        if task is not None:
            self._client_tasks.add(task)
        frames = p.FrameReader()
        silent = asyncio.get_running_loop().call_later(HELLO_TIMEOUT_S, self._drop_silent, conn)
        try:
            while data := await reader.read(1 << 16):
                for item in frames.feed(data):
                    if isinstance(item, p.ProtocolError):
                        conn.send(p.wire_error(None, item))
                        continue
                    self._handle(conn, item)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass  # the daemon stops: end quietly (asyncio logs a cancelled handler's task)
        finally:
            silent.cancel()
            for future in conn.pending.values():
                self.service.cancel(future, "the client went away")
            self.service.disconnect(conn.id)
            del self.connections[conn.id]
            writer.close()
            if task is not None:
                self._client_tasks.discard(task)

    def _drop_silent(self, conn: Connection) -> None:
        """Close a connection that never said hello (it would hold the daemon alive)."""
        if not conn.greeted:
            log.info("connection %d said nothing for %g s: closed", conn.id, HELLO_TIMEOUT_S)
            conn.writer.close()

    def _handle(self, conn: Connection, body: bytes) -> None:
        try:
            msg = p.parse(body)
        except p.ProtocolError as e:
            conn.send(p.wire_error(e.request_id, e))
            return
        if msg.type == "response":
            conn.send(p.error(msg.id, p.INVALID_REQUEST, "clients send requests, not responses"))
            return
        if msg.type == "request" and msg.method == "hello":
            self._hello(conn, msg)
            return
        if not conn.greeted:
            conn.send(p.error(msg.id, p.HANDSHAKE_REQUIRED, "say hello first"))
            return
        try:
            if msg.type == "notification":
                self._notification(conn, msg)
            else:
                self._request(conn, msg)
        except PiedError as e:
            conn.send(p.wire_error(msg.id, e))
        except Exception as e:  # a bug in pied: logged, answered, and the daemon goes on
            log.exception("handling %s failed", msg.method)
            conn.send(p.wire_error(msg.id, e))

    def _hello(self, conn: Connection, msg: p.Message) -> None:
        version = msg.params.get("version")
        if version != p.PROTOCOL_VERSION:
            conn.send(
                p.error(
                    msg.id,
                    p.VERSION_MISMATCH,
                    f"protocol version {version!r} is not {p.PROTOCOL_VERSION}; "
                    "restart the daemon with `pied daemon restart`",
                )
            )
            return
        if conn.needs_token:
            given = str(msg.params.get("token", ""))
            if not self.token or not hmac.compare_digest(given, self.token):
                conn.send(p.error(msg.id, p.INVALID_REQUEST, "a valid token is required"))
                return
        conn.greeted = True
        info = self.service.engine.backend.info
        conn.send(
            p.result(
                msg.id,
                {
                    "version": p.PROTOCOL_VERSION,
                    "server": __version__,
                    "pid": os.getpid(),
                    "model": self.service.engine.model.name,
                    "model_path": info.path,
                },
            )
        )

    def _notification(self, conn: Connection, msg: p.Message) -> None:
        s = self.service
        handlers: dict[str, Callable[[int, dict[str, Any]], None]] = {
            "open": s.open,
            "change": s.change,
            "close": s.close,
            "cursor": s.cursor,
            "accepted": s.accepted,
            "workspace": self._workspace,
            "$/cancelRequest": lambda _c, params: self._cancel(conn, params),
        }
        handler = handlers.get(msg.method)
        if handler is None:
            conn.send(p.error(None, p.METHOD_NOT_FOUND, f"unknown notification {msg.method!r}"))
            return
        handler(conn.id, msg.params)

    def _workspace(self, _conn: int, params: dict[str, Any]) -> None:
        roots = params.get("roots", [])
        if not isinstance(roots, list):
            raise BadInput("roots must be a list of directories")
        for root in roots:
            if not isinstance(root, str):
                raise BadInput("roots must be a list of directories")
            try:
                self.service.context.add_root(root)
            except (OSError, ValueError) as e:  # a name too long, a NUL byte...
                raise BadInput(f"the workspace root {root[:80]!r} cannot be used: {e}") from None

    def _cancel(self, conn: Connection, params: dict[str, Any]) -> None:
        rid = params.get("id")
        if not isinstance(rid, int):
            raise BadInput("$/cancelRequest needs the id of a request")
        future = conn.pending.get(rid)
        if future is not None:
            self.service.cancel(future, CANCELLED_BY_CLIENT)

    def _request(self, conn: Connection, msg: p.Message) -> None:
        assert msg.id is not None
        rid = msg.id
        if msg.method == "status":
            status = self.service.status()
            if self.http is not None:
                status["http"] = self.http.status()
            conn.send(p.result(rid, status))
        elif msg.method == "shutdown":
            conn.send(p.result(rid, {"stopping": True}))
            asyncio.get_running_loop().call_soon(self.stop)
        elif msg.method == "complete":
            self._track(conn, rid, self.service.complete(conn.id, msg.params))
        elif msg.method == "nextEdit":
            self._track(conn, rid, self.service.next_edit(conn.id, msg.params))
        elif msg.method == "summarize":
            progress = self._progress(conn, rid)
            self._track(conn, rid, self.service.summarize(conn.id, msg.params, progress))
        elif msg.method == "translate":
            progress = self._progress(conn, rid)
            self._track(conn, rid, self.service.translate(conn.id, msg.params, progress))
        else:
            conn.send(p.error(rid, p.METHOD_NOT_FOUND, f"unknown method {msg.method!r}"))

    def _progress(self, conn: Connection, rid: int) -> Callable[[str], None]:
        """A job's progress as ``progress`` notifications {id, message} to its requester
        (called from the model's thread)."""
        loop = asyncio.get_running_loop()

        def send(message: str) -> None:
            frame = p.notification("progress", {"id": rid, "message": message})
            loop.call_soon_threadsafe(conn.send, frame)

        return send

    def _track(self, conn: Connection, rid: int, future: Future[Any]) -> None:
        """Reply when the job is done: a result, an empty result, or an error."""
        conn.pending[rid] = future
        loop = asyncio.get_running_loop()

        def done(f: Future[Any]) -> None:
            loop.call_soon_threadsafe(self._reply, conn, rid, f)

        future.add_done_callback(done)

    def _reply(self, conn: Connection, rid: int, future: Future[Any]) -> None:
        conn.pending.pop(rid, None)
        exc = future.exception()
        if exc is None:
            conn.send(p.result(rid, future.result()))
        elif isinstance(exc, Cancelled):
            if exc.reason == "superseded":
                conn.send(p.result(rid, {"text": "", "superseded": True}))
            else:
                conn.send(p.error(rid, p.REQUEST_CANCELLED, exc.reason))
        else:
            if not isinstance(exc, PiedError):
                log.error("job %d failed", rid, exc_info=exc)
            conn.send(p.wire_error(rid, exc))
