"""`pied serve`: the daemon's HTTP front on the real model, asked the way llama.vim,
llama.vscode, Zed and Continue ask, and everything a broken client can send."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pied.bench.llamaserver import llama_vim_request
from tests.conftest import PIED, pied
from tests.support.nvim import headless_nvim
from tests.support.private import private_env
from tests.support.wait import wait_until

CODE = (
    "import os\n\n\ndef list_files(root):\n    return sorted(os.listdir(root))\n\n\n"
    "def count_files(root):\n    "
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Http:
    """A client of one `pied serve`."""

    def __init__(self, port: int, key: str = "") -> None:
        self.port = port
        self.key = key

    def ask(
        self, method: str, path: str, body: Any = None, raw: bytes | None = None
    ) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        try:
            conn.request(method, path, body=data, headers=headers)
            reply = conn.getresponse()
            payload = reply.read()
        finally:
            conn.close()
        kind = reply.getheader("Content-Type", "")
        return reply.status, json.loads(payload) if "json" in kind else payload.decode()

    def status(self, env: dict[str, str]) -> dict[str, Any]:
        proc = pied("daemon", "status", "--json", env=env)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Http, dict[str, str]]]:
    env = private_env(tmp_path_factory.mktemp("serve"))
    port = free_port()
    proc = subprocess.Popen([*PIED, "serve", "--port", str(port)], env=env)
    client = Http(port)

    def healthy() -> bool:
        try:
            return client.ask("GET", "/health")[0] == 200
        except OSError:
            return proc.poll() is not None  # (fails below with its exit code)

    wait_until(healthy, 120, "pied serve did not answer /health")
    assert proc.poll() is None, "pied serve exited"
    yield client, env
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)


def test_llama_vims_request_is_answered_and_an_edit_is_applied_not_encoded_again(served):
    client, env = served
    # The sample with forty small functions above stdev, as a real file has: stdev's own
    # prompt (its suffix cut at median's def) is ~150 tokens, where a guard of a few dozen
    # re-encoded tokens after the edit broke the 10x below (seen once in CI).
    sample = Path("samples/stats.py").read_text()
    helpers = "".join(f"def helper_{i}(x):\n    return x * {i} + {i * 7}\n\n\n" for i in range(40))
    text = sample.replace("def mean(", helpers + "def mean(", 1)
    body = '    """Population standard deviation."""\n'
    cursor = text.index(body) + len(body) + 4  # the empty body of stdev(), indented
    status, first = client.ask("POST", "/infill", llama_vim_request(text, cursor))
    assert status == 200 and first["content"].strip(), json.dumps(first)
    assert set(first) >= {"content", "timings/prompt_n", "tokens_cached"}
    # The user adds a line at the top: the next request is the same file but that line.
    text, cursor = "# edited\n" + text, cursor + len("# edited\n")
    status, second = client.ask("POST", "/infill", llama_vim_request(text, cursor))
    assert status == 200, second
    cached, encoded = second["tokens_cached"], second["timings/prompt_n"]
    assert cached > 10 * encoded, second  # PIE: the file is not encoded again
    assert len(client.status(env)["http"]["documents"]) == 1  # one stream, one document


def test_a_word_finished_from_inside_it_is_not_put_in_beside_its_rest(served):
    # At ``len(self.i|t)`` the model writes ``tems)``: a replacement of ``t)``, which
    # llama.vim, putting content in at the cursor, cannot make (``self.itemst)``).
    client, _ = served
    text = "class Cart:\n    def count(self):\n        return len(self.it)\n"
    cursor = text.index("self.it") + len("self.i")
    status, out = client.ask("POST", "/infill", llama_vim_request(text, cursor))
    assert status == 200, out
    line = text[:cursor].split("\n")[-1] + out["content"].split("\n")[0] + "t)"
    assert "itemst" not in line and "))" not in line, out


def test_llama_vscodes_n_cmpl_returns_a_list(served):
    client, _ = served
    body = {"input_prefix": CODE, "input_suffix": "\n", "n_cmpl": 3, "n_predict": 24}
    status, out = client.ask("POST", "/infill", body)
    assert status == 200 and isinstance(out, list) and 1 <= len(out) <= 3, out
    assert all("content" in x and "timings" in x for x in out)


def test_continue_and_zed_on_v1_completions_and_streaming(served):
    client, _ = served
    plain = {"prompt": CODE, "suffix": "\n", "max_tokens": 24, "model": "qwen2.5-coder:1.5b"}
    status, out = client.ask("POST", "/v1/completions", plain)
    assert status == 200 and out["choices"][0]["text"].strip(), out
    zed = {"prompt": f"<|fim_prefix|>{CODE}<|fim_suffix|>\n<|fim_middle|>", "max_tokens": 24}
    status, templated = client.ask("POST", "/v1/completions", zed)
    assert status == 200 and templated["choices"][0]["text"] == out["choices"][0]["text"]
    status, events = client.ask("POST", "/v1/completions", {**plain, "stream": True})
    assert status == 200 and events.rstrip().endswith("data: [DONE]"), events
    first = json.loads(events.split("data: ", 2)[1])
    assert first["choices"][0]["text"] == out["choices"][0]["text"]
    status, models = client.ask("GET", "/v1/models")
    assert status == 200 and models["data"][0]["id"]
    status, props = client.ask("GET", "/props")
    assert status == 200 and props["default_generation_settings"]["n_ctx"] > 0


@pytest.mark.parametrize(
    ("method", "path", "raw", "code", "says"),
    [
        ("POST", "/infill", b"{not json", 400, "not valid JSON"),
        ("POST", "/infill", b"[1, 2]", 400, "JSON object"),
        ("POST", "/infill", b'{"input_prefix": 5}', 400, "input_prefix must be a string"),
        ("POST", "/infill", b'{"n_cmpl": 99}', 400, "n_cmpl must be from 1 to 5"),
        ("POST", "/infill", b"\xff\xfe", 400, "not UTF-8"),
        ("POST", "/v1/chat/completions", b"{}", 404, "not chat"),
        ("GET", "/nothing", None, 404, "pied has no /nothing"),
        ("GET", "/infill", None, 405, "takes POST"),
    ],
)
def test_a_bad_request_gets_a_json_error_with_a_sentence(served, method, path, raw, code, says):
    client, _ = served
    status, out = client.ask(method, path, raw=raw)
    assert status == code, out
    assert says in out["error"]["message"], out


def test_missing_fields_are_defaults_and_an_empty_text_is_answered(served):
    client, _ = served
    status, out = client.ask("POST", "/infill", {})
    assert status == 200 and isinstance(out["content"], str), out
    status, out = client.ask("POST", "/v1/completions", {"max_tokens": 8})
    assert status == 200 and isinstance(out["choices"][0]["text"], str), out


def test_a_20_mib_body_is_refused_and_the_daemon_goes_on(served):
    client, _ = served
    with socket.create_connection(("127.0.0.1", client.port), timeout=30) as s:
        s.sendall(b"POST /infill HTTP/1.1\r\nContent-Length: 20971520\r\n\r\n" + b"x" * 65536)
        reply = s.recv(4096).decode()
    assert reply.startswith("HTTP/1.1 413") and "limit" in reply
    assert client.ask("GET", "/health")[0] == 200


def test_a_client_that_hangs_up_cancels_its_job_and_fifty_clients_are_all_answered(served):
    client, env = served
    before = client.status(env)["http"]["cancelled_by_disconnect"]
    body = json.dumps({"input_prefix": CODE * 40, "input_suffix": "\n", "n_predict": 200})
    with socket.create_connection(("127.0.0.1", client.port), timeout=30) as s:
        s.sendall(
            f"POST /infill HTTP/1.1\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()
        )  # and hangs up at once
    wait_until(
        lambda: client.status(env)["http"]["cancelled_by_disconnect"] > before,
        60,
        "the job of a client that went away was not cancelled",
    )
    answers: list[int] = []

    def one(i: int) -> None:
        text = f"# client {i}\n" + CODE
        answers.append(client.ask("POST", "/infill", llama_vim_request(text, len(text)))[0])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert sorted(set(answers)) == [200] and len(answers) == 50, answers
    # An editor's request on the same daemon is answered as ever.
    proc = pied("complete", f"{Path('samples/stats.py')}:24:5", "--json", env=env)
    assert proc.returncode == 0 and json.loads(proc.stdout)["text"].strip(), proc.stderr


def test_any_address_but_loopback_needs_a_key_and_a_key_is_checked(tmp_path):
    env = private_env(tmp_path)
    refused = pied("serve", "--host", "0.0.0.0", "--port", str(free_port()), env=env, timeout=120)
    assert refused.returncode != 0 and "API key" in refused.stderr, refused.stderr
    port = free_port()
    proc = subprocess.Popen([*PIED, "serve", "--port", str(port), "--api-key", "s3cret"], env=env)
    try:
        wait_until(lambda: _health(port), 120, "pied serve did not answer /health")
        status, out = Http(port).ask("GET", "/v1/models")
        assert status == 401 and "Bearer" in out["error"]["message"]
        assert Http(port, "s3cret").ask("GET", "/v1/models")[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def _health(port: int) -> bool:
    try:
        return Http(port).ask("GET", "/health")[0] == 200
    except OSError:
        return False


LLAMA_VIM = Path(__file__).resolve().parents[3] / "shared" / "clients" / "llama.vim"


@pytest.fixture
def llama_vim(served, tmp_path: Path) -> Iterator[Any]:
    """Headless Neovim with the real llama.vim plugin pointed at `pied serve`."""

    client, env = served
    assert LLAMA_VIM.is_dir(), f"the llama.vim plugin is at {LLAMA_VIM}"
    with headless_nvim(env, tmp_path) as nvim:
        endpoint = f"http://127.0.0.1:{client.port}/infill"
        nvim.command(f"let g:llama_config = {{'endpoint_fim': '{endpoint}', 'show_info': 0}}")
        nvim.command(f"set runtimepath^={LLAMA_VIM}")
        nvim.command("runtime! plugin/llama.vim")
        yield nvim


def test_the_real_llama_vim_shows_a_suggestion_and_accepts_it(served, llama_vim, tmp_path):
    client, env = served
    nvim = llama_vim
    helpers = "".join(
        f"def helper_{i}(path):\n    return os.path.join(path, {str(i)!r})\n\n\n" for i in range(40)
    )
    source = "import os\n\n\n" + helpers + Path("samples/stats.py").read_text()
    path = tmp_path / "stats.py"  # ~1,000 tokens: encoding it again would show
    path.write_text(source)
    nvim.command(f"edit {path}")
    line = source.split("\n").index('    """Population standard deviation."""') + 2
    assert not nvim.current.buffer[line - 1].strip()  # the body of stdev(), empty
    nvim.call("cursor", line, 1)
    nvim.input("S    ")  # the user starts the body; llama.vim asks on every cursor move

    def shown() -> bool:
        return bool(nvim.call("llama#is_fim_hint_shown"))

    wait_until(shown, 120, "llama.vim showed no suggestion from pied")
    before = client.status(env)

    def accepted() -> bool:
        """Tab while the suggestion is shown (one replaced just then leaves a tab: undone)."""
        text = nvim.current.buffer[line - 1]
        if text.strip():
            return True
        if text.endswith("\t"):
            nvim.input("<BS>")
        if shown():
            nvim.input("<Tab>")
        return False

    wait_until(accepted, 120, "Tab did not take llama.vim's suggestion")
    assert nvim.current.buffer[line - 1].startswith("    ")
    # The user goes on typing: llama.vim sends the whole window again; pied edits its cache.
    nvim.input("<CR>x")
    wait_until(
        lambda: client.status(env)["http"]["requests"] > before["http"]["requests"] + 1,
        60,
        "llama.vim asked nothing after the edit",
    )
    wait_until(shown, 120, "no suggestion after the edit")
    after = client.status(env)
    # Each answer after the edits encoded what changed (PIE), not the file (~1,000 tokens).
    made = after["completions"] - before["completions"]
    assert made >= 1, (before["completions"], after["completions"])
    encoded = [p["encoded_tokens"] for p in after["latency_ms"]["recent"][-made:]]
    assert max(encoded) < 250, encoded
    assert set(after["http"]["documents"]) == set(before["http"]["documents"])  # one stream
