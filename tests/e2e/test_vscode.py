"""A real VS Code (code-server 4.100.3 = VS Code 1.100) with the built pied.vsix, in Chromium.

code-server is installed by ``make`` (scripts/install-code-server.sh, cached under
``~/.cache/pied/code-server``), the extension by ``make vscode``; Chromium is Debian's, driven
by Playwright with that executable. pied is deliberately not on the editor's PATH: the
extension must find it through ``pied.path`` or say how to fix it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, sync_playwright

from tests.support.wait import wait_until

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
CODE_SERVER = CACHE / "pied" / "code-server" / "node_modules" / "code-server" / "out" / "node"
VSIX = Path(os.environ.get("PIED_VSIX") or ROOT / "editors" / "vscode" / "pied.vsix")
PIED = Path(sys.executable).with_name("pied")
CHROMIUM = "/usr/bin/chromium"

CODE = (
    "import os\n\n\ndef list_files(root):\n    return sorted(os.listdir(root))\n\n\n"
    "def count_files(root):\n    "
)
JS = "function twice(x) {\n  return 2 * x;\n}\nconsole.log(twice(21));\n"
RENAME = (
    "def getlist(key):\n    return {'a': [1, 2]}.get(key, [])\n\n\n"
    "def first(key):\n    return getlist(key)[0]\n"
)
CART = (
    "class Cart:\n    def __init__(self):\n        self.items = []\n\n"
    "    def add(self, item):\n        self.ite.append(item)\n\n"
    "    def total(self):\n        return sum(i.price for i in self.items)\n\n"
    "    def count(self):\n        return len(self.it)\n"
)
SETTINGS = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "security.workspace.trust.enabled": False,
    "telemetry.telemetryLevel": "off",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "update.mode": "none",
    "files.autoSave": "off",
    # Only pied's ghost text: no word-based suggestion widget to take the Tab.
    "editor.quickSuggestions": {"other": "off", "comments": "off", "strings": "off"},
    "editor.suggestOnTriggerCharacters": False,
    "editor.wordBasedSuggestions": "off",
    "editor.inlineSuggest.enabled": True,
    "pied.maxTokens": 32,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def code_server(*args: str, env: dict[str, str], **kw: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [shutil.which("node") or "node", str(CODE_SERVER / "entry.js"), *args], env=env, **kw
    )


@pytest.fixture(scope="module")
def extensions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An extensions folder holding the built pied.vsix, installed by code-server itself."""
    assert (CODE_SERVER / "entry.js").exists(), "code-server is missing: `make test` installs it"
    assert VSIX.exists(), f"{VSIX} is missing: `make vscode` builds it"
    root = tmp_path_factory.mktemp("vscode-extensions")
    proc = code_server(
        "--install-extension",
        str(VSIX),
        "--extensions-dir",
        str(root / "extensions"),
        "--user-data-dir",
        str(root / "user"),
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = proc.communicate(timeout=180)
    assert proc.returncode == 0, out.decode(errors="replace")
    assert list((root / "extensions").glob("pied.pied-*")), out.decode(errors="replace")
    return root / "extensions"


def editor_env(daemon: dict[str, str], home: Path) -> dict[str, str]:
    """The session daemon's environment, with pied off PATH and a home without pied in it."""
    bin_dir = str(PIED.parent)
    path = ":".join(p for p in daemon["PATH"].split(":") if p and p != bin_dir)
    return {**daemon, "PATH": path, "HOME": str(home), "XDG_CACHE_HOME": str(CACHE)}


Editor = Callable[[dict[str, Any]], Page]


@pytest.fixture
def vscode(
    daemon: dict[str, str], extensions: Path, tmp_path: Path
) -> Iterator[tuple[Editor, Path]]:
    """Starts code-server on a free port with the given user settings; a browser page on it."""
    workspace = tmp_path / "project"
    workspace.mkdir()
    (workspace / "example.py").write_text(CODE)
    (workspace / "twice.js").write_text(JS)
    (workspace / "rename.py").write_text(RENAME)
    (workspace / "cart.py").write_text(CART)
    home = tmp_path / "home"
    home.mkdir()
    procs: list[subprocess.Popen[bytes]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )

        def start(settings: dict[str, Any]) -> Page:
            user = tmp_path / "user"
            (user / "User").mkdir(parents=True)
            (user / "User" / "settings.json").write_text(json.dumps({**SETTINGS, **settings}))
            port = free_port()
            procs.append(
                code_server(
                    "--auth",
                    "none",
                    "--bind-addr",
                    f"127.0.0.1:{port}",
                    "--disable-telemetry",
                    "--disable-update-check",
                    "--disable-workspace-trust",
                    "--extensions-dir",
                    str(extensions),
                    "--user-data-dir",
                    str(user),
                    str(workspace),
                    env=editor_env(daemon, home),
                    stdout=(tmp_path / "code-server.log").open("wb"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            wait_http(f"http://127.0.0.1:{port}/healthz")
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/?folder={workspace}")
            page.wait_for_selector(".monaco-workbench", timeout=120_000)
            return page

        try:
            yield start, tmp_path
        finally:
            browser.close()
            for proc in procs:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, 9)
                proc.wait(timeout=30)


def wait_http(url: str, timeout: float = 60) -> None:
    def answers() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            return False

    wait_until(answers, timeout, f"{url} did not answer")


def extension_log(tmp_path: Path) -> str:
    logs = sorted((tmp_path / "user" / "logs").glob("*/**/pied*.log"))
    return "\n".join(f"--- {p}\n{p.read_text(errors='replace')}" for p in logs)


def expect_visible(locator: Locator, page: Page, tmp_path: Path, what: str, timeout: int) -> None:
    """Wait for ``locator``; on a time-out, a screenshot and the extension's log in the error."""
    try:
        locator.wait_for(state="visible", timeout=timeout)
    except Exception as e:
        page.screenshot(path=str(tmp_path / f"no-{what.replace(' ', '-')}.png"))
        raise AssertionError(f"no {what}: {e}\n{extension_log(tmp_path)}") from e


def quick_input(page: Page, keys: str, text: str) -> None:
    """Open a quick input (Ctrl+P, Ctrl+Shift+P), type, and take the row that matches."""
    page.keyboard.press(keys)
    page.wait_for_selector(".quick-input-widget input", state="visible")
    page.keyboard.type(text)
    page.wait_for_selector(f".quick-input-list .monaco-list-row[aria-label*='{text}']")
    page.keyboard.press("Enter")


def go_to(page: Page, where: str) -> None:
    """Go to line:column with Ctrl+G."""
    page.keyboard.press("Control+G")
    page.wait_for_selector(".quick-input-widget input", state="visible")
    page.keyboard.type(where)
    page.keyboard.press("Enter")


def open_file(page: Page, name: str) -> None:
    """Quick Open the file; wait until its tab is the active one."""
    quick_input(page, "Control+P", name)
    page.wait_for_selector(f".tab.active[aria-label*='{name}']")
    page.click(".editor-instance .monaco-editor .view-lines")


def wait_ready(page: Page) -> None:
    """The status item says the language server is up (as a user would wait for it)."""
    ready = page.locator(".statusbar-item[aria-label^='pied: ready']")
    ready.wait_for(state="attached", timeout=180_000)
    assert "pied" in ready.inner_text()


def run_command(page: Page, title: str) -> None:
    quick_input(page, "Control+Shift+P", title)


def test_a_suggestion_appears_tab_accepts_it_and_the_status_is_ready(vscode):
    start, tmp_path = vscode
    page = start({"pied.path": str(PIED)})
    wait_ready(page)
    open_file(page, "example.py")
    page.keyboard.press("Control+End")
    page.keyboard.type("t")
    ghost = page.locator(".ghost-text-decoration, .ghost-text").first
    expect_visible(ghost, page, tmp_path, "ghost text", 120_000)
    page.screenshot(path=str(tmp_path / "suggestion.png"))
    shown = ghost.inner_text()
    assert shown.strip(), "empty ghost text"
    page.keyboard.press("Tab")
    page.keyboard.press("Control+S")
    path = tmp_path / "project" / "example.py"
    text = wait_until(lambda: path.read_text() != CODE and path.read_text(), 30, "not saved")
    assert text.startswith(CODE + "t"), text
    accepted = text[len(CODE) :]
    assert len(accepted.strip()) > 1, "Tab accepted nothing"
    first = shown.replace("\u00a0", " ").split("\n")[0].strip()
    assert first and first in accepted.replace("\u00a0", " "), (shown, accepted)
    compile(text, "example.py", "exec")  # still Python
    ready = page.locator(".statusbar-item[aria-label^='pied: ready']")
    assert "last suggestion in" in (ready.get_attribute("aria-label") or "")


def test_a_rename_proposes_the_call_site_tab_goes_there_and_tab_applies(vscode):
    start, tmp_path = vscode
    # No ghost text in this one: Tab must reach the next edit, not an inline suggestion.
    page = start({"pied.path": str(PIED), "editor.inlineSuggest.enabled": False})
    wait_ready(page)
    open_file(page, "rename.py")
    page.keyboard.press("Control+Home")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")  # select getlist
    page.keyboard.type("get_list")
    item = page.locator(".statusbar-item[aria-label*='next edit on line 6']")
    expect_visible(item, page, tmp_path, "next edit", 120_000)
    assert "go there" in (item.get_attribute("aria-label") or "")
    page.keyboard.press("Tab")  # go there
    applying = page.locator(".statusbar-item[aria-label*='Tab: apply']")
    expect_visible(applying, page, tmp_path, "next edit at the cursor", 30_000)
    page.keyboard.press("Tab")  # apply
    # The edit is applied asynchronously: save once the editor shows it, not before.
    applied = page.locator(".editor-instance .view-lines", has_text="return get_list(key)[0]")
    expect_visible(applied, page, tmp_path, "applied next edit", 30_000)
    page.keyboard.press("Control+S")
    path = tmp_path / "project" / "rename.py"
    want = RENAME.replace("getlist", "get_list")
    text = wait_until(lambda: path.read_text() == want and want, 30, "not saved")
    assert text == want


@pytest.mark.parametrize(
    ("at", "typed", "before", "after"),
    [
        # At ``self|.ite.append(item)`` the model writes ``.items.append(item)``: the line's
        # rest written again, which it replaces.
        ("6:13", "f", "self.ite.append", "self.items.append"),
        # At ``len(self.i|t)`` the model writes the word whole (``tems)``): it takes the
        # place of ``t)``, not ``len(self.itemst)``.
        ("12:26", "i", "len(self.it)", "len(self.items)"),
    ],
)
def test_a_suggestion_that_rewrites_what_follows_the_cursor_replaces_it(
    vscode, at, typed, before, after
):
    # Accepted, the item replaces its range; it is not put in beside the text it rewrites.
    start, tmp_path = vscode
    page = start({"pied.path": str(PIED)})
    wait_ready(page)
    open_file(page, "cart.py")
    go_to(page, at)
    page.keyboard.press("Backspace")
    page.keyboard.type(typed)  # typed: the suggestion is asked as the user types
    ghost = page.locator(".ghost-text-decoration, .ghost-text").first
    expect_visible(ghost, page, tmp_path, "ghost text", 120_000)
    page.keyboard.press("Tab")
    page.keyboard.press("Control+S")
    path = tmp_path / "project" / "cart.py"
    text = wait_until(lambda: path.read_text() != CART and path.read_text(), 30, "not saved")
    assert text == CART.replace(before, after), text


def test_translate_to_python_opens_python(vscode):
    start, tmp_path = vscode
    page = start({"pied.path": str(PIED)})
    wait_ready(page)
    open_file(page, "twice.js")
    run_command(page, "pied: Translate to Python")
    python = page.locator(".editor-instance .view-lines", has_text="def twice")
    expect_visible(python, page, tmp_path, "Python editor", 300_000)
    assert page.locator(".tab[aria-label*='Untitled']").count() >= 1


def test_without_pied_the_message_says_how_to_fix_it(vscode):
    start, tmp_path = vscode
    page = start({})  # pied is not on PATH, nor in the workspace or ~/.local/bin
    toast = page.locator(".notifications-toasts", has_text="pied is not installed or not on PATH")
    expect_visible(toast, page, tmp_path, "message", 120_000)
    assert "pipx install" in toast.inner_text()
    toast.get_by_role("button", name="Open Settings").click()
    description = "a .venv/bin/pied in the workspace"
    setting = page.locator(".settings-editor .setting-item", has_text=description).first
    setting.wait_for(state="visible", timeout=30_000)  # the settings editor, at pied.path
    page.screenshot(path=str(tmp_path / "settings.png"))
