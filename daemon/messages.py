"""The daemon's requests and notifications as typed messages: built by its clients (the
language server, the CLI) and sent as maps (``params``), read from the wire's maps once,
where they arrive (``read``); a map that does not fit gets a BadInput saying what is wrong."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from pied.editing.document import Change
from pied.errors import BadInput

MAX_ALTERNATIVES = 5  # suggestions one invoked request may ask for


def _uri(params: dict[str, Any]) -> str:
    uri = params.get("uri")
    if not isinstance(uri, str) or not uri:
        raise BadInput("uri must be a non-empty string")
    return uri


def _position(params: dict[str, Any]) -> tuple[int, int]:
    line, character = params.get("line"), params.get("character")
    if not isinstance(line, int) or not isinstance(character, int) or line < 0 or character < 0:
        raise BadInput("line and character must be non-negative integers")
    return line, character


def _version(params: dict[str, Any]) -> int | None:
    version = params.get("version")
    return version if isinstance(version, int) else None


class Message:
    """A message's wire form: its method, and its fields as a map (None fields left out)."""

    METHOD: ClassVar[str]

    def params(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}  # type: ignore[call-overload]


@dataclass(frozen=True)
class Open(Message):
    METHOD = "open"
    uri: str
    text: str
    version: int
    language: str

    @classmethod
    def read(cls, params: dict[str, Any]) -> Open:
        uri, text = params.get("uri"), params.get("text")
        if not isinstance(uri, str) or not uri or not isinstance(text, str):
            raise BadInput("open needs a uri and a text")
        return cls(uri, text, _version(params) or 0, str(params.get("language", "")))


@dataclass(frozen=True)
class ChangeText(Message):
    METHOD = "change"
    uri: str
    changes: tuple[Change, ...]
    version: int | None

    def params(self) -> dict[str, Any]:
        changes = [
            {"text": c.text}
            if c.start is None or c.end is None
            else {"text": c.text, "start": list(c.start), "end": list(c.end)}
            for c in self.changes
        ]
        version = {} if self.version is None else {"version": self.version}
        return {"uri": self.uri, "changes": changes, **version}

    @classmethod
    def read(cls, params: dict[str, Any]) -> ChangeText:
        return cls(_uri(params), tuple(_changes(params.get("changes"))), _version(params))


def _changes(raw: Any) -> list[Change]:
    if not isinstance(raw, list):
        raise BadInput("changes must be a list")
    out = []
    for c in raw:
        if not isinstance(c, dict) or not isinstance(c.get("text"), str):
            raise BadInput("each change needs a text")
        start, end = c.get("start"), c.get("end")
        if (start is None) != (end is None):
            raise BadInput("a change needs both start and end, or neither")
        if start is not None and end is not None:
            ok = all(
                isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(x, int) for x in p)
                for p in (start, end)
            )
            if not ok:
                raise BadInput("start and end are [line, character] pairs")
            out.append(Change(c["text"], (start[0], start[1]), (end[0], end[1])))
        else:
            out.append(Change(c["text"]))
    return out


@dataclass(frozen=True)
class Close(Message):
    METHOD = "close"
    uri: str

    @classmethod
    def read(cls, params: dict[str, Any]) -> Close:
        return cls(_uri(params))


@dataclass(frozen=True)
class Cursor(Message):
    METHOD = "cursor"
    uri: str
    line: int
    character: int

    @classmethod
    def read(cls, params: dict[str, Any]) -> Cursor:
        return cls(_uri(params), *_position(params))


@dataclass(frozen=True)
class Complete(Message):
    """At a position of an open document (``uri``), or of ``text`` sent along."""

    METHOD = "complete"

    uri: str | None
    text: str | None
    line: int
    character: int
    alternatives: int
    settings: dict[str, Any]  # overrides of the daemon's settings (checked by config)

    @classmethod
    def read(cls, params: dict[str, Any]) -> Complete:
        overrides = params.get("settings") or {}
        if not isinstance(overrides, dict):
            raise BadInput("settings must be a map")
        line, character = _position(params)
        alternatives = params.get("alternatives", 1)
        if not isinstance(alternatives, int) or not 1 <= alternatives <= MAX_ALTERNATIVES:
            raise BadInput(f"alternatives must be a number from 1 to {MAX_ALTERNATIVES}")
        text = params.get("text")
        if "text" in params and not isinstance(text, str):
            raise BadInput("text must be a string")
        if text is None:
            return cls(_uri(params), None, line, character, alternatives, overrides)
        uri = str(params.get("uri") or "untitled")
        return cls(uri, text, line, character, alternatives, overrides)


@dataclass(frozen=True)
class NextEdit(Message):
    """The next edit to suggest after the user's last one in document ``uri`` (the cursor
    at ``line``/``character``); ``mode`` "naive" is the benchmark's plain prompt."""

    METHOD = "nextEdit"
    MODES: ClassVar[tuple[str, ...]] = ("auto", "rules", "model", "naive")

    uri: str
    line: int
    character: int
    mode: str | None = None  # None: the setting next_edit

    @classmethod
    def read(cls, params: dict[str, Any]) -> NextEdit:
        mode = params.get("mode")
        if mode is not None and mode not in cls.MODES:
            raise BadInput(f"mode must be one of {', '.join(cls.MODES)}")
        return cls(_uri(params), *_position(params), mode)


@dataclass(frozen=True)
class Accepted(Message):
    """The editor ran a suggestion's accept command."""

    METHOD = "accepted"

    id: int
    index: int
    kind: str  # all, word or line
    text: str | None

    @classmethod
    def read(cls, params: dict[str, Any]) -> Accepted:
        sid, index = params.get("id"), params.get("index", 0)
        kind, text = params.get("kind", "all"), params.get("text")
        if not isinstance(sid, int) or not isinstance(index, int):
            raise BadInput("accepted needs the suggestion's id (and index) as numbers")
        if kind not in ("all", "word", "line") or not (text is None or isinstance(text, str)):
            raise BadInput("accepted: kind must be all, word or line, and text a string")
        return cls(sid, index, kind, text)


def _optional_str(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not isinstance(value, str):
        raise BadInput(f"{name} must be a string")
    return value or None


@dataclass(frozen=True)
class Translate(Message):
    """Python for ``text`` (from ``language``, or detected), named after ``name``: with
    ``context`` (the file ``text`` was selected from) or ``function`` (one definition of
    ``text``), what it uses from the file comes along."""

    METHOD = "translate"

    text: str
    language: str | None = None
    name: str | None = None
    check: bool = False
    context: str | None = None
    function: str | None = None

    @classmethod
    def read(cls, params: dict[str, Any]) -> Translate:
        text = params.get("text")
        if not isinstance(text, str):
            raise BadInput("translate needs a uri of an open document, or a text")
        language, name = _optional_str(params, "language"), _optional_str(params, "name")
        context, function = _optional_str(params, "context"), _optional_str(params, "function")
        return cls(text, language, name, bool(params.get("check")), context, function)


@dataclass(frozen=True)
class Summarize(Message):
    """A summary of a spreadsheet (``path``) or of code (``text``, maybe a ``selection``)."""

    METHOD = "summarize"

    path: str | None = None
    sheet: str | None = None
    text: str | None = None
    name: str | None = None
    selection: bool = False

    @classmethod
    def read(cls, params: dict[str, Any]) -> Summarize:
        text = params.get("text")
        if text is not None and not isinstance(text, str):
            raise BadInput("text must be a string")
        return cls(
            _optional_str(params, "path"),
            _optional_str(params, "sheet"),
            text,
            _optional_str(params, "name"),
            bool(params.get("selection")),
        )


@dataclass(frozen=True)
class Workspace(Message):
    """The editor's workspace folders (other-file context comes from them)."""

    METHOD = "workspace"
    roots: tuple[str, ...]

    def params(self) -> dict[str, Any]:
        return {"roots": list(self.roots)}
