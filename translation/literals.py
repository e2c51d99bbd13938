"""What both sides of a differential test share: a probe (one call's arguments), the
prefix of each printed result, and literals valid in C++, Java, JS and Go."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "@pied"


@dataclass(frozen=True)
class Probe:
    args: tuple[object, ...]


def escape(text: str) -> str:
    """Characters as \\u escapes where not plain ASCII (valid in C++, Java, JS and Go)."""
    out = []
    for ch in text:
        if ch in "\\\"'":
            out.append("\\" + ch)
        elif 0x20 <= ord(ch) < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return "".join(out)


def float_literal(value: object) -> str:
    return repr(float(value))  # type: ignore[arg-type]
