"""Fill-in-the-middle prompt templates, one table for every model family.

A prompt is a list of token ids. Special tokens are looked up by their markup in the
model's vocabulary, so a template only names strings; text pieces are tokenized by
the caller's tokenizer. Other-file context comes first so that it stays a stable
prefix of the prompt (and of the KV cache) while the user types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pied.models.errors import ModelError

Tokenize = Callable[[bytes], list[int]]
LookupSpecial = Callable[[str], int | None]


@dataclass(frozen=True)
class FimTemplate:
    """The markup one model family was trained with."""

    family: str
    prefix: str
    suffix: str
    middle: str
    order: str = "psm"  # psm: prefix, suffix, middle; spm: suffix, prefix, middle
    file_sep: str | None = None
    repo_name: str | None = None
    stops: tuple[str, ...] = ()  # further special tokens that end a completion


TEMPLATES: dict[str, FimTemplate] = {
    t.family: t
    for t in (
        FimTemplate(
            family="qwen2.5-coder",
            prefix="<|fim_prefix|>",
            suffix="<|fim_suffix|>",
            middle="<|fim_middle|>",
            file_sep="<|file_sep|>",
            repo_name="<|repo_name|>",
            stops=("<|fim_pad|>", "<|endoftext|>", "<|im_end|>"),
        ),
        FimTemplate(
            family="starcoder",
            prefix="<fim_prefix>",
            suffix="<fim_suffix>",
            middle="<fim_middle>",
            file_sep="<file_sep>",
            repo_name="<repo_name>",
            stops=("<fim_pad>", "<|endoftext|>"),
        ),
        FimTemplate(
            family="codellama", prefix="▁<PRE>", suffix="▁<SUF>", middle="▁<MID>", stops=("▁<EOT>",)
        ),
        FimTemplate(
            family="deepseek-coder",
            prefix="<｜fim▁begin｜>",
            suffix="<｜fim▁hole｜>",
            middle="<｜fim▁end｜>",
            stops=("<|EOT|>",),
        ),
        FimTemplate(
            family="codegemma",
            prefix="<|fim_prefix|>",
            suffix="<|fim_suffix|>",
            middle="<|fim_middle|>",
            file_sep="<|file_separator|>",
            stops=("<|file_separator|>",),
        ),
    )
}


@dataclass(frozen=True)
class FimTokens:
    """A template resolved against one vocabulary."""

    template: FimTemplate
    prefix: int
    suffix: int
    middle: int
    file_sep: int | None
    repo_name: int | None
    stops: frozenset[int]


def detect(lookup: LookupSpecial) -> FimTokens:
    """The first template whose FIM tokens all exist in the vocabulary."""
    for template in TEMPLATES.values():
        found = resolve(template, lookup)
        if found is not None:
            return found
    raise ModelError("This model has no fill-in-the-middle tokens pied knows; it cannot complete.")


def resolve(template: FimTemplate, lookup: LookupSpecial) -> FimTokens | None:
    ids = [lookup(s) for s in (template.prefix, template.suffix, template.middle)]
    if any(i is None for i in ids):
        return None
    pre, suf, mid = (i for i in ids if i is not None)
    file_sep = lookup(template.file_sep) if template.file_sep else None
    repo = lookup(template.repo_name) if template.repo_name else None
    stops = {i for i in (lookup(s) for s in template.stops) if i is not None}
    stops |= {pre, suf, mid}
    if file_sep is not None:
        stops.add(file_sep)
    if repo is not None:
        stops.add(repo)
    return FimTokens(template, pre, suf, mid, file_sep, repo, frozenset(stops))


@dataclass(frozen=True)
class ContextFile:
    """Another file shown to the model before the current one."""

    path: str
    text: str


@dataclass(frozen=True)
class FimPrompt:
    """Prompt tokens and where each part lies in them."""

    tokens: list[int]
    context_end: int  # end of the other-file context
    prefix_end: int  # end of the prefix text (the cursor)
    suffix_range: tuple[int, int]  # the suffix text tokens


def build(
    fim: FimTokens,
    tokenize: Tokenize,
    prefix: str,
    suffix: str,
    *,
    path: str | None = None,
    context: Sequence[ContextFile] = (),
    repo: str | None = None,
) -> FimPrompt:
    """The FIM prompt for ``prefix``|``suffix`` with other files in front."""

    def text(s: str) -> list[int]:
        return tokenize(s.encode("utf-8")) if s else []

    head: list[int] = []
    if fim.file_sep is not None and (context or path):
        if repo and fim.repo_name is not None:
            head += [fim.repo_name, *text(repo + "\n")]
        for f in context:
            body = f.text if f.text.endswith("\n") else f.text + "\n"
            head += [fim.file_sep, *text(f"{f.path}\n{body}")]
        if path:
            head += [fim.file_sep, *text(path + "\n")]
    pre = [fim.prefix, *text(prefix)]
    suf = [fim.suffix, *text(suffix)]
    if fim.template.order == "spm":
        tokens = [*head, *suf, *pre, fim.middle]
        suffix_range = (len(head) + 1, len(head) + len(suf))
    else:
        tokens = [*head, *pre, *suf, fim.middle]
        start = len(head) + len(pre) + 1
        suffix_range = (start, start + len(suf) - 1)
    prefix_end = len(head) + len(pre) if fim.template.order == "psm" else len(tokens) - 1
    return FimPrompt(tokens, len(head), prefix_end, suffix_range)
