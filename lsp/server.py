"""pied's language server: editors talk LSP over stdio, the daemon does the work.

Inline completion (LSP 3.18) is the main path, with plain completion for clients
without it. Document changes are forwarded as they happen so the daemon keeps the KV
cache in step while the user types. ``session`` holds the server's state and its link to
the daemon; ``features`` has one function per LSP feature.
"""

from __future__ import annotations

import sys

from pied import log as pied_log
from pied.lsp import features
from pied.lsp.features import CURSOR
from pied.lsp.session import PiedServer

__all__ = ["CURSOR", "PiedServer", "create_server", "main"]


def create_server() -> PiedServer:
    server = PiedServer()
    features.register(server)
    return server


def main(verbosity: int = 0) -> int:
    """Serve LSP on stdin/stdout (logs go to stderr)."""
    pied_log.setup(verbosity)
    create_server().start_io()
    return 0


if __name__ == "__main__":
    sys.exit(main())
