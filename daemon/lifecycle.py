"""Starting, finding and stopping the one daemon of a user.

The daemon lives in ``$XDG_RUNTIME_DIR/pied`` (0700): ``daemon.sock`` (0600), its pid in
``daemon.pid``, and ``daemon.lock``, an advisory lock held while it runs, so a second
daemon refuses to start and a stale socket or pid file is recognised and replaced.
The socket appears only once the model is loaded: connectable means ready.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from pied import log as pied_log
from pied import paths
from pied.config import Settings
from pied.daemon.client import DaemonError, call

log = logging.getLogger("pied.daemon")


def socket_path() -> Path:
    return paths.runtime_dir() / "daemon.sock"


def pid_path() -> Path:
    return paths.runtime_dir() / "daemon.pid"


def lock_path() -> Path:
    return paths.runtime_dir() / "daemon.lock"


def log_path() -> Path:
    """The daemon's log: in the state dir, or in the runtime dir where that cannot be written."""
    state = paths.state_dir()
    try:
        state.mkdir(parents=True, exist_ok=True)
        if os.access(state, os.W_OK):
            return state / "daemon.log"
    except OSError:
        pass
    return paths.runtime_dir() / "daemon.log"


def _ensure_runtime_dir() -> Path:
    d = paths.runtime_dir()
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(d, 0o700)
    return d


class Claim:
    """This daemon's hold on the runtime dir: the lock held, the pid file written.

    If the dir is removed under a live daemon (a cleaner, a logout), ``intact`` turns
    False and ``take`` claims a new one, unless another daemon has taken it meanwhile.
    """

    def __init__(self) -> None:
        self._file: IO[str] | None = None
        self.token: str | None = None  # the TCP listener's, written beside the pid

    def write_token(self) -> None:
        if self.token is not None:
            token_file = paths.runtime_dir() / "daemon.token"
            token_file.touch(mode=0o600)
            token_file.write_text(self.token)

    def take(self) -> bool:
        """Lock the runtime dir and write the pid file; False if another daemon holds it."""
        self.release()
        _ensure_runtime_dir()
        f = open(lock_path(), "a+")  # noqa: SIM115 - held for the daemon's life
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            return False
        self._file = f
        pid_path().write_text(f"{os.getpid()}\n")
        self.write_token()
        return True

    def intact(self) -> bool:
        """Whether the lock file on disk is still the one this daemon holds."""
        if self._file is None:
            return False
        try:
            return os.stat(lock_path()).st_ino == os.fstat(self._file.fileno()).st_ino
        except OSError:
            return False

    def release(self) -> None:
        if self._file is None:
            return
        if self.intact():
            pid_path().unlink(missing_ok=True)
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()
        self._file = None


def running_pid() -> int | None:
    """The pid of a live daemon (one that holds the lock), else None."""
    try:
        with open(lock_path(), "a+") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pass
            else:
                fcntl.flock(f, fcntl.LOCK_UN)
                return None
    except OSError:
        return None
    try:
        return int(pid_path().read_text().strip())
    except (OSError, ValueError):
        return -1  # locked but the pid file is missing: still starting


def is_ready() -> bool:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(str(socket_path()))
        return True
    except OSError:
        return False
    finally:
        s.close()


def run(
    settings: Settings,
    *,
    tcp_port: int | None = None,
    verbosity: int = 1,
    http_key: str | None = None,
) -> int:
    """Run the daemon in this process until it is told to stop. Returns an exit code."""
    from concurrent.futures import ThreadPoolExecutor

    from pied.models.loading import load_backend

    _ensure_runtime_dir()
    # Started by ``start`` the daemon's stderr already is its log file.
    pied_log.setup(verbosity, log_path() if sys.stderr.isatty() else None)
    claim = Claim()
    if not claim.take():
        pid = running_pid()
        print(f"pied: error: a daemon is already running (pid {pid}).", file=sys.stderr)
        return 1
    try:
        # The model loads (in C, without the GIL) while the rest of the daemon is imported.
        with ThreadPoolExecutor(1, thread_name_prefix="pied-load") as pool:
            loading = pool.submit(load_backend, settings)
            from pied.daemon.httpfront import http_config
            from pied.daemon.server import Server
            from pied.daemon.service import Service
            from pied.engine.engine import Engine, disk_store, model_label

            backend = loading.result()
        engine = Engine(
            backend,
            settings,
            model_name=model_label(settings, backend),
            disk=disk_store(settings, backend),
        )
        service = Service(engine, settings)
        if tcp_port is not None:
            claim.token = os.urandom(16).hex()
            claim.write_token()
        server = Server(service, claim.token)
        service.start()
        loop = asyncio.new_event_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, server.stop)
        log.info("pied daemon %d ready with %s", os.getpid(), backend.info.path)
        try:
            http = http_config(settings, http_key)
            loop.run_until_complete(server.serve(socket_path(), tcp_port, claim, http))
        finally:
            service.stop()
            loop.close()
        return 0
    finally:
        claim.release()


def _last_error(since: int) -> str | None:
    """The daemon's last error line logged after byte ``since`` of its log."""
    try:
        with open(log_path(), encoding="utf-8", errors="replace") as f:
            f.seek(since)
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        if "pied: error: " in line:
            return line.split("pied: error: ", 1)[1]
        if " ERROR " in line:
            return line.split(": ", 2)[-1]
    return None


def start(timeout: float = 120.0) -> int:
    """Start the daemon in the background if none runs; wait until it is ready. Its pid."""
    pid = running_pid()
    if pid is not None and pid > 0 and is_ready():
        return pid
    _ensure_runtime_dir()
    log_file = log_path()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    since = log_file.stat().st_size if log_file.exists() else 0
    with open(log_file, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pied", "daemon", "run"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_ready():
            return running_pid() or proc.pid
        if proc.poll() is not None:
            if is_ready():  # another client's daemon won the race
                return running_pid() or -1
            if running_pid() is not None:  # ... and is still loading its model: wait for it
                time.sleep(0.05)
                continue
            reason = _last_error(since) or f"it exited with code {proc.returncode}"
            raise DaemonError(reason)
        time.sleep(0.05)
    raise DaemonError(f"the daemon did not get ready in {timeout:.0f} s; see {log_file}")


def stop(timeout: float = 10.0) -> bool:
    """Stop the running daemon. False if none was running."""
    pid = running_pid()
    if pid is None:
        socket_path().unlink(missing_ok=True)
        return False
    try:
        call(socket_path(), "shutdown")
    except (DaemonError, OSError):
        if pid > 0:
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running_pid() is None:
            return True
        time.sleep(0.05)
    if pid > 0:
        os.kill(pid, signal.SIGKILL)
    return True
