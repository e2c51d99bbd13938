"""Clean a finished completion so it fits the text it is inserted into."""

from __future__ import annotations

from pied.editing.indent import convert, indent_width, leading_ws, width
from pied.editing.stops import BLOCK_OPENERS, Mode, Scope


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


# An overlap this short that starts inside a word is a coincidence (``foo`` before ``o...``).
COINCIDENCE = 2


def suffix_overlap(completion: str, suffix: str) -> int:
    """Length of the longest tail of ``completion`` that the suffix starts with.

    Whitespace alone does not count, nor does a short tail that starts inside a word of
    the completion (``foo`` before ``o...`` is not a duplicated ``o``); a tail that
    covers the rest of the cursor's line always counts (``largest`` before ``st, j)``
    written as ``largest, j)`` is the line written again).
    """
    nl = suffix.find("\n")
    line_rest = (suffix if nl == -1 else suffix[:nl]).rstrip()
    for k in range(min(len(completion), len(suffix)), 0, -1):
        tail = completion[-k:]
        if not suffix.startswith(tail) or not tail.strip():
            continue
        start = len(completion) - k
        inside_word = start > 0 and _is_word_char(completion[start - 1]) and _is_word_char(tail[0])
        if inside_word and k <= COINCIDENCE and k < len(line_rest):
            continue
        return k
    return 0


def body_at_its_depth(completion: str, scope: Scope, indent_unit: str) -> str:
    """A block body written deeper than one unit below its opener, moved back to that depth.

    After ``for x in xs:`` (or ``{``) the body belongs one indentation unit in; a model that
    indents it further (a healed first token likes to) would break the block. Every body
    line moves left by the same amount, so its own nesting stays.
    """
    lines = completion.split("\n")
    opener_line = scope.line_prefix + lines[0]
    body = [ln for ln in lines[1:] if ln.strip()]
    if not scope.opener or not body or not opener_line.rstrip().endswith(BLOCK_OPENERS):
        return completion
    base = indent_width(opener_line)
    extra = indent_width(body[0]) - (base + width(indent_unit))
    if extra <= 0 or any(indent_width(ln) - extra <= base for ln in body):
        return completion  # at its depth already, or not a uniform shift
    shifted = [lines[0]]
    for ln in lines[1:]:
        ws = leading_ws(ln)
        cut = 0
        while cut < len(ws) and width(ws[: cut + 1]) <= extra:
            cut += 1
        shifted.append(ln[cut:])
    return "\n".join(shifted)


def finish(
    completion: str,
    scope: Scope,
    suffix: str,
    indent_unit: str,
    *,
    truncated: bool = False,
    joined: bool = True,
    met: bool = False,
) -> str:
    """Trailing whitespace off, no text that repeats the suffix, the file's indentation.

    ``truncated``: generation ran out of budget; a multi-line completion then loses its
    unfinished last line (a half statement is worse than none) and any block it opened
    last whose body never came (``if x:``, ``{``). ``joined``: the completion ended where
    the model meant it to (its end token, or its text met the rest of the cursor's line);
    where text follows the cursor and it did not, only its first line is kept. ``met``: it
    was cut where it met the suffix already (no tail is trimmed again). Lines inserted
    before existing code end with a newline and that line's indentation.
    """
    if scope.join and scope.mode is Mode.MULTI and not joined:
        completion = completion.split("\n", 1)[0]
    completion = body_at_its_depth(completion, scope, indent_unit)
    if truncated and scope.mode is Mode.MULTI and "\n" in completion.strip("\n"):
        kept = completion.rstrip("\n").split("\n")[:-1]
        while len(kept) > 1 and kept[-1].rstrip().endswith((":", "{")):
            kept.pop()
        completion = "\n".join(kept)
    # A whole new line inserted before the code after the cursor keeps its newline.
    new_line = (
        scope.mode is Mode.SINGLE
        and not scope.line_prefix.strip()
        and bool(scope.line_suffix.strip())
        and completion.endswith("\n")
    )
    lines = completion.split("\n")
    lines = [line.rstrip() for line in lines[:-1]] + [lines[-1]]
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    if not scope.line_suffix[:1].strip():
        # Nothing, or whitespace, follows on the cursor's line: trailing blanks are noise.
        lines[-1] = lines[-1].rstrip()
    text = "\n".join(lines)
    above = scope.insert_before and scope.mode is Mode.MULTI
    if above:
        text = text.rstrip()
    elif not met:
        overlap = suffix_overlap(text, suffix)
        if overlap:
            text = text[:-overlap]
    if not text.strip():
        return ""
    first_line_is_indent = not scope.line_prefix.strip()
    text = convert(text, indent_unit, first_line_is_indent=first_line_is_indent)
    if above:
        return text + "\n" + scope.line_prefix
    return text + "\n" if new_line else text
