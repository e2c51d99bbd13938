"""Documents' KV caches on disk, so a reopened file or a restarted daemon restores
instead of re-encoding (CacheGen's idea, without its compression).

One file per document: a short header (format, the model's identity, the document's
name, the tokens the cells hold and their staleness), the tokens, then the backend's
bytes of the sequence. A file is written whole to a temporary name and renamed, so a
reader never sees half of one; a file whose header, model or size does not match is
ignored and removed. The folder is capped in bytes; the least recently used files go
first. Nothing here raises on a full or read-only disk: the cache is an optimisation,
the failure is logged once and the document is encoded as if it had never been saved.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import json
import logging
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pied.kvcache.cache import Saved

log = logging.getLogger("pied.kvcache")

MAGIC = b"PIEDKV1\n"
_LEN = struct.Struct("<I")
SUFFIX = ".kv"


@dataclass(frozen=True)
class DiskStats:
    files: int
    bytes: int


class DiskStore:
    """Saved sequences under ``root`` for the model ``model_id``, within ``budget`` bytes."""

    def __init__(self, root: Path, model_id: str, budget: int) -> None:
        self.root = root
        self.model_id = model_id
        self.budget = budget
        self.written = 0
        self.loaded = 0
        self.rejected = 0  # stale, corrupt or foreign files ignored
        self._warned = False

    def _path(self, name: str) -> Path:
        digest = hashlib.sha256(f"{self.model_id}\0{name}".encode()).hexdigest()[:32]
        return self.root / (digest + SUFFIX)

    def _failed(self, what: str, err: OSError) -> None:
        if not self._warned:
            log.warning("the KV cache on disk is off for now: %s %s: %s", what, self.root, err)
            self._warned = True
        else:
            log.debug("%s %s: %s", what, self.root, err)

    def save(self, name: str, saved: Saved) -> bool:
        """Write ``saved`` as ``name``'s cache; False when the disk refused it."""
        if self.budget <= 0 or not saved.tokens:
            return False
        tokens = array.array("i", saved.tokens).tobytes()
        header = json.dumps(
            {
                "model": self.model_id,
                "name": name,
                "tokens": len(saved.tokens),
                "state": len(saved.state),
                "first_stale": saved.first_stale,
                "unseen": saved.unseen,
            }
        ).encode()
        if len(tokens) + len(saved.state) > self.budget:
            return False
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(MAGIC + _LEN.pack(len(header)) + header + tokens + saved.state)
                os.replace(tmp, self._path(name))
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:
            self._failed("cannot write to", e)
            return False
        self.written += 1
        self._trim()
        return True

    def load(self, name: str) -> Saved | None:
        """``name``'s saved cache for this model, or None (absent, stale or corrupt)."""
        path = self._path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            self._failed("cannot read", e)
            return None
        saved = self._parse(data, name)
        if saved is None:
            self.rejected += 1
            log.info("ignoring a stale or corrupt KV file %s", path.name)
            path.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: trimmed last
        self.loaded += 1
        return saved

    def _parse(self, data: bytes, name: str) -> Saved | None:
        head = len(MAGIC) + _LEN.size
        if len(data) < head or not data.startswith(MAGIC):
            return None
        (n,) = _LEN.unpack_from(data, len(MAGIC))
        try:
            header = json.loads(data[head : head + n])
            count, size = int(header["tokens"]), int(header["state"])
            if header["model"] != self.model_id or header["name"] != name:
                return None
            first_stale = header["first_stale"]
            unseen = int(header["unseen"])
        except (ValueError, KeyError, TypeError):
            return None
        start = head + n
        width = array.array("i").itemsize
        if count <= 0 or size <= 0 or len(data) != start + count * width + size:
            return None
        tokens = array.array("i")
        tokens.frombytes(data[start : start + count * width])
        if first_stale is not None and not isinstance(first_stale, int):
            return None
        return Saved(data[start + count * width :], tokens.tolist(), first_stale, unseen)

    def _files(self) -> list[os.DirEntry[str]]:
        try:
            return [e for e in os.scandir(self.root) if e.name.endswith(SUFFIX)]
        except OSError:
            return []

    def _trim(self) -> None:
        files = sorted(self._files(), key=lambda e: e.stat().st_mtime)
        total = sum(e.stat().st_size for e in files)
        for e in files:
            if total <= self.budget:
                break
            total -= e.stat().st_size
            Path(e.path).unlink(missing_ok=True)

    def stats(self) -> DiskStats:
        files = self._files()
        return DiskStats(len(files), sum(e.stat().st_size for e in files))


def model_id(path: Path, cache: Path) -> str:
    """The sha256 of a model file, remembered in ``cache`` by path, size and mtime (hashing
    a GGUF of hundreds of MB takes a second; it is done once per file)."""
    st = path.stat()
    key = f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"
    known: dict[str, str] = {}
    try:
        read = json.loads(cache.read_text())
    except (OSError, ValueError):
        read = None
    if isinstance(read, dict):  # anything else in the file is ignored and rewritten
        known = {k: v for k, v in read.items() if isinstance(v, str)}
        if key in known:
            return known[key]
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    digest = h.hexdigest()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        known[key] = digest
        cache.write_text(json.dumps(known))
    except OSError:
        pass
    return digest
