"""llama.cpp's own server (or ``pied serve``), started on 127.0.0.1, and driven the way
llama.vim drives it.

The baseline for speed: the same model file in llama.cpp's ``llama-server`` (built by
``scripts/build-llama-server.sh`` from the vendored llama.cpp of the pinned
llama-cpp-python), asked for fill-in-the-middle on ``/infill`` with llama.vim's request
(``ggml-org/llama.vim autoload/llama.vim``, see ``shared/research/peers.md`` §3): 256 lines
before the cursor's line as ``input_prefix``, the line up to the cursor as ``prompt``, its
rest and 64 lines after as ``input_suffix``, ``cache_prompt``, top-k 40 / top-p 0.9 and the
infill sampler, 128 tokens, ``t_max_predict_ms`` 250 for the first request at a position;
the server runs with ``--cache-reuse 256`` as llama.vim's README says.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Self

N_PREFIX_LINES = 256
N_SUFFIX_LINES = 64
N_PREDICT = 128
T_MAX_PREDICT_MS = 250  # llama.vim's budget for the first request at a position
RESPONSE_FIELDS = [  # what llama.vim reads of an answer
    "content",
    "timings/prompt_n",
    "timings/prompt_ms",
    "timings/prompt_per_token_ms",
    "timings/prompt_per_second",
    "timings/predicted_n",
    "timings/predicted_ms",
    "timings/predicted_per_token_ms",
    "timings/predicted_per_second",
    "truncated",
    "tokens_cached",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """A FIM server process of our own on a loopback port, asked over HTTP (a context
    manager): llama-server, or ``pied serve``."""

    name = "the server"

    def __init__(
        self,
        args: list[str],
        port: int,
        *,
        env: dict[str, str] | None = None,
        log: Path | None = None,
    ) -> None:
        self.port = port
        self._env = env
        self._log = open(log, "ab") if log else None  # noqa: SIM115 (closed in stop)
        out = self._log or subprocess.DEVNULL
        self.proc = subprocess.Popen(
            args, stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=env
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.proc.returncode}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _ = self._request("GET", "/health", None, timeout=2)
                if status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not get ready in {timeout:.0f} s")

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None, timeout: float = 60
    ) -> tuple[int, dict[str, Any]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = json.dumps(body).encode() if body is not None else None
            headers = {"Content-Type": "application/json"} if data else {}
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            try:
                parsed = json.loads(raw) if raw else {}
            except ValueError:
                parsed = {}
            return response.status, parsed if isinstance(parsed, dict) else {}
        finally:
            conn.close()

    def infill(self, body: dict[str, Any]) -> dict[str, Any]:
        status, out = self._request("POST", "/infill", body)
        if status != 200:
            raise RuntimeError(f"{self.name} /infill answered {status}: {out}")
        return out

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not None:
            self._log.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LlamaServer(ServerProcess):
    """A ``llama-server`` process of our own on a free loopback port (a context manager)."""

    name = "llama-server"

    def __init__(
        self,
        binary: Path,
        model: Path,
        *,
        threads: int = 0,
        n_ctx: int = 8192,
        log: Path | None = None,
        port: int | None = None,
        api_key: str = "",
    ) -> None:
        port = port or _free_port()
        args = [
            str(binary),
            "-m",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "-c",
            str(n_ctx),
            "-np",
            "1",
            "-b",
            "1024",
            "-ub",
            "1024",
            "--cache-reuse",
            "256",
        ]
        if threads:
            args += ["-t", str(threads)]
        if api_key:  # as a team's server would: requests without it are refused
            args += ["--api-key", api_key]
        super().__init__(args, port, log=log)


class PiedServe(ServerProcess):
    """``pied serve`` with its own daemon (``env``: its runtime, state and config dirs)."""

    name = "pied serve"

    def __init__(self, env: dict[str, str], *, log: Path | None = None) -> None:
        port = _free_port()
        args = [sys.executable, "-m", "pied", "serve", "--port", str(port)]
        super().__init__(args, port, env=env, log=log)

    def status(self) -> dict[str, Any]:
        """The daemon's status (through its socket: the same daemon)."""
        proc = subprocess.run(
            [sys.executable, "-m", "pied", "daemon", "status", "--json"],
            env=self._env,
            capture_output=True,
            text=True,
        )
        return json.loads(proc.stdout) if proc.returncode == 0 else {}


def llama_vim_request(
    text: str, offset: int, t_max_predict_ms: int = T_MAX_PREDICT_MS
) -> dict[str, Any]:
    """The ``/infill`` body llama.vim sends for a cursor at ``offset`` of ``text``."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end == -1 else line_end
    before = text[:line_start].split("\n")[:-1][-N_PREFIX_LINES:]
    after = text[line_end + 1 :].split("\n")[:N_SUFFIX_LINES] if line_end < len(text) else []
    return {
        "input_prefix": "".join(line + "\n" for line in before),
        "input_suffix": text[offset:line_end] + "\n" + "".join(line + "\n" for line in after),
        "input_extra": [],
        "prompt": text[line_start:offset],
        "n_predict": N_PREDICT,
        "top_k": 40,
        "top_p": 0.90,
        "samplers": ["top_k", "top_p", "infill"],
        "stream": False,
        "cache_prompt": True,
        "t_max_prompt_ms": 500,
        "t_max_predict_ms": t_max_predict_ms,
        "response_fields": RESPONSE_FIELDS,
    }
