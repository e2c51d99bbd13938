"""Suggestions kept on disk beside the documents' caches, so a restarted daemon or a
reopened file answers where the user was at once, as before, without the model.

One small JSON file per document: the model's identity, the document's name, a digest of
its text, and the suggestions made for that text (cursor, suggestion, the settings' id).
They are taken back only for the very same text, model and settings. Nothing here raises:
a file that cannot be written or read only costs the model's time to make it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from pied.editing.typethrough import Shown

log = logging.getLogger("pied.daemon")

MAX_FILES = 256  # documents whose suggestions are kept; the least recently saved go first


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class ShownFiles:
    """Suggestions per document under ``root`` for the model ``model_id``."""

    def __init__(self, root: Path, model_id: str) -> None:
        self.root = root
        self.model_id = model_id
        self.saved = 0
        self.loaded = 0

    def _path(self, name: str) -> Path:
        digest = hashlib.sha256(f"{self.model_id}\0{name}".encode()).hexdigest()[:32]
        return self.root / (digest + ".json")

    def save(self, name: str, text: str, shown: tuple[Shown, ...]) -> bool:
        """Keep the suggestions of ``shown`` made for ``text`` (others are of older texts)."""
        entries = [
            {
                "offset": s.offset,
                "suggestion": s.suggestion,
                "settings": s.made_with,
                "early": s.early,
            }
            for s in shown
            if s.text == text and isinstance(s.made_with, str)
        ]
        if not entries:
            return False
        body = {"model": self.model_id, "name": name, "text": text_digest(text), "shown": entries}
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(body, f)
                os.replace(tmp, self._path(name))
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except (OSError, ValueError) as e:  # (a lone surrogate cannot be written: fine)
            log.debug("could not save suggestions for %s: %s", name, e)
            return False
        self.saved += 1
        self._trim()
        return True

    def load(self, name: str, text: str) -> tuple[Shown, ...]:
        """The suggestions saved for ``name`` when its text was ``text``; () if none."""
        try:
            body = json.loads(self._path(name).read_text(encoding="utf-8"))
            if (body["model"], body["name"]) != (self.model_id, name):
                return ()
            if body["text"] != text_digest(text):
                return ()
            shown = tuple(
                Shown(
                    text,
                    int(e["offset"]),
                    str(e["suggestion"]),
                    str(e["settings"]),
                    early=e.get("early") is True,
                )
                for e in body["shown"]
                if 0 <= int(e["offset"]) <= len(text) and e["suggestion"]
            )
        except (OSError, ValueError, KeyError, TypeError):
            return ()
        self.loaded += bool(shown)
        return shown

    def _trim(self) -> None:
        with contextlib.suppress(OSError):
            files = sorted(self.root.glob("*.json"), key=lambda p: p.stat().st_mtime)
            for p in files[: max(0, len(files) - MAX_FILES)]:
                p.unlink(missing_ok=True)
