"""pied's one place for logging: stderr (never stdout) and, for the daemon, a file."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup(verbosity: int = 0, file: Path | None = None) -> None:
    """Route pied's and llama.cpp's logs to stderr (and ``file``) at the given verbosity.

    0 shows warnings, 1 info, 2 debug (including llama.cpp's own messages).
    """
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    root = logging.getLogger("pied")
    root.setLevel(level)
    root.handlers.clear()
    root.propagate = False
    handler: logging.Handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    if file is not None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            file_handler = logging.FileHandler(file, encoding="utf-8")
        except OSError as e:  # an unwritable state dir costs the log file, nothing else
            root.warning("cannot write the log file %s (%s); logging to stderr only", file, e)
        else:
            file_handler.setFormatter(logging.Formatter(FORMAT))
            root.addHandler(file_handler)
    # llama.cpp logs through "pied.llama"; keep its chatter at debug only.
    logging.getLogger("pied.llama").setLevel(logging.DEBUG if verbosity >= 2 else logging.ERROR)
