"""Other files to show the model before the current one.

Open documents come first (the editor's text, most recently edited first), then files
next to the current one on disk with the same extension. Files on disk are read once
and kept; watchdog tells when one changes (a git checkout, a formatter) so the next
completion sees the new text without re-reading anything that did not change.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

from watchdog.observers.api import BaseObserver

from pied.editing.uris import uri_to_path
from pied.models.fim import ContextFile

log = logging.getLogger("pied.context")

MAX_FILE_BYTES = 64 * 1024
MAX_DIR_FILES = 200


class ContextFiles:
    """Open documents and nearby files on disk, kept current."""

    def __init__(self, roots: list[str]) -> None:
        self._lock = threading.Lock()
        self._open: OrderedDict[str, str] = OrderedDict()  # uri -> text, most recent last
        self._disk: dict[Path, tuple[int, str | None]] = {}  # path -> (mtime, text or None)
        self._roots: list[Path] = [Path(r) for r in roots]
        self._observer: BaseObserver | None = None
        self.disk_events = 0

    # --- watching -----------------------------------------------------------------------------

    def start(self) -> None:
        for root in self._roots:
            self._watch(root)

    def stop(self) -> None:
        observer = self._observer
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)
            self._observer = None

    def add_root(self, root: str) -> None:
        path = Path(root)
        if path.is_dir() and path not in self._roots:
            self._roots.append(path)
            self._watch(path)

    def _watch(self, root: Path) -> None:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        files = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.is_directory:
                    return
                for p in (event.src_path, getattr(event, "dest_path", "")):
                    if p:
                        files._changed_on_disk(Path(str(p)))

        if not root.is_dir():
            return
        if self._observer is None:
            self._observer = Observer()
            self._observer.daemon = True
            self._observer.start()
        try:
            self._observer.schedule(Handler(), str(root), recursive=True)
        except OSError as e:  # e.g. out of inotify watches
            log.warning("cannot watch %s: %s", root, e)

    def _changed_on_disk(self, path: Path) -> None:
        with self._lock:
            self.disk_events += 1
            self._disk.pop(path, None)

    # --- documents ----------------------------------------------------------------------------

    def opened(self, uri: str, text: str) -> None:
        with self._lock:
            self._open.pop(uri, None)
            self._open[uri] = text

    def closed(self, uri: str) -> None:
        with self._lock:
            self._open.pop(uri, None)

    def _read(self, path: Path) -> str | None:
        """The file's text, from memory unless watchdog or its mtime says it changed."""
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return None
        with self._lock:
            cached = self._disk.get(path)
            if cached is not None and cached[0] == mtime:
                return cached[1]
        text: str | None = None
        try:
            if path.stat().st_size <= MAX_FILE_BYTES:
                data = path.read_bytes()
                if b"\0" not in data[:4096]:
                    text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
        with self._lock:
            self._disk[path] = (mtime, text)
        return text

    def neighbours(self, uri: str, limit: int = 4) -> list[ContextFile]:
        """Up to ``limit`` other files for a completion in ``uri``, most relevant first."""
        with self._lock:
            open_docs = [(u, t) for u, t in reversed(self._open.items()) if u != uri]
        here = uri_to_path(uri)
        suffix = here.suffix if here else ""
        out: list[ContextFile] = []
        open_paths = set()
        for u, doc_text in open_docs:
            p = uri_to_path(u)
            open_paths.add(p)
            if p is not None and suffix and p.suffix != suffix:
                continue
            out.append(ContextFile(p.name if p else u, doc_text))
            if len(out) >= limit:
                return out
        if here is None or not here.parent.is_dir():
            return out
        try:
            siblings = [
                p
                for p in sorted(here.parent.iterdir())[:MAX_DIR_FILES]
                if p.suffix == suffix and p != here and p not in open_paths and p.is_file()
            ]
        except OSError:
            return out
        siblings.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for p in siblings:
            text = self._read(p)
            if text and text.strip():
                out.append(ContextFile(p.name, text))
                if len(out) >= limit:
                    break
        return out
