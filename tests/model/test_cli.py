"""The `pied` command as a user runs it."""

import ast
import json
import os
from pathlib import Path

import pytest

from tests.conftest import pied


@pytest.fixture
def env(daemon_env):
    return daemon_env


def test_complete_json_on_the_sample_file(env):
    proc = pied("complete", "samples/stats.py:24:5", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    keys = {"text", "prompt_tokens", "generated_tokens", "latency_ms", "model", "replaces"}
    assert set(out) == keys and out["replaces"] == ""  # at a fresh line: put in, no rest
    assert out["text"].strip() and out["generated_tokens"] > 0 and out["latency_ms"] > 0
    lines = Path("samples/stats.py").read_text().split("\n")
    lines[23] = "    " + out["text"]
    ast.parse("\n".join(lines))


CART_HEAD = "class Cart:\n    def __init__(self):\n        self.items = []\n\n"


@pytest.mark.parametrize(
    ("line", "col", "replaced"),
    [
        # At ``self|.ite.append(item)`` the model writes the line's rest again as
        # ``.items.append(item)``: put in at the cursor it would stand twice.
        ("    def add(self, item):\n        self.ite.append(item)\n", 13, (".ite.append(item)",)),
        # At ``len(self.i|t)`` the model writes ``items`` whole from the cursor: it replaces
        # ``t`` (or ``t)``, where it writes the line's end too).
        ("    def count(self):\n        return len(self.it)\n", 26, ("t", "t)")),
    ],
)
def test_complete_json_says_what_after_the_cursor_it_replaces(env, tmp_path, line, col, replaced):
    cart = tmp_path / "cart.py"
    cart.write_text(CART_HEAD + line)
    proc = pied("complete", f"{cart}:6:{col}", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["replaces"] in replaced, out
    row = (CART_HEAD + line).split("\n")[5]
    made = row[: col - 1] + out["text"] + row[col - 1 + len(out["replaces"]) :]
    wanted = ("self.items.append(item)", "returnlen(self.items")
    assert made.replace(" ", "").startswith(wanted), made


def test_complete_plain_prints_only_the_completion(env):
    proc = pied("complete", "samples/stats.py:24:5", "--no-daemon", env=env)
    assert proc.returncode == 0
    assert proc.stdout.strip() and "{" not in proc.stdout.split("\n")[0][:1]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("daemon", [True, False], ids=["daemon", "in-process"])
def test_missing_model_is_one_sentence(tmp_path, daemon):
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_RUNTIME_DIR": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    args = ["complete", "samples/stats.py:24:5"] + ([] if daemon else ["--no-daemon"])
    proc = pied(*args, env=env)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "pied: error: The 0.5b model is not installed yet: run `pied model install 0.5b`."
    )


@pytest.mark.parametrize("where", ["--no-daemon", "--daemon"])
def test_summarizing_an_empty_file_is_one_sentence(tmp_path, env, where):
    empty = tmp_path / "empty.py"
    empty.write_text("")
    args = ["summarize", str(empty)] + (["--no-daemon"] if where == "--no-daemon" else [])
    proc = pied(*args, env=env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        "pied: error: nothing to summarize: give a spreadsheet path or some code"
    )


def test_bad_locations_and_files(tmp_path, env):
    assert "expected FILE:LINE:COL" in pied("complete", "samples/stats.py", env=env).stderr
    assert "line 999 is out of range" in pied("complete", "samples/stats.py:999:1", env=env).stderr
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\x01\x02")
    proc = pied("complete", f"{binary}:1:1", env=env)
    assert proc.returncode == 2 and "binary" in proc.stderr and "Traceback" not in proc.stderr


def test_any_gguf_path_works_and_a_non_gguf_is_refused(model_path, tmp_path, env):
    proc = pied("complete", "samples/stats.py:24:5", "--model", model_path, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    bogus = tmp_path / "model.gguf"
    bogus.write_text("hello")
    proc = pied("complete", "samples/stats.py:24:5", "--model", str(bogus), env=env)
    assert proc.returncode == 2 and "not a GGUF model file" in proc.stderr


def test_model_list_shows_the_installed_default(env):
    proc = pied("model", "list", env=env)
    assert proc.returncode == 0
    assert "0.5b" in proc.stdout and "installed" in proc.stdout


def test_a_job_model_that_is_not_there_leaves_the_embedded_model_to_translate(tmp_path):
    config = tmp_path / "config" / "pied"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(f'job_model = "{tmp_path / "gone.gguf"}"\n')
    source = tmp_path / "a.cpp"
    source.write_text("int add_one(int x) {\n    return x + 1;\n}\n")
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = pied("translate", str(source), "--no-daemon", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "def add_one" in proc.stdout
    assert "answered by the 0.5b model (the job model" in proc.stderr
    assert "gone.gguf does not exist" in proc.stderr and "Traceback" not in proc.stderr


def test_next_edit_prints_the_call_site_after_a_rename_and_writes_nothing(tmp_path, env):
    old = "def getlist(key):\n    return [key]\n\n\ndef first(key):\n    return getlist(key)[0]\n"
    (tmp_path / "api.py.orig").write_text(old)
    now = tmp_path / "api.py"
    now.write_text(old.replace("def getlist", "def get_list"))
    before = now.read_text()
    proc = pied("next-edit", str(now), "--after", str(tmp_path / "api.py.orig"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "renamed `getlist` to `get_list`" in proc.stdout
    assert "-    return getlist(key)[0]\n+    return get_list(key)[0]" in proc.stdout
    assert now.read_text() == before
    same = pied("next-edit", str(now), "--after", str(now), env=env)
    assert same.returncode != 0 and "no edit to follow" in same.stderr
    missing = pied("next-edit", str(now), "--after", str(tmp_path / "nope.py"), env=env)
    assert missing.returncode != 0 and "nope.py" in missing.stderr
