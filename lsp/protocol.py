"""pygls's protocol, with one change: every request is answered.

pygls reads each message into its method's types; one that does not fit (a negative
position, a number for a URI, ``params`` that are not an object) is logged and dropped,
and a strict client then waits forever. Here such a request gets ``InvalidParams``, a
message that is not JSON-RPC gets ``InvalidRequest``, a body that is not JSON gets
``ParseError`` (id null, as JSON-RPC says), and none of it reaches the user as a popup.
"""

from __future__ import annotations

import logging
from typing import Any

from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcParseError
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger("pied.lsp")


class _Dropped:
    """A message already answered (or, for a notification, logged): nothing to handle."""

    jsonrpc = "dropped"


DROPPED = _Dropped()


def _request_id(data: dict[str, Any]) -> int | str | None:
    rid = data.get("id")
    return rid if isinstance(rid, int | str) and not isinstance(rid, bool) else None


class AnsweringProtocol(LanguageServerProtocol):
    """A language server protocol that answers every request, even a malformed one."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as e:
            method = data.get("method")
            if "id" in data and "method" in data:
                log.warning("a %r request that does not fit its types: %s", method, e)
                self.answer_error(_request_id(data), e)
            else:
                log.warning("a %r notification that does not fit its types: dropped", method)
            return DROPPED

    def handle_message(self, message: Any) -> None:
        if message is DROPPED:
            return
        if isinstance(message, dict):  # no "jsonrpc" member: not a JSON-RPC 2.0 message
            if "method" in message and "id" in message:
                self.answer_error(_request_id(message), JsonRpcInvalidRequest())
            log.warning("a message that is not JSON-RPC 2.0: dropped")
            return
        if not hasattr(message, "jsonrpc"):  # JSON, but not an object (a list, a number)
            self.answer_error(None, JsonRpcInvalidRequest())
            return
        super().handle_message(message)

    def answer_error(self, rid: int | str | None, error: JsonRpcException) -> None:
        # A plain map: pygls's converter leaves out a null id, which JSON-RPC requires.
        body = {"code": error.code, "message": error.message}
        self._send_data({"jsonrpc": "2.0", "id": rid, "error": body})

    def answer_parse_error(self) -> None:
        self.answer_error(None, JsonRpcParseError())
