"""``pied doctor``: what is installed, where, and what is missing, on one screen."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pied
from pied import __version__, config, paths


@dataclass(frozen=True)
class Check:
    state: str  # ok | missing | info
    what: str
    detail: str
    fix: str = ""


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def checks() -> list[Check]:
    """Every fact, in the order a user needs them (no model is loaded)."""
    return [*_install(), *_models(), *_daemon(), *_translation()]


def _install() -> list[Check]:
    """pied itself, the Python it runs on, its command on PATH, llama.cpp, the config."""
    out = [
        Check("ok", "pied", f"{__version__} in {Path(pied.__file__).resolve().parent}"),
        Check("ok", "python", f"{sys.version.split()[0]} at {sys.executable}"),
    ]
    on_path = shutil.which("pied")
    out.append(
        Check("ok", "pied on PATH", on_path)
        if on_path
        else Check(
            "missing",
            "pied on PATH",
            "editors start `pied lsp` from PATH",
            "pipx install /path/to/pied, or set pied.path (VS Code) / cmd (Neovim)",
        )
    )
    llama = _version("llama-cpp-python")
    out.append(
        Check("ok", "llama.cpp", f"llama-cpp-python {llama}")
        if llama
        else Check(
            "missing", "llama.cpp", "llama-cpp-python", "pip install llama-cpp-python==0.3.36"
        )
    )
    cfg = paths.config_file()
    out.append(Check("ok", "config", str(cfg) if cfg.exists() else f"defaults ({cfg} absent)"))
    return out


def _models() -> list[Check]:
    """The model the settings pick (and why), and each installed model's measured speed."""
    from pied.models import autochoice, store
    from pied.models.errors import ModelError

    settings = config.load()
    out = []
    name, why = settings.model, "configured"
    if name.strip().lower() == autochoice.AUTO:
        name, why = autochoice.choose(paths.models_dir(), settings.latency_target_ms, None)
        why = f"auto: {why}"
    try:
        model = store.resolve(name, paths.models_dir())
        out.append(Check("ok", "model", f"{name}: {model} ({why})"))
    except ModelError as e:
        out.append(Check("missing", "model", str(e), f"pied model install {name}"))
    for m in store.list_installed(paths.models_dir()):
        speed = autochoice.cached(paths.models_dir(), m.path)
        measured = (
            f"typical suggestion {speed.suggestion_ms:.0f} ms here (prefill "
            f"{speed.prefill_tok_s:.0f} tok/s, decode {speed.decode_tok_s:.0f} tok/s)"
            if speed
            else "speed not measured yet (measured at its first load for model auto)"
        )
        out.append(
            Check("info", "installed model", f"{m.name}: {m.path} ({m.size >> 20} MiB); {measured}")
        )
    return out


def _daemon() -> list[Check]:
    from pied.daemon import lifecycle

    pid = lifecycle.running_pid()
    return [
        Check("info", "daemon", f"running, pid {pid}, socket {lifecycle.socket_path()}")
        if pid
        else Check("info", "daemon", "not running (it starts on first use)"),
        Check("info", "daemon log", str(lifecycle.log_path())),
    ]


def _translation() -> list[Check]:
    """Parsers, toolchains and the sandbox that translation's checks use; Neovim."""
    from pied.translation.sandbox import isolation

    parsers = [n for n in ("c", "cpp", "java", "javascript", "go") if _grammar(n)]
    out = [Check("ok" if parsers else "missing", "parse checks", "python, " + ", ".join(parsers))]
    tools = {"g++": "C/C++", "javac": "Java", "node": "JavaScript", "go": "Go", "rustc": "Rust"}
    found = [f"{lang} ({t})" for t, lang in tools.items() if shutil.which(t)]
    absent = [lang for t, lang in tools.items() if not shutil.which(t)]
    detail = ", ".join(found) or "none"
    if absent:
        detail += f"; not found: {', '.join(absent)}"
    out.append(Check("info", "translate --check", detail))
    level = isolation()
    out.append(
        Check("ok", "check sandbox", f"isolated: {level}")
        if level == "network+filesystem"
        else Check(
            "missing",
            "check sandbox",
            f"isolated: {level} (checked programs could reach the network or your files)",
            "user namespaces and util-linux's unshare (Debian: apt install util-linux mount)",
        )
    )
    out.append(Check("info", "neovim", shutil.which("nvim") or "not on PATH"))
    return out


def _grammar(name: str) -> bool:
    return importlib.util.find_spec(f"tree_sitter_{name}") is not None


def render(found: list[Check]) -> str:
    marks = {"ok": "ok", "missing": "MISSING", "info": "-"}
    lines = []
    for c in found:
        lines.append(f"{marks[c.state]:8} {c.what:18} {c.detail}")
        if c.fix:
            lines.append(f"{'':8} {'':18} fix: {c.fix}")
    return "\n".join(lines)
