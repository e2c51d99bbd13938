"""Next-edit suggestions (owner thread): after the user's edit, the change they make next.

Two sources, one ranking. *Rules*: the last edit as rewrite rules (``editing.nextedit``),
or made again on lines of the same shape or on the same lines, where they fit elsewhere
in the document and in the connection's other open documents of the same language, and
``__all__`` and the uses kept with the imports; cheap and immediate. *The model*: when
the rules find nothing, the window around the edit rewritten by the model
(``engine.nextedit``), a job below completions that any keystroke ends; what it changes is
shown only where it is a small change outside the user's edit that keeps the file parsing
and that the model is sure of. Candidates are ranked by distance from the edit, the
document's own first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any

from pied.daemon import messages as m
from pied.daemon.docstate import DocState
from pied.daemon.state import DaemonState
from pied.editing import exports, importuses, nextedit, samelines, sameshape, syntax
from pied.editing.document import Snapshot
from pied.editing.edithistory import UserEdit
from pied.editing.uris import file_name
from pied.engine.nextedit import Rewrite, Window, rewrite
from pied.engine.scheduler import NEXT_EDIT, JobContext
from pied.errors import BadInput
from pied.models.errors import ModelError

log = logging.getLogger("pied.nextedit")

NOTHING = Rewrite(None, 0.0, 0, 0, 0.0)
ABOVE, BELOW = 2, 10  # lines around the edit the model rewrites
MOST = 5  # candidates in one answer (the first is shown, the rest come on Tab)


@dataclass(frozen=True)
class Candidate:
    """A proposal in document ``uri`` (``text`` is that document as the proposal saw it)."""

    uri: str
    text: str
    proposal: nextedit.Proposal
    source: str  # rules | model
    confidence: float | None = None  # the model's mean log-probability of its answer


def next_edit(state: DaemonState, conn: int, msg: m.NextEdit) -> Future[Any]:
    """The next edits to suggest after the last edit in ``msg.uri``, best first."""
    doc = state.docs.find(conn, msg.uri)
    snap = doc.doc.snapshot()
    mode = msg.mode or state.settings.next_edit
    started = time.monotonic()
    edit = doc.edits.last(snap.text) if mode != "off" else None
    if edit is None:
        return _ready({"edits": []})
    found = [] if mode in ("model", "naive") else _by_rules(state, doc, snap, edit)
    if found or mode == "rules":
        return _ready(_answer(state, doc, snap, found, started))
    window = _window(snap, edit)
    engine, guesses = state.engine, state.settings.next_edit_guess_tokens

    def run(ctx: JobContext) -> Rewrite:
        if not doc.current(snap):
            return NOTHING  # typed on since: the next request answers
        try:
            return rewrite(engine, window, ctx, guesses=guesses)
        except (ModelError, BadInput) as e:  # a model without chat tokens, a huge window
            log.debug("no next edit from the model: %s", e)
            return NOTHING

    def answer(made: Rewrite) -> dict[str, Any]:
        found = _by_model(state, snap, edit, window, made, naive=mode == "naive")
        return _answer(state, doc, snap, found, started)

    job = state.scheduler.submit("nextedit", doc.key, run, NEXT_EDIT)
    state.scheduler.supersede("nextedit", doc.key, keep=job)
    return state.owner.settle(job, answer)


def _ready(result: dict[str, Any]) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_result(result)
    return future


def _by_rules(state: DaemonState, doc: DocState, snap: Snapshot, edit: UserEdit) -> list[Candidate]:
    """The first of these that proposes anything: the edit's token rules where they apply;
    the edit on lines of the same shape, names mapped (``editing.sameshape``); the edit's
    lines where they stand again (``editing.samelines``); in Python, ``__all__`` and then
    the uses kept with the imports (``editing.exports``, ``editing.importuses``; this
    document alone)."""
    first, end = nextedit.edit_lines(snap.text, edit)
    everywhere = partial(_everywhere, state, doc, snap)
    rules = nextedit.rules_of(edit, snap.text)
    found = everywhere((first, end), end - 1, partial(nextedit.proposals, rules)) if rules else []
    at, old, new = samelines.line_change(snap.text, edit)
    changed = (at, at + len(new))  # the lines the edit changed, without those it kept
    if not found and old:
        found = everywhere(changed, end - 1, partial(sameshape.same_shape, old, new))
    if not found:
        at, old, new = samelines.anchored(snap.text, at, old, new)
        found = everywhere((at, at + len(new)), end - 1, partial(samelines.same_lines, old, new))
    if not found and syntax.language_of(file_name(snap.uri)) == "python":
        here = nextedit.nearest_first(_by_imports(snap.text, edit, changed), end - 1)
        found = [Candidate(snap.uri, snap.text, p, "rules") for p in here]
    return found[:MOST]


def _by_imports(text: str, edit: UserEdit, changed: tuple[int, int]) -> list[nextedit.Proposal]:
    """What a Python edit among the imports calls for outside lines ``changed``:
    ``__all__`` kept with them, else the uses kept with them (an edit below the module's
    first definition spares the two parses)."""
    if not importuses.among_imports(text, edit.start):
        return []
    before = edit.undone(text)
    found = exports.exports_followed(before, text, changed)
    return found or importuses.uses_followed(before, text, changed)


Finder = Callable[[str, tuple[int, int]], list[nextedit.Proposal]]


def _everywhere(
    state: DaemonState,
    doc: DocState,
    snap: Snapshot,
    skip: tuple[int, int],
    near: int,
    find: Finder,
) -> list[Candidate]:
    """What ``find`` proposes in this document outside lines ``skip``, nearest line
    ``near`` first, then in the connection's other open documents of its language."""
    here = nextedit.nearest_first(find(snap.text, skip), near)
    found = [Candidate(snap.uri, snap.text, p, "rules") for p in here]
    for other in state.docs:
        if other.key[0] != doc.key[0] or other is doc or other.doc.language != snap.language:
            continue
        text = other.doc.text
        found += [Candidate(other.uri, text, p, "rules") for p in find(text, (0, 0))]
    return found


def _window(snap: Snapshot, edit: UserEdit) -> Window:
    lines = snap.text.split("\n")
    first, end = nextedit.edit_lines(snap.text, edit)
    lo, hi = max(0, first - ABOVE), min(len(lines), end + BELOW)
    name = file_name(snap.uri)
    language = syntax.language_of(name) or snap.language or ""
    return Window(name, language, lo, tuple(lines[lo:hi]), _diff(snap.text, edit))


def _diff(text: str, edit: UserEdit) -> str:
    """The edit as a unified diff hunk of whole lines."""
    before, after = nextedit.whole_lines(text, edit)
    first = text.count("\n", 0, edit.start) + 1
    old, new = before.split("\n"), after.split("\n")
    head = f"@@ -{first},{len(old)} +{first},{len(new)} @@"
    return "\n".join([head, *("-" + x for x in old), *("+" + x for x in new)])


def _by_model(
    state: DaemonState,
    snap: Snapshot,
    edit: UserEdit,
    window: Window,
    made: Rewrite,
    *,
    naive: bool,
) -> list[Candidate]:
    """What the model's rewrite changes, as candidates: all of it for the naive prompt;
    else only small changes outside the edit, that keep the file parsing, when the model
    was sure enough of its answer."""
    if made.lines is None:
        return []
    found = nextedit.rewritten(window.lines, made.lines, window.first, "the model")
    if not naive:
        if made.mean_logprob < state.settings.next_edit_min_logprob:
            return []
        first, end = nextedit.edit_lines(snap.text, edit)
        found = [p for p in found if _outside(p, first, end) and nextedit.small(p)]
        found = [p for p in found if _keeps_parsing(snap, p)]
    first, end = nextedit.edit_lines(snap.text, edit)
    ranked = nextedit.nearest_first(found, end - 1)
    sure = round(made.mean_logprob, 4)
    return [Candidate(snap.uri, snap.text, p, "model", sure) for p in ranked][:MOST]


def _outside(p: nextedit.Proposal, first: int, end: int) -> bool:
    return p.first + max(1, len(p.old)) <= first or p.first >= end


def _keeps_parsing(snap: Snapshot, p: nextedit.Proposal) -> bool:
    language = syntax.language_of(file_name(snap.uri))
    if syntax.parses(snap.text, language) is False:
        return True  # it did not parse before: nothing to keep
    return syntax.parses(nextedit.apply_proposal(snap.text, p), language) is not False


def _answer(
    state: DaemonState, doc: DocState, snap: Snapshot, found: list[Candidate], started: float
) -> dict[str, Any]:
    """The reply, and the candidates counted as shown (owner thread)."""
    if state.docs.get(doc.key) is not doc or not doc.current(snap):
        return {"edits": [], "stale": True}  # closed or typed on meanwhile
    latency_ms = (time.monotonic() - started) * 1000
    edits = [_wire(c) for c in found]
    if edits and state.settings.stats:
        language = syntax.language_of(file_name(snap.uri)) or "text"
        texts = [e["newText"] for e in edits]
        sid = state.acceptance.shown(
            doc.key, language, "next-edit", latency_ms, texts, feature="next-edit"
        )
        for e in edits:
            e["id"] = sid
        for i, e in enumerate(edits):
            e["index"] = i
    return {"edits": edits, "latency_ms": round(latency_ms, 1)}


def _wire(c: Candidate) -> dict[str, Any]:
    """A candidate as an LSP-style edit of whole lines: {uri, range, newText, ...}."""
    p = c.proposal
    lines = c.text.split("\n")
    end_line = p.first + len(p.old)
    new_text = "".join(x + "\n" for x in p.new)
    if end_line < len(lines):
        end = [end_line, 0]
    else:  # the proposal reaches the text's last line: no newline after it
        last = lines[-1]
        end = [len(lines) - 1, len(last.encode("utf-16-le")) // 2]
        new_text = new_text[:-1] if new_text else ""
        if not p.new and p.first > 0:  # lines removed at the end: with the newline before
            prev = lines[p.first - 1]
            return _edit(c, [p.first - 1, len(prev.encode("utf-16-le")) // 2], end, "")
    return _edit(c, [p.first, 0], end, new_text)


def _edit(c: Candidate, start: list[int], end: list[int], new_text: str) -> dict[str, Any]:
    p = c.proposal
    return {
        "uri": c.uri,
        "range": {"start": start, "end": end},
        "newText": new_text,
        "oldText": "\n".join(p.old),
        "source": c.source,
        "why": p.why,
        **({} if c.confidence is None else {"confidence": c.confidence}),
    }
