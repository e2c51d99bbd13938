"""The suffix a fill-in-the-middle prompt shows: the code after the cursor up to the end of
the definition the cursor is in.

A small model that sees the next function right after the cursor writes that function's
body where the cursor's own belongs (``stdev`` completed with the body of the ``median``
below it); shown the code only to the end of its own definition, it writes its own. The
stop rules still see the whole suffix (``windows.Window.suffix``): only the prompt is cut.
"""

from __future__ import annotations

import re

from pied.editing.indent import indent_width

# A line that starts a definition, in the languages pied parses (Python, JavaScript and
# TypeScript, Go, Java, C and C++ where a definition opens with a keyword).
DEFINITION = re.compile(
    r"(?:@|(?:async\s+)?def\s|class\s|func\s|function[\s*(]|export\s|interface\s|struct\s"
    r"|public\s|private\s|protected\s|static\s|template\s*<|type\s)"
)


def scoped_suffix(prefix: str, suffix: str) -> str:
    """``suffix`` up to the next definition at or left of the header of the definition the
    cursor is in (the blank lines before it kept); all of it where the cursor is in none."""
    header = _enclosing_header_indent(prefix)
    if header is None:
        return suffix
    first_nl = suffix.find("\n")
    if first_nl == -1:
        return suffix
    pos = first_nl + 1
    while pos < len(suffix):
        end = suffix.find("\n", pos)
        end = len(suffix) if end == -1 else end + 1
        line = suffix[pos:end]
        if line.strip() and indent_width(line) <= header and DEFINITION.match(line.lstrip()):
            return suffix[:pos]
        pos = end
    return suffix


def _enclosing_header_indent(prefix: str) -> int | None:
    """The indentation of the definition the cursor is in: the nearest line above that
    starts a definition left of every line between it and the cursor."""
    lines = prefix.split("\n")
    cursor_line = lines[-1]
    limit = indent_width(cursor_line)
    if not cursor_line and len(lines) > 1 and lines[-2].strip():
        # A fresh line right under code, not indented yet: it goes on that code's block
        # (where an editor's indentation would put it), as the next keystrokes will say.
        limit = indent_width(lines[-2]) + 1
    for line in reversed(lines[:-1]):
        if not line.strip():
            continue
        width = indent_width(line)
        if width >= limit:
            continue
        if DEFINITION.match(line.lstrip()):
            return width
        limit = width
        if limit == 0:
            return None
    return None
