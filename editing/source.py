"""Reading a user's source file into text, with a clear error for what cannot be text."""

from __future__ import annotations

from pathlib import Path

from pied.editing.errors import EditingError

MAX_SOURCE_BYTES = 16 * 1024 * 1024


def decode_source(data: bytes, name: str = "the text") -> str:
    """UTF-8 text of ``data`` (a BOM is dropped); binary or invalid UTF-8 is an error."""
    if b"\0" in data[:8192]:
        raise EditingError(f"{name} looks like a binary file (it contains NUL bytes).")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise EditingError(
            f"{name} is not valid UTF-8 (byte 0x{data[e.start]:02x} on line {line})."
        ) from None
    return text.removeprefix("\ufeff")


def read_source(path: Path, max_bytes: int = MAX_SOURCE_BYTES) -> str:
    """The text of a source file, refusing huge, binary and non-UTF-8 files."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise EditingError(
                f"{path} is too large ({size // (1024 * 1024)} MiB; the limit is "
                f"{max_bytes // (1024 * 1024)} MiB)."
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise EditingError(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise EditingError(f"{path} is a directory, not a file.") from None
    except PermissionError:
        raise EditingError(f"{path} cannot be read (permission denied).") from None
    return decode_source(data, str(path))
