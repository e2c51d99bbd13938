"""Documents' KV caches on disk: the store, and the engine restoring instead of encoding."""

import hashlib
import os
from pathlib import Path

import pytest

from pied.config import Settings
from pied.engine.engine import Engine
from pied.kvcache.cache import Saved
from pied.kvcache.disk import DiskStore, model_id
from tests.fakes import FakeBackend

SAVED = Saved(b"cells" * 100, [5, 6, 7, 8], first_stale=2, unseen=3)


def test_a_saved_cache_loads_back_equal(tmp_path: Path) -> None:
    store = DiskStore(tmp_path, "model-a", 1 << 20)
    assert store.save("file:///x.py", SAVED)
    assert store.load("file:///x.py") == SAVED
    assert store.load("file:///other.py") is None
    assert store.stats().files == 1


def test_a_corrupt_or_truncated_file_is_ignored_and_removed(tmp_path: Path) -> None:
    store = DiskStore(tmp_path, "model-a", 1 << 20)
    store.save("u", SAVED)
    (path,) = tmp_path.glob("*.kv")
    path.write_bytes(path.read_bytes()[:-7])
    assert store.load("u") is None
    assert store.rejected == 1 and not path.exists()
    store.save("u", SAVED)
    (path,) = tmp_path.glob("*.kv")
    path.write_bytes(b"garbage" + path.read_bytes())
    assert store.load("u") is None


def test_another_models_cache_is_not_taken(tmp_path: Path) -> None:
    DiskStore(tmp_path, "model-a", 1 << 20).save("u", SAVED)
    assert DiskStore(tmp_path, "model-b", 1 << 20).load("u") is None


def test_the_folder_keeps_within_its_budget_dropping_the_least_recently_used(
    tmp_path: Path,
) -> None:
    big = Saved(b"x" * 4000, [1, 2, 3], None, 0)
    store = DiskStore(tmp_path, "m", 10_000)
    for i, name in enumerate(["a", "b"]):
        store.save(name, big)
        os.utime(store._path(name), (1000 + i, 1000 + i))
    store.load("a")  # used: now the most recent
    store.save("c", big)
    assert store.load("b") is None
    assert store.load("a") == big and store.load("c") == big
    assert store.stats().bytes <= 10_000


def test_a_folder_that_cannot_be_written_loses_the_cache_not_the_request(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    store = DiskStore(blocker / "kv", "m", 1 << 20)  # no folder can be made under a file
    assert store.save("u", SAVED) is False
    assert store.load("u") is None
    assert DiskStore(Path("/dev/full"), "m", 1 << 20).save("u", SAVED) is False


def test_the_model_id_is_its_sha256_remembered(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights")
    first = model_id(model, tmp_path / "ids.json")
    assert first == hashlib.sha256(b"weights").hexdigest()
    assert model_id(model, tmp_path / "ids.json") == first
    model.write_bytes(b"other weights")
    assert model_id(model, tmp_path / "ids.json") != first
    (tmp_path / "ids.json").write_text("[1, 2]")  # not what it should hold: rehashed
    assert model_id(model, tmp_path / "ids.json") == hashlib.sha256(b"other weights").hexdigest()


def _engine(disk: DiskStore) -> Engine:
    return Engine(FakeBackend(), Settings(), disk=disk)


def test_an_engine_restores_a_documents_cache_from_disk_instead_of_encoding(
    tmp_path: Path,
) -> None:
    tokens = list(range(10, 60))
    first = _engine(DiskStore(tmp_path, "m", 1 << 20))
    first.files.name("k", "file:///a.py")
    assert first.cache.sync("k", tokens).encoded == len(tokens)
    assert first.files.persist_all() == 1
    assert first.files.unsaved() == []

    second = _engine(DiskStore(tmp_path, "m", 1 << 20))  # a restarted daemon
    second.files.name("k2", "file:///a.py")
    assert second.files.restore("k2")
    stats = second.cache.sync("k2", [*tokens, 99])
    assert stats.encoded == 1 and stats.reused == len(tokens)
    assert second.cache.restores == 1
    # A document with cells of its own is not overwritten from disk.
    assert not second.files.restore("k2")


def test_an_evicted_document_goes_to_disk_too(tmp_path: Path) -> None:
    disk = DiskStore(tmp_path, "m", 1 << 20)
    engine = _engine(disk)
    n_docs = engine.backend.info.n_seq - 2
    for i in range(n_docs + 1):
        engine.files.name(i, f"file:///{i}.py")
        engine.cache.sync(i, list(range(1, 20 + i)))
    engine.files.persist_all()
    assert engine.cache.evictions == 1
    assert disk.load("file:///0.py") is not None  # the evicted one


def test_an_unchanged_cache_is_not_written_again(tmp_path: Path) -> None:
    disk = DiskStore(tmp_path, "m", 1 << 20)
    engine = _engine(disk)
    engine.files.name("k", "u")
    engine.cache.sync("k", [1, 2, 3, 4])
    engine.files.persist_all()
    engine.files.persist_all()
    assert disk.written == 1
    engine.cache.sync("k", [1, 2, 3, 4, 5])
    assert engine.files.unsaved() == ["k"]
    engine.files.persist_all()
    assert disk.written == 2


def test_a_full_disk_keeps_the_file_saved_before_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import io

    from pied.kvcache import disk

    store = DiskStore(tmp_path, "m", 1 << 20)
    assert store.save("u", SAVED)

    class Full(io.BytesIO):
        def write(self, data: object) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    real_fdopen = os.fdopen

    def fdopen(fd: int, mode: str = "r") -> object:
        os.close(fd)
        return Full()

    monkeypatch.setattr(disk.os, "fdopen", fdopen)
    changed = Saved(b"other state", [7, 8, 9], 3, 0)
    assert store.save("u", changed) is False  # logged once, the request goes on
    monkeypatch.setattr(disk.os, "fdopen", real_fdopen)
    assert not list(tmp_path.glob("*.tmp"))
    assert store.load("u") == SAVED  # the earlier cache is still whole
