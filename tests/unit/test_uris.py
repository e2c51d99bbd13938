"""The project a document belongs to, as the prompt's repo header names it."""

from __future__ import annotations

from pathlib import Path

from pied.editing.uris import repo_name


def test_the_project_is_the_folder_with_the_nearest_git(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    (root / ".git").mkdir(parents=True)
    (root / "src" / "cart").mkdir(parents=True)
    assert repo_name((root / "src" / "cart" / "total.py").as_uri()) == "shop"


def test_outside_a_repository_the_project_is_the_files_folder(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    path = tmp_path / "scripts" / "tool.py"
    assert repo_name(path.as_uri()) == "scripts"
    assert repo_name(str(path)) == "scripts"  # a bare path, as the CLI has


def test_a_uri_that_names_no_file_has_no_project() -> None:
    assert repo_name("untitled:Untitled-1") is None
    assert repo_name("a.py") is None  # not absolute
