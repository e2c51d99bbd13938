"""Next-edit rows from a git repository's history, in ``python-edits.jsonl.gz``'s format.

Each commit (merges aside) that modifies a file of the wanted suffix in 2–6 hunks with
at most 40 changed lines (both sides together) gives a row: ``{repo, commit, path,
subject, before, after, hunks: [{before_start, before_lines, after_start, after_lines}]}``
with 0-based line ranges, the hunks git's own (``git diff -U0``). A held-out set for
``pied bench next-edit``: any project's history on this machine, not only the three the
shared corpus holds.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAX_HUNKS = 6
MAX_CHANGED = 40
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, check=True, timeout=60
    )
    return done.stdout.decode("utf-8", errors="replace")


def hunks_of(diff: str) -> list[dict[str, int]]:
    """The hunks of a ``git diff -U0`` as 0-based line ranges of each side."""
    out = []
    for m in _HUNK.finditer(diff):
        a, b = int(m.group(1)), int(m.group(2) or "1")
        c, d = int(m.group(3)), int(m.group(4) or "1")
        out.append(
            {
                "before_start": a if b == 0 else a - 1,
                "before_lines": b,
                "after_start": c if d == 0 else c - 1,
                "after_lines": d,
            }
        )
    return out


def rows_from_git(repo: Path, suffix: str = ".py", limit: int = 0) -> Iterator[dict[str, Any]]:
    """Rows for the files of ``suffix`` each commit of ``repo`` modified, newest first."""
    name = repo.resolve().name
    n = 0
    for line in _git(repo, "log", "--no-merges", "--format=%H%x00%s").splitlines():
        commit, _, subject = line.partition("\0")
        changed = _git(repo, "show", "--name-status", "--format=", commit).splitlines()
        for path in (p.split("\t", 1)[1] for p in changed if p.startswith("M\t")):
            row = _row(repo, commit, path, suffix) if path.endswith(suffix) else None
            if row is not None:
                yield {"repo": name, "commit": commit, "path": path, "subject": subject, **row}
                n += 1
                if n == limit:
                    return


def _row(repo: Path, commit: str, path: str, suffix: str) -> dict[str, Any] | None:
    hunks = hunks_of(_git(repo, "diff", "-U0", f"{commit}^", commit, "--", path))
    size = sum(h["before_lines"] + h["after_lines"] for h in hunks)
    if not 2 <= len(hunks) <= MAX_HUNKS or size > MAX_CHANGED:
        return None
    before = _git(repo, "show", f"{commit}^:{path}")
    after = _git(repo, "show", f"{commit}:{path}")
    return {"before": before, "after": after, "hunks": hunks}


def write_rows(rows: Iterator[dict[str, Any]], out: Path) -> int:
    """``rows`` written to ``out`` (gzipped JSON lines); how many."""
    n = 0
    with gzip.open(out, "wt", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
            n += 1
    return n
