"""One error base for everything pied reports, with a code that each boundary maps once.

A failure is raised where it happens as a ``PiedError`` subclass (a sentence for the user
and a ``Code``); the daemon turns the code into a wire error code
(``pied.daemon.protocol.wire_error``), the CLI into a one-line message and an exit status
(``pied.cli.main``), the language server into a message or an empty answer. Anything
that is not a ``PiedError`` is a bug in pied and is reported as ``internal``.
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """What kind of failure, for whoever answers the caller."""

    BAD_INPUT = "bad-input"  # the request, file, position or range does not fit
    CONFIG = "config"  # a setting is wrong
    MODEL = "model"  # no model, or the model failed
    NOT_AVAILABLE = "not-available"  # the daemon or an engine cannot be reached
    CANCELLED = "cancelled"  # the caller, or newer work, cancelled it
    INTERNAL = "internal"  # a bug in pied


class PiedError(Exception):
    """A failure pied explains to its user: ``str(e)`` is the sentence, ``code`` the kind."""

    code: Code = Code.INTERNAL


class BadInput(PiedError):
    """A request or input that pied refuses (nothing is lost: the caller can fix and retry)."""

    code = Code.BAD_INPUT
