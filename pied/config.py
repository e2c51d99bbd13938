"""pied's one place for configuration.

Defaults work untouched. A TOML file (``$XDG_CONFIG_HOME/pied/config.toml``) may set
any field; command-line flags and LSP options override it. Every value is checked,
and a bad one is reported in one sentence naming the setting and where it came from.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from pied import paths
from pied.errors import Code, PiedError

MODES = ("auto", "single", "multi")
SAMPLING = ("auto", "plain", "healing", "bytes")


class ConfigError(PiedError):
    code = Code.CONFIG

    """A setting has an unknown name or a bad value."""


@dataclass(frozen=True)
class Settings:
    """Everything a user can configure."""

    model: str = "auto"
    """A catalog model name, a path to a GGUF file, or "auto" (the best one fast enough here)."""
    latency_target_ms: float = 1200.0
    """For model "auto": a typical single-line suggestion's time (measured once per model)."""
    n_ctx: int = 8192
    """Context size of the loaded model, in tokens."""
    threads: int = 0
    """CPU threads for llama.cpp; 0: the CPUs other processes leave free, checked as it decodes"""
    prefix_tokens: int = 1536
    """Tokens of text before the cursor that go into a completion prompt."""
    suffix_tokens: int = 512
    """Tokens of text after the cursor that go into a completion prompt."""
    scoped_suffix: bool = True
    """The prompt shows the text after the cursor only to the end of the cursor's definition."""
    context_tokens: int = 1024
    """Tokens of other files shown to the model before the current one."""
    max_tokens: int = 256
    """Most tokens one completion may generate."""
    # (A span that seeks its end over lines takes ~100 tokens: ~8 s for the 1.5B on 2 cores.)
    time_budget_ms: int = 10000
    """Most time one completion may spend generating, in ms (a keystroke cancels it sooner)."""
    answer_within_ms: int = 1000
    """Past this, an editor gets the whole lines so far; the rest is written behind; 0 = wait."""
    guess_tokens: int = 0
    """Tokens guessed from the text itself and checked in each decode (0: off)."""
    prompt_budget_ms: int = 250
    """Most ms to encode a window; a slower one is answered from a smaller one first; 0 = off."""
    parse_retries: int = 0
    """Other first tokens tried when a suggestion would leave the file unparseable (slower)."""
    multiline: str = "auto"
    """"auto" (decided from the cursor's line), "single" or "multi"."""
    sampling: str = "auto"
    """"auto" (bytes mid-word, healing after punctuation), "plain", "healing" or "bytes"."""
    temperature: float = 0.0
    """0 for greedy completions; above 0 samples."""
    top_p: float = 1.0
    """Nucleus sampling mass when temperature is above 0."""
    pie: bool = True
    """Follow edits in the KV cache by PIE; false re-encodes from the first changed token."""
    documents: int = 6
    """Documents whose KV cache stays resident (others are saved and restored)."""
    kv_disk_mib: int = 2048
    """MiB of documents' KV caches kept on disk for reopened files and restarts; 0 = off."""
    kv_dir: str = ""
    """Where those caches go; empty = $XDG_CACHE_HOME/pied/kv."""
    keep_alive_minutes: float = 30.0
    """Minutes the daemon stays with no client and no request before it exits; 0 = forever."""
    stats: bool = True
    """Keep acceptance statistics on this machine only (`pied stats`); false = off."""
    retention_check_s: float = 30.0
    """Seconds after an accept to check the text is still there (and 4x that); see stats."""
    adapt: bool = True
    """Show less of a suggestion shape you almost always reject (`pied stats` says which)."""
    job_model: str = "auto"
    """Model for translating and summarizing: "auto" (1.5B if installed), "" (`model`), a path."""
    job_model_idle_s: float = 120.0
    """Seconds without a translation or summary before the job model is unloaded."""
    translate_budget_s: float = 60.0
    """Seconds a translation may spend; no repair or retry starts after (the best so far stays)."""
    engine_url: str = ""
    """A llama.cpp server to run the model on (http://host:8080); empty = the local model."""
    engine_api: str = "llama-server"
    """"llama-server" (/completion) or "openai" (engine_url ending in /v1: vLLM, llama-server)."""
    engine_model: str = ""
    """The model the engine must serve (checked at start); empty = whatever it serves."""
    engine_key_file: str = ""
    """A file holding the engine's API key (else $PIED_ENGINE_KEY); never put the key here."""
    engine_timeout_s: float = 10.0
    """Seconds to wait for the engine to connect or to send the next token."""
    engine_fallback: str = ""
    """"local": the embedded model answers while the engine fails; empty = nothing does."""
    next_edit: str = "rules"
    """Next-edit suggestions: "rules" (from the edit), "auto" (else the model, slower), "off"."""
    next_edit_min_logprob: float = -0.03
    """The least mean log-probability of a model's next edit for it to be shown."""
    next_edit_guess_tokens: int = 16
    """Tokens of the window guessed in each decode of the model's next edit (0: off)."""
    http_port: int = 0
    """Also answer llama.vim, llama.vscode and OpenAI-style FIM clients on this port; 0 = off."""
    http_host: str = "127.0.0.1"
    """The address the HTTP front listens on; any but loopback needs http_key_file."""
    http_key_file: str = ""
    """A file holding the HTTP front's API key (else $PIED_HTTP_KEY); clients send it as Bearer."""

    def replace(self, **changes: Any) -> Settings:
        return load_dict(changes, base=self, source="overrides")


# Settings a single request may change; the model and the context belong to the daemon.
REQUEST_SETTINGS = (
    "prefix_tokens",
    "suffix_tokens",
    "scoped_suffix",
    "context_tokens",
    "max_tokens",
    "time_budget_ms",
    "answer_within_ms",
    "multiline",
    "sampling",
    "temperature",
    "top_p",
)

ENGINE_APIS = ("llama-server", "openai")
NEXT_EDIT = ("rules", "auto", "off")
ENGINE_FALLBACKS = ("", "local")

_CHOICES: dict[str, tuple[str, ...]] = {
    "multiline": MODES,
    "sampling": SAMPLING,
    "engine_api": ENGINE_APIS,
    "engine_fallback": ENGINE_FALLBACKS,
    "next_edit": NEXT_EDIT,
}
_POSITIVE = {"n_ctx", "max_tokens", "time_budget_ms"}
_NON_NEGATIVE = {"threads", "prefix_tokens", "suffix_tokens", "context_tokens"}
_NON_NEGATIVE.add("keep_alive_minutes")
_NON_NEGATIVE.add("kv_disk_mib")
_NON_NEGATIVE.add("prompt_budget_ms")
_NON_NEGATIVE.add("answer_within_ms")
_NON_NEGATIVE.add("parse_retries")
_NON_NEGATIVE.add("guess_tokens")
_NON_NEGATIVE.add("next_edit_guess_tokens")
_POSITIVE.add("documents")
_POSITIVE.add("retention_check_s")
_POSITIVE.add("engine_timeout_s")
_POSITIVE.add("translate_budget_s")
_POSITIVE.add("job_model_idle_s")
_POSITIVE.add("latency_target_ms")


def _camel_to_snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _check(name: str, value: Any, expected: type[Any], source: str) -> Any:
    where = f"setting {name!r} in {source}"
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if expected is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    if expected is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"The {where} must be true or false, not {value!r}.")
        return value
    if not isinstance(value, expected) or isinstance(value, bool):
        raise ConfigError(f"The {where} must be a {expected.__name__}, not {value!r}.")
    if name in _CHOICES and value not in _CHOICES[name]:
        raise ConfigError(f"The {where} must be one of {', '.join(_CHOICES[name])}, not {value!r}.")
    if name in _POSITIVE and value <= 0:
        raise ConfigError(f"The {where} must be positive, not {value!r}.")
    if name in _NON_NEGATIVE and value < 0:
        raise ConfigError(f"The {where} must not be negative, not {value!r}.")
    if name == "temperature" and not 0.0 <= value <= 5.0:
        raise ConfigError(f"The {where} must be between 0 and 5, not {value!r}.")
    if name == "top_p" and not 0.0 < value <= 1.0:
        raise ConfigError(f"The {where} must be in (0, 1], not {value!r}.")
    if name == "model" and not value.strip():
        raise ConfigError(f"The {where} must not be empty.")
    if name == "engine_url" and value and not value.startswith(("http://", "https://")):
        raise ConfigError(f"The {where} must start with http:// or https://, not {value!r}.")
    return value


def load_dict(
    values: Mapping[str, Any], *, base: Settings | None = None, source: str = "settings"
) -> Settings:
    """``base`` with ``values`` applied; names may be snake_case or camelCase; None is skipped."""
    base = base or Settings()
    types: dict[str, type[Any]] = {f.name: type(getattr(base, f.name)) for f in fields(Settings)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        name = _camel_to_snake(key)
        if name not in types:
            known = ", ".join(types)
            raise ConfigError(f"Unknown setting {key!r} in {source}; known settings: {known}.")
        if value is None:
            continue
        changes[name] = _check(name, value, types[name], source)
    return dataclasses.replace(base, **changes)


def load_file(path: Path, base: Settings | None = None) -> Settings:
    """Settings from a TOML file (a missing file means defaults)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return base or Settings()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"The config file {path} cannot be read: {e}.") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"The config file {path} is not valid TOML: {e}.") from None
    return load_dict(data, base=base, source=str(path))


def load(overrides: Mapping[str, Any] | None = None, *, path: Path | None = None) -> Settings:
    """The user's settings: defaults, then the config file, then ``overrides``."""
    settings = load_file(path or paths.config_file())
    return load_dict(overrides or {}, base=settings, source="the command line")


def describe() -> list[tuple[str, Any, str]]:
    """(name, default, help) for every setting, for docs and ``pied config``."""
    import ast
    import inspect
    import itertools

    docs: dict[str, str] = {}
    tree = ast.parse(inspect.getsource(Settings))
    body = tree.body[0].body  # type: ignore[attr-defined]
    for node, nxt in itertools.pairwise(body):
        is_field = isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        if is_field and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
            docs[node.target.id] = str(nxt.value.value)
    return [(f.name, f.default, docs.get(f.name, "")) for f in fields(Settings)]
