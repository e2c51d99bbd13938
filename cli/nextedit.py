"""``pied next-edit FILE --after OLDFILE``: the edit after the one that made FILE from OLDFILE.

The daemon sees OLDFILE opened and changed into FILE, as an editor would show it, and
is asked for the next edit at the end of that change; the answer is printed as a
unified diff (or JSON). Nothing is written to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from pied.cli.commands import CliError
from pied.editing.edithistory import difference
from pied.editing.positions import position_utf16
from pied.editing.source import read_source


def cmd_next_edit(args: argparse.Namespace) -> int:
    from pied.daemon import lifecycle

    path, old_path = Path(args.file), Path(args.after)
    text, old = read_source(path), read_source(old_path)
    edit = difference(old, text)
    if edit is None:
        raise CliError(f"{path} and {old_path} are the same: there is no edit to follow")
    line, character = position_utf16(text, edit.end)
    lifecycle.start()
    edits = asyncio.run(_ask(lifecycle.socket_path(), path, old, text, (line, character)))
    shown = edits if args.all else edits[:1]
    if args.json:
        print(json.dumps({"edits": shown}, ensure_ascii=False, indent=2))
    elif not shown:
        print("no next edit", file=sys.stderr)
    for e in [] if args.json else shown:
        sys.stdout.write(diff(path.name, e))
    return 0


async def _ask(
    socket: Path, path: Path, old: str, text: str, position: tuple[int, int]
) -> list[dict[str, Any]]:
    from pied.daemon import messages as m
    from pied.daemon.client import DaemonClient
    from pied.editing.document import Change
    from pied.editing.syntax import language_of

    uri = path.resolve().as_uri()
    client = await DaemonClient.connect(socket, "pied-cli")
    try:
        await client.send(m.Open(uri, old, 1, language_of(path.name) or ""))
        await client.send(m.ChangeText(uri, (Change(text),), 2))
        result = await client.ask(m.NextEdit(uri, *position))
    finally:
        await client.close()
    edits = result.get("edits") if isinstance(result, dict) else None
    return edits if isinstance(edits, list) else []


def diff(name: str, edit: dict[str, Any]) -> str:
    """One edit as a unified diff hunk, with why it is proposed."""
    first = edit["range"]["start"][0] + 1
    old = str(edit.get("oldText", "")).split("\n") if edit.get("oldText") else []
    new = str(edit["newText"]).rstrip("\n").split("\n") if edit["newText"] else []
    head = f"# {name}:{first}: {edit.get('why', '')} ({edit.get('source', '')})\n"
    lines = [f"--- a/{name}", f"+++ b/{name}", f"@@ -{first},{len(old)} +{first},{len(new)} @@"]
    lines += ["-" + x for x in old] + ["+" + x for x in new]
    return head + "\n".join(lines) + "\n"
