"""The requests other completion clients send, read into one typed ask, and pied's answers
written back in the shape each client reads.

- llama-server's ``/infill`` as llama.vim and llama.vscode send it: ``input_prefix``,
  ``prompt`` (the cursor's line up to the cursor), ``input_suffix``, ``input_extra``
  chunks ``{filename, text}``, ``n_predict``, ``n_cmpl``, ``stop``, ``response_fields``...;
  answered with ``content``, ``tokens_cached``, ``timings``, ``truncated``, ``stop_type``.
- OpenAI's ``/v1/completions`` with FIM: ``prompt`` + ``suffix`` (Continue, Twinny,
  minuet), or a ``prompt`` already in a FIM template (Zed's OpenAI-compatible provider sends
  Qwen's ``<|fim_prefix|>…<|fim_suffix|>…<|fim_middle|>``), parsed back into prefix and
  suffix; answered with ``choices`` (or server-sent events with ``stream``).

Fields pied does not use the way llama-server does are accepted and ignored
(``n_indent``, ``samplers``, ``top_k``, ``cache_prompt``, ``t_max_prompt_ms``: pied's stop
rules, scope and cache do their work).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from pied.daemon.httpwire import HttpError

MAX_N = 5  # completions one request may ask for
MAX_EXTRA = 64  # input_extra chunks

# FIM templates a prompt may arrive in (Qwen2.5-Coder's first: pied's model family).
TEMPLATES = (
    ("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"),
    ("<fim_prefix>", "<fim_suffix>", "<fim_middle>"),
    ("<PRE>", "<SUF>", "<MID>"),
)
QWEN_FILE = re.compile(r"<\|file_sep\|>([^\n]*)\n")


@dataclass(frozen=True)
class FimAsk:
    """A fill-in-the-middle request, whatever client sent it."""

    prefix: str
    suffix: str
    extras: tuple[tuple[str, str], ...] = ()  # other files' chunks: (file name, text)
    max_tokens: int | None = None  # None: pied's setting
    n: int = 1
    stop: tuple[str, ...] = ()
    temperature: float | None = None
    stream: bool = False
    fields: tuple[str, ...] | None = None  # llama-server's response_fields
    model: str = ""


def _str(body: dict[str, Any], name: str, default: str = "") -> str:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise HttpError(400, f"{name} must be a string.")
    return value


def _int(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise HttpError(400, f"{name} must be a whole number.")
    if not low <= value <= high:
        raise HttpError(400, f"{name} must be from {low} to {high}.")
    return int(value)


def _temperature(body: dict[str, Any]) -> float | None:
    value = body.get("temperature")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 2:
        raise HttpError(400, "temperature must be a number from 0 to 2.")
    return float(value)


def _stop(body: dict[str, Any]) -> tuple[str, ...]:
    value = body.get("stop")
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise HttpError(400, "stop must be a string or a list of strings.")
    return tuple(s for s in value if s)


def _max_tokens(value: int | None) -> int | None:
    """A token budget; a negative one (llama-server's -1) means pied's own."""
    return None if value is None or value < 0 else value


def read_infill(body: dict[str, Any]) -> FimAsk:
    """llama-server's ``/infill`` body (llama.vim, llama.vscode)."""
    extras = body.get("input_extra") or []
    if not isinstance(extras, list) or len(extras) > MAX_EXTRA:
        raise HttpError(400, f"input_extra must be a list of at most {MAX_EXTRA} chunks.")
    chunks = []
    for chunk in extras:
        if not isinstance(chunk, dict) or not isinstance(chunk.get("text", ""), str):
            raise HttpError(400, "each input_extra chunk must be {filename, text}.")
        name = chunk.get("filename") or ""
        chunks.append((str(name), str(chunk.get("text", ""))))
    fields = body.get("response_fields")
    if fields is not None and (
        not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)
    ):
        raise HttpError(400, "response_fields must be a list of strings.")
    return FimAsk(
        prefix=_str(body, "input_prefix") + _str(body, "prompt"),
        suffix=_str(body, "input_suffix"),
        extras=tuple(chunks),
        max_tokens=_max_tokens(_int(body, "n_predict", -1, 1 << 16)),
        n=_int(body, "n_cmpl", 1, MAX_N) or 1,
        stop=_stop(body),
        temperature=_temperature(body),
        stream=bool(body.get("stream", False)),
        fields=tuple(f for f in fields if f) if fields else None,
        model=_str(body, "model"),
    )


def read_completions(body: dict[str, Any]) -> FimAsk:
    """OpenAI's ``/v1/completions`` body: ``prompt`` + ``suffix``, or a templated prompt."""
    prompt = body.get("prompt", "")
    if isinstance(prompt, list):
        if len(prompt) != 1 or not isinstance(prompt[0], str):
            raise HttpError(400, "prompt must be one string (pied answers one prompt at a time).")
        prompt = prompt[0]
    if not isinstance(prompt, str):
        raise HttpError(400, "prompt must be a string.")
    suffix = _str(body, "suffix")
    extras: tuple[tuple[str, str], ...] = ()
    templated = from_template(prompt)
    if templated is not None:
        prompt, suffix, extras = templated
    return FimAsk(
        prefix=prompt,
        suffix=suffix,
        extras=extras,
        max_tokens=_max_tokens(_int(body, "max_tokens", -1, 1 << 16)),
        n=_int(body, "n", 1, MAX_N) or 1,
        stop=_stop(body),
        temperature=_temperature(body),
        stream=bool(body.get("stream", False)),
        model=_str(body, "model"),
    )


def from_template(prompt: str) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    """(prefix, suffix, other files) of a prompt already in a FIM template, else None.
    Qwen's repository form (``<|file_sep|>name`` chunks before the file) gives the chunks."""
    for pre, suf, mid in TEMPLATES:
        if pre in prompt and suf in prompt:
            head, _, rest = prompt.partition(pre)
            prefix, _, suffix = rest.partition(suf)
            suffix = suffix.removesuffix(mid) if suffix.endswith(mid) else suffix.split(mid)[0]
            return prefix, suffix, _qwen_files(head)
    return None


def _qwen_files(head: str) -> tuple[tuple[str, str], ...]:
    """The ``<|file_sep|>name\\ntext`` chunks of Qwen's repository prompt (the last one is
    the file being completed: its name only)."""
    parts = QWEN_FILE.split(head)
    files = [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]
    return tuple((name, text) for name, text in files if text.strip())


def _stop_type(result: dict[str, Any], ask: FimAsk) -> str:
    reason = str(result.get("stop_reason", ""))
    generated = int(result.get("generated_tokens", 0))
    if reason == "max_tokens" or (ask.max_tokens and generated >= ask.max_tokens):
        return "limit"
    return "word" if reason == "stop" else "eos"


def inserted(item: dict[str, Any]) -> str:
    """A daemon item's text as ``content``, which the client puts in at the cursor: "" for
    an item that replaces text after it (a rewritten rest of the line, a finished word),
    which put in there would stand beside what it replaces."""
    span = item.get("range") or {}
    return "" if span.get("start") != span.get("end") else str(item.get("text", ""))


def cut_at_stop(text: str, stop: tuple[str, ...]) -> str:
    """``text`` up to the first of the client's stop strings."""
    cut = min((i for s in stop if (i := text.find(s)) >= 0), default=len(text))
    return text[:cut]


def infill_answer(result: dict[str, Any], text: str, ask: FimAsk) -> dict[str, Any]:
    """One completion in llama-server's shape (only ``ask.fields`` when the client named
    them, as ``timings/prompt_n`` paths)."""
    phases = result.get("phases_ms") or {}
    prompt_ms = float(phases.get("sync", 0.0)) + float(phases.get("prompt", 0.0))
    total_ms = float(result.get("latency_ms", 0.0))
    predicted_ms = max(0.0, total_ms - prompt_ms)
    encoded = int(result.get("encoded_tokens", 0))
    predicted = int(result.get("generated_tokens", 0))
    timings = {
        "prompt_n": encoded,
        "prompt_ms": round(prompt_ms, 3),
        "prompt_per_token_ms": round(prompt_ms / encoded, 3) if encoded else 0.0,
        "prompt_per_second": round(encoded * 1000 / prompt_ms, 2) if prompt_ms else 0.0,
        "predicted_n": predicted,
        "predicted_ms": round(predicted_ms, 3),
        "predicted_per_token_ms": round(predicted_ms / predicted, 3) if predicted else 0.0,
        "predicted_per_second": round(predicted * 1000 / predicted_ms, 2) if predicted_ms else 0.0,
    }
    full = {
        "content": text,
        "tokens_cached": int(result.get("reused_tokens", 0)),
        "tokens_evaluated": int(result.get("prompt_tokens", 0)),
        "tokens_predicted": predicted,
        "truncated": False,
        "stop": True,
        "stop_type": _stop_type(result, ask),
        "model": result.get("model", ""),
        "timings": timings,
    }
    if ask.fields is None:
        return full
    out: dict[str, Any] = {}
    for name in ask.fields:
        value: Any = full
        for part in name.split("/"):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            out[name] = value
    return out


def completions_answer(texts: list[str], result: dict[str, Any], ask: FimAsk) -> dict[str, Any]:
    """OpenAI's text completion object."""
    finish = "length" if _stop_type(result, ask) == "limit" else "stop"
    return {
        "id": f"cmpl-pied-{time.time_ns():x}",
        "object": "text_completion",
        "created": int(time.time()),
        "model": ask.model or result.get("model", ""),
        "choices": [
            {"index": i, "text": text, "logprobs": None, "finish_reason": finish}
            for i, text in enumerate(texts)
        ],
        "usage": {
            "prompt_tokens": int(result.get("prompt_tokens", 0)),
            "completion_tokens": int(result.get("generated_tokens", 0)),
            "total_tokens": int(result.get("prompt_tokens", 0))
            + int(result.get("generated_tokens", 0)),
        },
    }
