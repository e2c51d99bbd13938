"""A scripted byte-level backend for fast unit tests of logic (never the only test of a feature)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pied.models.backend import DecodeAborted, Logits, ModelInfo

SPECIALS = ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|file_sep|>", "<|endoftext|>"]
SPECIALS += ["<|repo_name|>"]


class FakeBackend:
    """Token i < 256 is byte i; specials follow. After a prompt it 'generates' ``script``.

    ``others`` are less likely scripts: a run that starts with another first token
    (``Start.rank``) goes on with the script it begins; where one starts like the script
    and then parts from it, it is the next choice there (a run kept off the script's byte
    goes on with it)."""

    def __init__(
        self, script: str = "", n_ctx: int = 4096, n_seq: int = 4, others: Sequence[str] = ()
    ) -> None:
        self.script = script.encode()
        self.others = [o.encode() for o in others]
        self.n_vocab = 256 + len(SPECIALS)
        self.info = ModelInfo("fake.gguf", "fake", n_ctx, n_ctx, self.n_vocab, 1, 1, 8, 1, n_seq)
        self.eos = 256 + SPECIALS.index("<|endoftext|>")
        self.cells: dict[int, dict[int, int]] = {}  # seq -> pos -> token
        self.decoded: list[tuple[int, int, int]] = []  # (seq, start, n) per decode call
        self.last_seq = 0
        self.aborted = False
        self.abort_after: int | None = None  # tokens decoded before an abort hits mid-call
        self.rows = (0, 1, -1)  # the last decode's first position, logit rows, last position

    def tokenize(self, text: bytes, *, special: bool = False) -> list[int]:
        return list(text)

    def token_bytes(self, token: int) -> bytes:
        return bytes([token]) if token < 256 else SPECIALS[token - 256].encode()

    def detokenize(self, tokens: Sequence[int]) -> bytes:
        return b"".join(self.token_bytes(t) for t in tokens)

    def pieces(self) -> list[bytes | None]:
        return [bytes([t]) for t in range(256)] + [None] * len(SPECIALS)

    def special_token(self, text: str) -> int | None:
        return 256 + SPECIALS.index(text) if text in SPECIALS else None

    def is_end_of_generation(self, token: int) -> bool:
        return token == self.eos

    def decode(
        self, tokens: Sequence[int], start: int, *, seq: int = 0, logits: str = "last"
    ) -> int:
        if self.aborted:
            raise DecodeAborted("aborted")
        cells = self.cells.setdefault(seq, {})
        if cells and start != max(cells) + 1:
            raise AssertionError(f"non-consecutive decode at {start} after {max(cells)}")
        if self.abort_after is not None and len(tokens) > self.abort_after:
            done, self.abort_after = self.abort_after, None
            for i, t in enumerate(tokens[:done]):
                cells[start + i] = t
            raise DecodeAborted("aborted", done=done)
        for i, t in enumerate(tokens):
            cells[start + i] = t
        self.decoded.append((seq, start, len(tokens)))
        self.last_seq = seq
        self.rows = (start, len(tokens) if logits == "all" else 1, start + len(tokens) - 1)
        return self.rows[1]

    def logits(self, row: int = -1) -> Logits:
        """Like a model that knows its script: the next byte after <|fim_middle|> + emitted
        (up to the row's token: with ``logits="all"`` row r is the decode's r-th token)."""
        first, n_rows, last = self.rows
        upto = last if n_rows == 1 else first + (row if row >= 0 else n_rows + row)
        tokens = self.seq_tokens(self.last_seq, upto)
        middle = 256 + SPECIALS.index("<|fim_middle|>")
        emitted = len(tokens) - 1 - tokens.index(middle) if middle in tokens else 0
        out = np.zeros(self.n_vocab, dtype=np.float32)
        script = self.script
        if emitted == 0:
            for i, other in enumerate(self.others):
                out[other[0]] = 9.0 - i
        else:
            done = self.detokenize(tokens[len(tokens) - emitted :])
            alive = [s for s in (self.script, *self.others) if s.startswith(done)]
            first = tokens[len(tokens) - emitted]
            script = alive[0] if alive else next((o for o in self.others if o[0] == first), script)
            for i, other in enumerate(self.others):
                if other in alive and other is not script and len(other) > emitted:
                    out[other[emitted]] = 9.0 - i
        out[script[emitted] if emitted < len(script) else self.eos] = 10.0
        return out

    def kv_remove(self, seq: int, p0: int, p1: int) -> None:
        cells = self.cells.get(seq, {})
        for p in [p for p in cells if p >= p0 and (p1 < 0 or p < p1)]:
            del cells[p]

    def kv_shift(self, seq: int, p0: int, p1: int, delta: int) -> None:
        cells = self.cells.get(seq, {})
        moved = {p: t for p, t in cells.items() if p >= p0 and (p1 < 0 or p < p1)}
        for p in moved:
            del cells[p]
        for p, t in moved.items():
            if p + delta >= 0:
                cells[p + delta] = t

    def kv_copy(self, src: int, dst: int, p0: int, p1: int) -> None:
        for p, t in self.cells.get(src, {}).items():
            if p >= p0 and (p1 < 0 or p < p1):
                self.cells.setdefault(dst, {})[p] = t

    def kv_pos_max(self, seq: int) -> int:
        return max(self.cells.get(seq, {}), default=-1)

    def release(self) -> None:
        pass

    def kv_clear(self) -> None:
        self.cells.clear()

    def request_abort(self) -> None:
        self.aborted = True

    def clear_abort(self) -> None:
        self.aborted = False

    def seq_state(self, seq: int) -> bytes:
        import json

        return json.dumps(sorted(self.cells.get(seq, {}).items())).encode()

    def set_seq_state(self, seq: int, state: bytes) -> None:
        import json

        self.cells[seq] = {p: t for p, t in json.loads(state)}

    def perf(self) -> dict[str, float]:
        return {"prompt_ms": 0.0, "prompt_tokens": 0, "eval_ms": 0.0, "eval_tokens": 0}

    def perf_reset(self) -> None:
        pass

    def seq_tokens(self, seq: int = 0, upto: int | None = None) -> list[int]:
        cells = self.cells.get(seq, {})
        return [cells[p] for p in sorted(cells) if upto is None or p <= upto]
