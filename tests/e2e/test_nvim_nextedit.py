"""Next-edit suggestions in headless Neovim 0.12 with the plugin, through pied and the
real model: a rename at a definition proposes the call sites, <Tab> jumps, <Tab> applies."""

from __future__ import annotations

import ast
from pathlib import Path

import pynvim

from tests.e2e.test_nvim import nvim, open_python, wait  # noqa: F401  (the fixture)

SOURCE = (
    "def getlist(key):\n"
    "    return {'a': [1, 2]}.get(key, [])\n"
    "\n"
    "\n"
    "def first(key):\n"
    "    return getlist(key)[0]\n"
    "\n"
    "\n"
    "def last(key):\n"
    "    return getlist(key)[-1]\n"
)
SHOWN = "require('pied.nextedit').current()"


def cursor_line(editor: pynvim.Nvim) -> int:
    return int(editor.exec_lua("return vim.api.nvim_win_get_cursor(0)[1]"))


def test_a_rename_proposes_each_call_site_tab_jumps_and_tab_applies(
    nvim: pynvim.Nvim,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = open_python(nvim, tmp_path, SOURCE)
    nvim.call("cursor", 1, 6)  # on getlist
    nvim.input("ciwget_list<Esc>")
    edit = wait(nvim, SHOWN)
    assert edit["range"]["start"]["line"] == 5, edit
    assert edit["newText"] == "    return get_list(key)[0]\n"
    assert edit["why"] == "renamed `getlist` to `get_list`"
    assert cursor_line(nvim) == 1
    nvim.input("<Tab>")  # go there
    wait(nvim, "vim.api.nvim_win_get_cursor(0)[1] == 6")
    assert nvim.current.buffer[5] == "    return getlist(key)[0]"  # not applied yet
    nvim.input("<Tab>")  # apply
    wait(nvim, "vim.api.nvim_buf_get_lines(0, 5, 6, false)[1] == '    return get_list(key)[0]'")
    edit = wait(nvim, f"{SHOWN} and {SHOWN}.range.start.line == 9 and {SHOWN}")  # the next
    nvim.input("<Tab>")
    wait(nvim, "vim.api.nvim_win_get_cursor(0)[1] == 10")
    nvim.input("<Tab>")
    wait(nvim, "vim.api.nvim_buf_get_lines(0, 9, 10, false)[1] == '    return get_list(key)[-1]'")
    nvim.command("write")
    assert path.read_text() == SOURCE.replace("getlist", "get_list")


def test_an_edit_dismisses_and_an_unrelated_edit_proposes_nothing_wrong(
    nvim: pynvim.Nvim,  # noqa: F811
    tmp_path: Path,
) -> None:
    open_python(nvim, tmp_path, SOURCE)
    nvim.call("cursor", 1, 6)
    nvim.input("ciwget_list<Esc>")
    wait(nvim, SHOWN)
    nvim.input("<C-]>")  # dismissed
    wait(nvim, f"{SHOWN} == nil")
    assert nvim.current.buffer[5] == "    return getlist(key)[0]"
    # An edit the rest of the file has nothing to do with: a comment at the end.
    answered = nvim.exec_lua("return require('pied.nextedit').answered")
    nvim.call("cursor", 10, 1)
    nvim.input("o# the end<Esc>")
    wait(nvim, f"require('pied.nextedit').answered > {answered}", 180)
    edit = nvim.exec_lua(f"return {SHOWN}")
    if edit is not None:  # the model may see one; never one that breaks the file or the edit
        lines = list(nvim.current.buffer[:])
        start, end = edit["range"]["start"]["line"], edit["range"]["end"]["line"]
        after = lines[:start] + edit["newText"].rstrip("\n").split("\n") + lines[end:]
        ast.parse("\n".join(after))
        assert "# the end" in after
        assert start not in (0, 10), edit  # not the lines the user just edited


def test_a_line_deleted_proposes_deleting_the_same_line_elsewhere(
    nvim: pynvim.Nvim,  # noqa: F811
    tmp_path: Path,
) -> None:
    drop = "    kwargs.setdefault('allow_redirects', True)"
    source = (
        f"def get(url, **kwargs):\n{drop}\n    return go(url, **kwargs)\n\n\n"
        f"def options(url, **kwargs):\n{drop}\n    return go(url, **kwargs)\n"
    )
    path = open_python(nvim, tmp_path, source)
    nvim.call("cursor", 2, 1)
    nvim.input("dd")
    edit = wait(nvim, SHOWN)
    assert (edit["range"]["start"]["line"], edit["newText"]) == (5, ""), edit
    assert edit["why"] == "the same lines changed"
    drawn = nvim.exec_lua(
        "local ns = vim.api.nvim_create_namespace('pied.nextedit')\n"
        "local marks = vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, {details = true})\n"
        "local n = 0\n"
        "for _, m in ipairs(marks) do n = n + #(m[4].virt_lines or {}) end\n"
        "return n"
    )
    assert drawn == 1  # the hint alone: nothing is added, the marked line goes
    nvim.input("<Tab>")
    wait(nvim, "vim.api.nvim_win_get_cursor(0)[1] == 6")
    nvim.input("<Tab>")
    wait(nvim, "vim.api.nvim_buf_line_count(0) == 6")
    nvim.command("write")
    assert path.read_text() == source.replace(drop + "\n", "")


def test_a_name_imported_in_a_package_is_proposed_for_its_all_list(
    nvim: pynvim.Nvim,  # noqa: F811
    tmp_path: Path,
) -> None:
    source = 'from ._auth import Auth\nfrom ._models import URL\n\n__all__ = [\n    "Auth",\n'
    source += '    "URL",\n]\n'
    path = open_python(nvim, tmp_path, source)
    nvim.call("cursor", 1, 1)
    nvim.input("A, NetRCAuth<Esc>")
    edit = wait(nvim, f"{SHOWN} and {SHOWN}.newText:find('NetRCAuth') and {SHOWN}")
    assert edit["why"] == "`__all__` follows the imports", edit
    drawn = nvim.exec_lua(
        "local ns = vim.api.nvim_create_namespace('pied.nextedit')\n"
        "local out = {}\n"
        "for _, m in ipairs(vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, {details = true})) do\n"
        "  if m[4].line_hl_group then out[#out + 1] = 'marked ' .. m[2] end\n"
        "  for _, v in ipairs(m[4].virt_lines or {}) do out[#out + 1] = v[1][1] end\n"
        "end\n"
        "return out"
    )
    assert drawn[0] == '    "NetRCAuth",', drawn  # the line kept above it: neither marked nor drawn
    assert len(drawn) == 2 and "Tab" in drawn[1], drawn
    nvim.input("<Tab>")
    wait(nvim, "vim.api.nvim_win_get_cursor(0)[1] == 5")
    nvim.input("<Tab>")
    wait(nvim, "vim.api.nvim_buf_line_count(0) == 8")
    nvim.command("write")
    expected = source.replace("import Auth", "import Auth, NetRCAuth")
    assert path.read_text() == expected.replace('"Auth",\n', '"Auth",\n    "NetRCAuth",\n')
