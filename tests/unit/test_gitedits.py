"""Next-edit rows built from a real git history (a repository made here)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pied.bench import gitedits
from pied.bench.nextedit import case_of

BEFORE = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(8))


def commit(repo: Path, text: str, message: str) -> None:
    (repo / "m.py").write_text(text)
    (repo / "notes.txt").write_text(message)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            message,
        ],
        check=True,
    )


def test_a_commit_of_two_hunks_becomes_a_row_the_benchmark_reads(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit(tmp_path, BEFORE, "first")
    after = BEFORE.replace("x + 1\n", "x + 10\n").replace("x + 6\n", "x + 60\n")
    commit(tmp_path, after, "two places")
    commit(tmp_path, after.replace("x + 3\n", "x + 30\n"), "one place: not a row")
    [row] = gitedits.rows_from_git(tmp_path)
    assert (row["path"], row["subject"], row["before"], row["after"]) == (
        "m.py",
        "two places",
        BEFORE,
        after,
    )
    assert row["hunks"] == [
        {"before_start": 5, "before_lines": 1, "after_start": 5, "after_lines": 1},
        {"before_start": 25, "before_lines": 1, "after_start": 25, "after_lines": 1},
    ]
    case = case_of(row)  # the benchmark's own reader: the first hunk made, one remaining
    assert case is not None and [h.new for h in case.remaining] == [("    return x + 60",)]
    out = tmp_path / "rows.jsonl.gz"
    assert gitedits.write_rows(iter([row]), out) == 1


def test_hunk_headers_of_insertions_and_deletions_are_zero_based() -> None:
    diff = "@@ -3,0 +4,2 @@\n+a\n+b\n@@ -10 +11,0 @@\n-c\n"
    assert gitedits.hunks_of(diff) == [
        {"before_start": 3, "before_lines": 0, "after_start": 3, "after_lines": 2},
        {"before_start": 9, "before_lines": 1, "after_start": 11, "after_lines": 0},
    ]
