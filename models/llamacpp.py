"""The llama.cpp backend: the only module that imports llama_cpp.

It drives llama.cpp's low-level C API directly (one model, one context with several
sequences in a unified KV cache) instead of the high-level ``Llama`` class, whose
hidden token list would not know about cache surgery.
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.util
import logging
import re
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from pied.models.backend import CacheFull, DecodeAborted, Logits, ModelInfo, machine_threads
from pied.models.cpuload import ThreadChoice
from pied.models.errors import ModelError

log = logging.getLogger("pied.llama")
load_log = logging.getLogger("pied.engine")


def _bindings() -> ModuleType:
    """llama-cpp-python's C API (``llama_cpp.llama_cpp``) without running its package's
    ``__init__``, which also imports the high-level ``Llama`` class, jinja2 and the chat
    formats: three times as long, on the path of a daemon that restarts. A later plain
    ``import llama_cpp`` still gets the whole package, on the same bindings."""
    if "llama_cpp" in sys.modules:
        return importlib.import_module("llama_cpp.llama_cpp")
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.submodule_search_locations is None:
        raise ModelError("llama-cpp-python is not installed: run `pip install pied` again.")
    sys.modules["llama_cpp"] = importlib.util.module_from_spec(spec)  # __init__ not run
    try:
        return importlib.import_module("llama_cpp.llama_cpp")
    finally:
        del sys.modules["llama_cpp"]


if TYPE_CHECKING:
    import llama_cpp as ll
else:
    ll = _bindings()

# ggml log levels: 1 debug, 2 info, 3 warn, 4 error, 5 continuation of the previous line.
_LOG_LEVELS = {1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}


# What llama.cpp says when pied aborts a decode on purpose (a keystroke superseded it):
# ggml's status 1 is GGML_STATUS_ABORTED, llama_decode's 2 is "aborted". Not errors.
_ABORTED = re.compile(r"(failed with error 1|compute status: 1)$")
_ABORTED_DECODE = re.compile(r"failed to decode, ret = 2$")
_TRACE = 5  # below DEBUG: the two lines llama.cpp prints before the one kept at DEBUG


def _forward_log(level: int, text: bytes, _data: ctypes.c_void_p) -> None:
    message = text.decode("utf-8", "replace").rstrip()
    if not message:
        return
    if _ABORTED.search(message):
        log.log(_TRACE, "%s", message)
    elif _ABORTED_DECODE.search(message):
        log.debug("decode aborted on request (superseded by more urgent work)")
    else:
        log.log(_LOG_LEVELS.get(level, logging.DEBUG), "%s", message)


_log_callback = ll.llama_log_callback(_forward_log)
_init_lock = threading.Lock()
_initialized = False


def _init_llama() -> None:
    global _initialized
    with _init_lock:
        if not _initialized:
            ll.llama_log_set(_log_callback, ctypes.c_void_p(0))
            ll.llama_backend_init()
            _initialized = True


def _load_model(path: str) -> Any:
    """The model's weights, read into memory on the CPU."""
    mparams = ll.llama_model_default_params()
    mparams.n_gpu_layers = 0
    # llama.cpp's AMX repacked weights crash in ggml_backend_amx_mul_mat on this
    # machine class (Xeon with AMX under firecracker); plain CPU buffers are safe.
    mparams.use_extra_bufts = False
    # Read the weights into memory instead of mapping the file: a mapped model file that
    # is truncated or rewritten while the daemon runs kills it with SIGBUS. Loading is no
    # slower (the file is in the page cache either way).
    mparams.load_mode = ll.LLAMA_LOAD_MODE_NONE
    model = ll.llama_model_load_from_file(path.encode(), mparams)
    if not model:
        raise ModelError(f"llama.cpp could not load {path} (see the log for why).")
    return model


def _context_params(n_ctx: int, n_batch: int, n_seq: int, threads: int, flash_attn: bool) -> Any:
    cparams = ll.llama_context_default_params()
    cparams.n_ctx = n_ctx
    cparams.n_batch = n_batch
    cparams.n_ubatch = n_batch
    cparams.n_seq_max = n_seq
    cparams.kv_unified = True
    cparams.n_threads = cparams.n_threads_batch = threads
    cparams.no_perf = False
    # Off by default: flash attention makes single-token decodes ~1.5x slower on this
    # CPU build (prefill ~12% faster), and completion latency is mostly generation.
    cparams.flash_attn_type = (
        ll.LLAMA_FLASH_ATTN_TYPE_ENABLED if flash_attn else ll.LLAMA_FLASH_ATTN_TYPE_DISABLED
    )
    return cparams


class _Vocabulary:
    """What a loaded model's vocabulary answers (the model handle and vocab set by a subclass)."""

    _model: ctypes.c_void_p | None
    _vocab: ctypes.c_void_p
    _n_vocab: int
    _piece_cache: dict[int, bytes]
    _pieces: list[bytes | None] | None

    def tokenize(self, text: bytes, *, special: bool = False) -> list[int]:
        if not text:
            return []
        cap = len(text) + 8
        buf = (ll.llama_token * cap)()
        n = ll.llama_tokenize(self._vocab, text, len(text), buf, cap, False, special)
        if n < 0:  # pragma: no cover - cap is an upper bound for BPE
            cap = -n
            buf = (ll.llama_token * cap)()
            n = ll.llama_tokenize(self._vocab, text, len(text), buf, cap, False, special)
        return list(buf[:n])

    def token_bytes(self, token: int) -> bytes:
        piece = self._piece_cache.get(token)
        if piece is None:
            buf = ctypes.create_string_buffer(64)
            n = ll.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, True)
            if n < 0:
                buf = ctypes.create_string_buffer(-n)
                n = ll.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, True)
            piece = buf.raw[:n]
            self._piece_cache[token] = piece
        return piece

    def detokenize(self, tokens: Sequence[int]) -> bytes:
        return b"".join(self.token_bytes(t) for t in tokens)

    def pieces(self) -> list[bytes | None]:
        if self._pieces is None:
            control = ll.LLAMA_TOKEN_ATTR_CONTROL
            buf = ctypes.create_string_buffer(256)
            pieces: list[bytes | None] = []
            for t in range(self._n_vocab):
                skip = ll.llama_vocab_get_attr(self._vocab, t) & control
                n = 0 if skip else ll.llama_token_to_piece(self._vocab, t, buf, len(buf), 0, False)
                eog = self.is_end_of_generation(t)
                pieces.append(buf.raw[:n] if n > 0 and not eog else None)
            self._pieces = pieces
        return self._pieces

    def special_token(self, text: str) -> int | None:
        ids = self.tokenize(text.encode(), special=True)
        if len(ids) == 1 and ll.llama_vocab_is_control(self._vocab, ids[0]):
            return ids[0]
        if len(ids) == 1 and self.token_bytes(ids[0]) == text.encode():
            attr = ll.llama_vocab_get_attr(self._vocab, ids[0])
            if attr & (ll.LLAMA_TOKEN_ATTR_CONTROL | ll.LLAMA_TOKEN_ATTR_USER_DEFINED):
                return ids[0]
        return None

    def is_end_of_generation(self, token: int) -> bool:
        return bool(ll.llama_vocab_is_eog(self._vocab, token))

    def metadata(self, key: str) -> str | None:
        buf = ctypes.create_string_buffer(512)
        n = ll.llama_model_meta_val_str(self._model, key.encode(), buf, len(buf))
        return buf.value.decode("utf-8", "replace") if n >= 0 else None


class LlamaCppVocab(_Vocabulary):
    """Only the vocabulary of a GGUF file (no weights, no context): the tokenizer of a model
    that runs on a remote engine."""

    def __init__(self, path: str | Path) -> None:
        _init_llama()
        self.path = str(path)
        mparams = ll.llama_model_default_params()
        mparams.n_gpu_layers = 0
        mparams.vocab_only = True
        self._model = ll.llama_model_load_from_file(self.path.encode(), mparams)
        if not self._model:
            raise ModelError(f"llama.cpp could not read the vocabulary of {self.path}.")
        self._vocab = ll.llama_model_get_vocab(self._model)
        self._n_vocab = ll.llama_vocab_n_tokens(self._vocab)
        self._piece_cache = {}
        self._pieces = None

    @property
    def n_vocab(self) -> int:
        return self._n_vocab

    @property
    def n_ctx_train(self) -> int:
        return int(ll.llama_model_n_ctx_train(self._model))

    def close(self) -> None:
        if self._model:
            ll.llama_model_free(self._model)
            self._model = None


class LlamaCppBackend(_Vocabulary):
    """A GGUF model loaded with llama.cpp; see ``pied.models.backend.Backend``."""

    def __init__(
        self,
        path: str | Path,
        *,
        n_ctx: int = 8192,
        n_seq_max: int = 4,
        n_batch: int = 512,
        threads: int = 0,
        flash_attn: bool = False,
    ) -> None:
        started = time.monotonic()
        _init_llama()
        self._path = str(path)
        # 0: every CPU this process may run on that other processes leave free, now.
        self._threads = ThreadChoice(threads or machine_threads(), fixed=threads > 0)
        threads = self._threads.current
        self._shift_pending = False
        self._model = _load_model(self._path)
        loaded = time.monotonic()
        self._vocab = ll.llama_model_get_vocab(self._model)
        n_ctx_train = ll.llama_model_n_ctx_train(self._model)
        n_ctx = min(n_ctx, n_ctx_train) if n_ctx_train > 0 else n_ctx
        cparams = _context_params(n_ctx, n_batch, n_seq_max, threads, flash_attn)
        self._ctx = ll.llama_init_from_model(self._model, cparams)
        if not self._ctx:
            ll.llama_model_free(self._model)
            raise ModelError(f"llama.cpp could not create a context for {self._path}.")
        self._mem = ll.llama_get_memory(self._ctx)
        self._n_batch = n_batch
        self._n_seq_max = n_seq_max
        self._n_vocab = ll.llama_vocab_n_tokens(self._vocab)
        self._batch = ll.llama_batch_init(n_batch, 0, 1)
        self._abort = ctypes.c_bool(False)
        self._abort_cb = ll.ggml_abort_callback(self._abort_requested)
        self._piece_cache: dict[int, bytes] = {}
        self._pieces: list[bytes | None] | None = None
        self._n_out = 0
        self.info = self._describe(n_ctx_train, threads, n_seq_max)
        load_log.info(
            "model ready in %.0f ms (weights loaded in %.0f, context %.0f)",
            (time.monotonic() - started) * 1000,
            (loaded - started) * 1000,
            (time.monotonic() - loaded) * 1000,
        )

    def _describe(self, n_ctx_train: int, threads: int, n_seq: int) -> ModelInfo:
        desc = ctypes.create_string_buffer(256)
        ll.llama_model_desc(self._model, desc, len(desc))
        return ModelInfo(
            path=self._path,
            description=desc.value.decode("utf-8", "replace"),
            n_ctx=ll.llama_n_ctx(self._ctx),
            n_ctx_train=n_ctx_train,
            n_vocab=self._n_vocab,
            n_layer=ll.llama_model_n_layer(self._model),
            n_head_kv=ll.llama_model_n_head_kv(self._model),
            n_embd=ll.llama_model_n_embd(self._model),
            threads=threads,
            n_seq=n_seq,
        )

    def close(self) -> None:
        if self._ctx:
            ll.llama_batch_free(self._batch)
            ll.llama_free(self._ctx)
            ll.llama_model_free(self._model)
            self._ctx = None
            self._model = None

    def __enter__(self) -> LlamaCppBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _abort_requested(self, _data: ctypes.c_void_p) -> bool:
        return bool(self._abort.value)

    def request_abort(self) -> None:
        self._abort.value = True

    def clear_abort(self) -> None:
        self._abort.value = False

    def decode(
        self, tokens: Sequence[int], start: int, *, seq: int = 0, logits: str = "last"
    ) -> int:
        n = len(tokens)
        if n == 0:
            self._n_out = 0
            return 0
        if start + n > self.info.n_ctx:
            raise ModelError(
                f"The prompt needs {start + n} positions but the context holds {self.info.n_ctx}."
            )
        first = 0
        if self._shift_pending:
            # The first decode after a shift applies it to the keys, in place and layer by
            # layer; aborted halfway, llama.cpp would apply it again over half-rotated keys.
            # So the shift goes with one token that no abort can stop.
            first = 1 if logits != "all" else n  # "all": small batches, rows must stay whole
            rows = self._decode_chunk(tokens[:first], start, seq, logits, first == n)
            self._shift_pending = False
            if first == n:
                self._n_out = rows
                return rows
        # The abort callback costs a Python call per graph node, so it is only installed
        # for multi-token batches; single-token decodes are cancelled between tokens.
        if n - first > 1:
            ll.llama_set_abort_callback(self._ctx, self._abort_cb, None)
        try:
            rows = 0
            for i in range(first, n, self._n_batch):
                chunk = tokens[i : i + self._n_batch]
                last_chunk = i + self._n_batch >= n
                try:
                    rows = self._decode_chunk(chunk, start + i, seq, logits, last_chunk)
                except DecodeAborted as e:
                    # Finished chunks stay; whatever the aborted one wrote goes.
                    ll.llama_memory_seq_rm(self._mem, seq, start + i, -1)
                    self._n_out = 0
                    raise DecodeAborted(str(e), done=i) from None
        finally:
            if n - first > 1:
                ll.llama_set_abort_callback(self._ctx, ll.ggml_abort_callback(0), None)
        self._n_out = rows
        return rows

    def _decode_chunk(
        self, chunk: Sequence[int], pos: int, seq: int, logits: str, last_chunk: bool
    ) -> int:
        if self._abort.value:
            raise DecodeAborted("decode aborted")
        b = self._batch
        m = len(chunk)
        b.n_tokens = m
        rows = 0
        for j, tok in enumerate(chunk):
            b.token[j] = tok
            b.pos[j] = pos + j
            b.n_seq_id[j] = 1
            b.seq_id[j][0] = seq
            want = logits == "all" or (logits == "last" and last_chunk and j == m - 1)
            b.logits[j] = want
            rows += want
        if (threads := self._threads.changed()) is not None:
            ll.llama_set_n_threads(self._ctx, threads, threads)
        rc = ll.llama_decode(self._ctx, b)
        if rc == 2:
            raise DecodeAborted("decode aborted")
        if rc == 1:
            raise CacheFull(f"no room in the KV cache for {m} tokens at position {pos}.")
        if rc != 0:
            raise ModelError(f"llama_decode failed with code {rc} at positions {pos}..{pos + m}.")
        return rows

    def logits(self, row: int = -1) -> Logits:
        if self._n_out == 0:
            raise ModelError("No logits: the last decode asked for none.")
        ptr = ll.llama_get_logits_ith(self._ctx, row)
        if not ptr:
            raise ModelError(f"No logits for row {row}.")
        return np.ctypeslib.as_array(ptr, shape=(self._n_vocab,))

    # --- KV cache ---------------------------------------------------------------------------

    def kv_remove(self, seq: int, p0: int, p1: int) -> None:
        ll.llama_memory_seq_rm(self._mem, seq, p0, p1)

    def kv_shift(self, seq: int, p0: int, p1: int, delta: int) -> None:
        if delta:
            ll.llama_memory_seq_add(self._mem, seq, p0, p1, delta)
            self._shift_pending = True  # applied by the next decode (see ``decode``)

    def kv_copy(self, src: int, dst: int, p0: int, p1: int) -> None:
        ll.llama_memory_seq_cp(self._mem, src, dst, p0, p1)

    def kv_pos_max(self, seq: int) -> int:
        return int(ll.llama_memory_seq_pos_max(self._mem, seq))

    def release(self) -> None:
        """Nothing outlives a decode here."""

    def kv_clear(self) -> None:
        ll.llama_memory_clear(self._mem, True)

    # --- state of one sequence (for eviction) -----------------------------------------------

    def _settle_shift(self) -> None:
        """Apply a pending shift now (a token decoded in the last scratch sequence and
        removed): the saved state of a sequence must hold rotated keys."""
        if self._shift_pending:
            scratch = self._n_seq_max - 1
            self.decode([0], 0, seq=scratch, logits="none")
            ll.llama_memory_seq_rm(self._mem, scratch, -1, -1)

    def seq_state(self, seq: int) -> bytes:
        self._settle_shift()
        size = ll.llama_state_seq_get_size(self._ctx, seq)
        buf = (ctypes.c_uint8 * size)()
        n = ll.llama_state_seq_get_data(self._ctx, buf, size, seq)
        return ctypes.string_at(buf, n)

    def set_seq_state(self, seq: int, state: bytes) -> None:
        buf = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if ll.llama_state_seq_set_data(self._ctx, buf, len(state), seq) == 0:
            raise ModelError(f"llama.cpp refused the saved state of sequence {seq}.")

    def perf(self) -> dict[str, float]:
        """llama.cpp's own timing of prompt and generation decodes since the last reset."""
        data = ll.llama_perf_context(self._ctx)
        return {
            "prompt_ms": data.t_p_eval_ms,
            "prompt_tokens": data.n_p_eval,
            "eval_ms": data.t_eval_ms,
            "eval_tokens": data.n_eval,
        }

    def perf_reset(self) -> None:
        ll.llama_perf_context_reset(self._ctx)
