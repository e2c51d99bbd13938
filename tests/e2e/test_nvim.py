"""Headless Neovim 0.12 (from PyPI) with the plugin, driving real buffers through pied."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pynvim
import pytest

from tests.support.nvim import NVIM, headless_nvim
from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "editors" / "nvim"

CODE = (
    "import os\n\n\ndef list_files(root):\n    return sorted(os.listdir(root))\n\n\n"
    "def count_files(root):\n    "
)


def wait(nvim: pynvim.Nvim, probe: str, timeout: float = 120.0) -> Any:
    """Poll a Lua expression until it is truthy; its value."""
    return wait_until(lambda: nvim.exec_lua(f"return {probe}"), timeout, f"no {probe}")


@pytest.fixture
def nvim(daemon: dict[str, str], tmp_path: Path) -> Iterator[pynvim.Nvim]:
    with headless_nvim(daemon, tmp_path) as client:
        client.exec_lua(
            "vim.opt.rtp:prepend(...); vim.cmd('runtime! plugin/pied.lua');"
            " require('pied').setup({ cmd = { select(2, ...), '-m', 'pied', 'lsp' },"
            " server = { maxTokens = 32 } })",
            str(PLUGIN),
            sys.executable,
        )
        yield client


def open_python(nvim: pynvim.Nvim, tmp_path: Path, text: str = CODE) -> Path:
    path = tmp_path / "example.py"
    path.write_text(text)
    nvim.command(f"edit {path}")
    wait(nvim, "require('pied').client(0) ~= nil")
    return path


def test_type_see_a_suggestion_and_accept_it(nvim, tmp_path):
    assert nvim.exec_lua("return vim.fn.has('nvim-0.12')") == 1
    open_python(nvim, tmp_path)
    last = len(CODE.split("\n"))
    nvim.call("cursor", last, 5)
    nvim.input("A")  # insert mode at the end of the body line
    nvim.input("t")  # type: the built-in inline completion asks after a pause
    suggestion = wait(nvim, "require('pied.inline').current()")
    assert isinstance(suggestion, str) and suggestion.strip()
    nvim.input("<Tab>")
    wait(nvim, "require('pied.inline').current() == nil")
    lines = wait(
        nvim,
        f"#vim.api.nvim_buf_get_lines(0, 0, -1, false)[{last}] > 5 and "
        "vim.api.nvim_buf_get_lines(0, 0, -1, false)",
    )
    body = "\n".join(lines[last - 1 :])
    assert body.strip().startswith("t")
    assert len(body.strip()) > 1  # more than what was typed was accepted
    compile("\n".join(lines) + "\n", "example.py", "exec")  # still valid Python


def test_accept_word_takes_one_word(nvim, tmp_path):
    open_python(nvim, tmp_path)
    last = len(CODE.split("\n"))
    nvim.call("cursor", last, 5)
    nvim.input("Ar")
    suggestion = wait(nvim, "require('pied.inline').current()")
    nvim.input("<C-Right>")
    wait(nvim, f"vim.api.nvim_buf_get_lines(0, {last - 1}, {last}, false)[1]:match('^%s*r.')")
    line = nvim.current.buffer[last - 1]
    accepted = line.strip()
    assert accepted.startswith("r") and len(accepted) > 1
    assert len(accepted) <= len(suggestion.strip()) + 1


def test_dismiss_hides_the_suggestion(nvim, tmp_path):
    open_python(nvim, tmp_path)
    last = len(CODE.split("\n"))
    nvim.call("cursor", last, 5)
    nvim.input("Ar")
    wait(nvim, "require('pied.inline').current()")
    nvim.input("<C-]>")
    wait(nvim, "require('pied.inline').current() == nil")
    assert nvim.current.buffer[last - 1].strip() == "r"


def test_commands_and_health(nvim, tmp_path):
    open_python(nvim, tmp_path)
    assert nvim.exec_lua("return vim.fn.exists(':PiedTranslate') == 2")
    assert nvim.exec_lua("return vim.fn.exists(':PiedSummarize') == 2")
    nvim.command("PiedStatus")
    status = wait(
        nvim,
        "vim.api.nvim_win_get_config(0).relative ~= '' and "
        "table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n')",
    )
    assert "model" in status and "latency" in status
    nvim.command("close")
    nvim.command("checkhealth pied")
    report = "\n".join(nvim.current.buffer[:])
    assert "found" in report and "daemon pid" in report


def test_pied_off_path_is_found_in_the_usual_places_or_health_says_how(nvim, tmp_path):
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    project.mkdir()
    nvim.exec_lua(
        "vim.env.PATH = '/usr/bin:/bin'; vim.env.HOME = ...; vim.fn.chdir(select(2, ...))"
        "; require('pied.config').options.cmd = { 'pied', 'lsp' }",
        str(home),
        str(project),
    )
    resolve = (
        "local c, p = require('pied.config').resolve({ 'pied', 'lsp' })"
        "; return {c or {}, p or vim.NIL}"
    )
    cmd, problem = nvim.exec_lua(resolve)
    assert cmd == [] and problem.startswith("pied is not installed or not on PATH")
    nvim.command("checkhealth pied")
    report = "\n".join(nvim.current.buffer[:])
    assert "pied is not installed or not on PATH" in report and "pipx install" in report
    venv_pied = project / ".venv" / "bin" / "pied"
    venv_pied.parent.mkdir(parents=True)
    venv_pied.write_text("#!/bin/sh\n")
    venv_pied.chmod(0o755)
    cmd, problem = nvim.exec_lua(resolve)
    assert cmd == [str(venv_pied), "lsp"] and problem is None


def test_lsp_config_file_is_a_valid_vim_lsp_config(nvim):
    config = nvim.exec_lua(f"return dofile('{PLUGIN / 'lsp' / 'pied.lua'}')")
    assert config["cmd"] == ["pied", "lsp"]
    assert "python" in config["filetypes"]


def test_nvim_on_path_is_the_pypi_build():
    assert shutil.which("nvim", path=str(NVIM.parent)) == str(NVIM)
    out = subprocess.run([str(NVIM), "--version"], capture_output=True, text=True).stdout
    assert out.startswith("NVIM v0.12")
    assert os.access(NVIM, os.X_OK)


def test_pied_translate_opens_python_in_a_new_buffer(nvim, tmp_path):
    path = tmp_path / "twice.js"
    path.write_text("function twice(x) {\n  return 2 * x;\n}\nconsole.log(twice(21));\n")
    nvim.command(f"edit {path}")
    nvim.command("set filetype=javascript")
    wait(nvim, "require('pied').client(0) ~= nil")
    nvim.command("PiedTranslate")
    text = wait(
        nvim,
        "vim.bo.filetype == 'python' and "
        "table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n')",
        timeout=300,
    )
    assert "def twice" in text


def test_pied_summarize_shows_a_float(nvim, tmp_path):
    open_python(nvim, tmp_path)
    nvim.command("PiedSummarize")
    text = wait(
        nvim,
        "vim.api.nvim_win_get_config(0).relative ~= '' and "
        "table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n')",
        timeout=300,
    )
    assert len(text.split()) >= 5


def daemon_status(env: dict[str, str]) -> dict[str, Any]:
    import json

    proc = subprocess.run(
        [sys.executable, "-m", "pied", "daemon", "status", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    status: dict[str, Any] = json.loads(proc.stdout)
    return status


def test_the_cursor_resting_in_a_file_warms_the_daemon_before_any_request(nvim, tmp_path, daemon):
    before = daemon_status(daemon)
    unseen = CODE.replace("count_files", "count_cursor_files")  # a window not encoded yet
    open_python(nvim, tmp_path, unseen)
    nvim.call("cursor", 5, 5)  # normal mode: no completion is asked for
    encoded = before["cache"]["encoded_tokens"]
    wait_until(
        lambda: daemon_status(daemon)["cache"]["encoded_tokens"] > encoded,
        120,
        "the cursor never reached the daemon",
    )
    assert daemon_status(daemon)["completions"] == before["completions"]


def test_typing_through_a_suggestion_shows_its_rest_from_the_daemon(nvim, tmp_path, daemon):
    open_python(nvim, tmp_path)
    last = len(CODE.split("\n"))
    nvim.call("cursor", last, 5)
    nvim.input("Ar")
    shown = wait(nvim, "require('pied.inline').current()")
    assert shown[:2].strip() and shown[0] != shown[1:2], shown  # a visible first character
    before = daemon_status(daemon)["typed_through"]
    nvim.input(shown[0])  # the user types the suggestion's first character
    rest = wait(nvim, f"require('pied.inline').current() == {shown[1:]!r} and 'same'")
    assert rest == "same"
    assert nvim.current.buffer[last - 1].strip() == "r" + shown[0]
    wait_until(
        lambda: daemon_status(daemon)["typed_through"] > before,
        30,
        "the rest did not come from the type-through cache",
    )


def test_accept_then_enter_gets_the_next_line_ready(nvim, tmp_path, daemon):
    text = "import os\n\n\ndef list_files(root):\n    "
    open_python(nvim, tmp_path, text)
    nvim.call("cursor", 5, 5)
    nvim.input("Anames = ")
    wait(nvim, "require('pied.inline').current()")
    before = daemon_status(daemon)["prefetched"]
    nvim.input("<Tab>")  # accept the whole line
    wait(nvim, "require('pied.inline').current() == nil")
    # The next one, before it is asked.
    wait_until(lambda: daemon_status(daemon)["prefetched"] > before, 60, "no prefetch")
    nvim.input("<CR>")
    shown = wait(nvim, "require('pied.inline').current()")
    assert shown.strip(), shown
    assert nvim.current.buffer[4].startswith("    names = ")


def test_alternatives_cycle_and_an_accept_is_counted(nvim, tmp_path, daemon):
    """Alt-] asks for alternatives (an invoked request) and cycles them; Tab accepts the one
    shown, runs its accept command, and `pied stats` counts it."""
    from tests.conftest import pied

    before = json.loads(pied("stats", "--json", env=daemon).stdout)
    open_python(nvim, tmp_path)
    last = len(CODE.split("\n"))
    nvim.call("cursor", last, 5)
    nvim.input("A")
    wait(nvim, "vim.api.nvim_get_mode().mode == 'i'")
    nvim.input("<M-]>")
    alts = wait(nvim, "require('pied.inline').alternatives()")
    texts = alts["texts"]
    assert len(texts) >= 2 and len(set(texts)) == len(texts), texts
    assert alts["index"] == 1
    assert wait(nvim, "require('pied.inline').current()") == texts[0]
    nvim.input("<M-]>")
    assert wait(nvim, "require('pied.inline').alternatives().index == 2")
    assert nvim.exec_lua("return require('pied.inline').current()") == texts[1]
    nvim.input("<Tab>")
    wait(nvim, "require('pied.inline').current() == nil")
    first = texts[1].split("\n")[0]
    wait(nvim, f"vim.api.nvim_buf_get_lines(0, 0, -1, false)[{last}]:find({first!r}, 1, true)")

    def stats() -> dict[str, int]:
        return json.loads(pied("stats", "--json", env=daemon).stdout)  # type: ignore[no-any-return]

    wait_until(lambda: stats()["accepted"] > before["accepted"], 10, "the accept was not counted")
    after = stats()
    assert after["accepted"] == before["accepted"] + 1
    assert after["chars_accepted"] == before["chars_accepted"] + len(texts[1])
    nvim.input("<Esc>")
    nvim.command("PiedStatus")
    status = wait(
        nvim,
        "vim.api.nvim_win_get_config(0).relative ~= '' and "
        "table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n')",
    )
    # The shown count moves on as the daemon shows the next suggestion; the accepts do not.
    assert re.search(rf"accepted  {after['accepted']} of \d+ shown", status), status


def test_insert_mode_left_before_the_request_leaves_no_ghost_text(nvim, tmp_path):
    # Neovim 0.12 asks 200 ms after the last keystroke even once <Esc> left insert mode; its
    # answer would stand as ghost text in normal mode. The plugin sends no such request.
    open_python(nvim, tmp_path)
    last = len(CODE.split("\n"))
    nvim.call("cursor", last, 5)
    before = nvim.exec_lua("return require('pied.inline').refused")
    nvim.input("Ar<Esc>")
    inline = "require('pied.inline')"
    wait(nvim, f"{inline}.refused > {before} or {inline}.current() ~= nil")  # either comes
    assert nvim.exec_lua("return vim.api.nvim_get_mode().mode") == "n"
    assert nvim.exec_lua("return require('pied.inline').current()") is None
    assert nvim.current.buffer[last - 1].strip() == "r"


CART = (
    "class Cart:\n    def __init__(self):\n        self.items = []\n\n"
    "    def add(self, item):\n        self.ite.append(item)\n\n"
    "    def total(self):\n        return sum(i.price for i in self.items)\n\n"
    "    def count(self):\n        return len(self.it)\n"
)


@pytest.mark.parametrize(
    ("row", "col", "before", "after"),
    [
        # At ``self|.ite.append(item)`` the model writes ``.items.append(item)``: the line's
        # rest made again, which it replaces.
        (6, 13, "self.ite.append", "self.items.append"),
        # At ``len(self.i|t)`` the model writes the word whole (``tems)``): it takes the
        # place of ``t)``, so the line reads ``len(self.items)``, not ``len(self.itemst)``.
        (12, 26, "len(self.it)", "len(self.items)"),
    ],
)
def test_a_suggestion_that_rewrites_what_follows_the_cursor_replaces_it_on_accept(
    nvim, tmp_path, row, col, before, after
):
    # Accepted, the item replaces its range; it is not put in beside what it rewrites.
    path = open_python(nvim, tmp_path, CART)
    nvim.call("cursor", row, col)
    nvim.input("i")
    wait(nvim, "require('pied.inline').current()")
    nvim.input("<Tab>")
    line = f"vim.api.nvim_buf_get_lines(0, {row - 1}, {row}, false)[1]"
    old = CART.split("\n")[row - 1]
    wait(nvim, f"{line} ~= '{old}' and {line}")
    nvim.input("<Esc>")
    nvim.command("write")
    assert path.read_text() == CART.replace(before, after)
