"""``pied bench backend``: our tokens/s next to llama.cpp's own timing of the same decodes.

Each repeat clears the cache, prefills a context of real code in one batched decode,
then generates greedily one token at a time. Our figure is wall-clock time around
the Python calls (including argmax and bookkeeping); llama.cpp's is its internal
perf counter for the same decodes, so the ratio is the overhead of the Python layer.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from pied.bench.corpus import default_corpus, machine, read_text, source_files
from pied.config import Settings
from pied.models.loading import load_backend


def corpus_tokens(tokenize: Any, n: int) -> list[int]:
    tokens: list[int] = []
    for path in source_files(default_corpus()):
        text = read_text(path)
        if text:
            tokens += tokenize(text.encode("utf-8"))
        if len(tokens) >= n:
            return tokens[:n]
    raise RuntimeError("the corpus is too small")


def run(
    settings: Settings,
    *,
    contexts: list[int],
    gen_tokens: int,
    repeats: int,
    flash_attn: bool = False,
) -> dict[str, Any]:
    backend = load_backend(
        settings.replace(n_ctx=max(contexts) + gen_tokens + 16), flash_attn=flash_attn
    )
    results: dict[str, Any] = {}
    for n in contexts:
        tokens = corpus_tokens(backend.tokenize, n)
        rows: dict[str, list[float]] = {k: [] for k in ("pre", "pre_ll", "gen", "gen_ll")}
        for _ in range(repeats):
            backend.kv_clear()
            backend.perf_reset()
            t0 = time.perf_counter()
            backend.decode(tokens, 0)
            t1 = time.perf_counter()
            pos = n
            for _ in range(gen_tokens):
                token = int(np.argmax(backend.logits()))
                backend.decode([token], pos)
                pos += 1
            t2 = time.perf_counter()
            perf = backend.perf()
            rows["pre"].append(n / (t1 - t0))
            rows["pre_ll"].append(perf["prompt_tokens"] / (perf["prompt_ms"] / 1000))
            rows["gen"].append(gen_tokens / (t2 - t1))
            rows["gen_ll"].append(perf["eval_tokens"] / (perf["eval_ms"] / 1000))
        med = {k: statistics.median(v) for k, v in rows.items()}
        results[str(n)] = {
            "prefill_tok_s": round(med["pre"], 1),
            "prefill_tok_s_llama": round(med["pre_ll"], 1),
            "prefill_overhead_pct": round(100 * (1 - med["pre"] / med["pre_ll"]), 2),
            "generate_tok_s": round(med["gen"], 1),
            "generate_tok_s_llama": round(med["gen_ll"], 1),
            "generate_overhead_pct": round(100 * (1 - med["gen"] / med["gen_ll"]), 2),
        }
    info = backend.info
    return {
        "bench": "backend",
        "model": info.description,
        "model_path": info.path,
        "threads": info.threads,
        "flash_attn": flash_attn,
        "gen_tokens": gen_tokens,
        "repeats": repeats,
        "machine": machine(),
        "contexts": results,
    }
