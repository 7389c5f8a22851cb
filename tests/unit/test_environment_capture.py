"""The environment stored with a run names the project under test, not accelbench's checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from accelbench.results.environment import capture


def _repo(path: Path) -> str:
    path.mkdir()
    run = lambda *a: subprocess.run(["git", *a], cwd=path, check=True, capture_output=True, text=True)  # noqa: E731
    run("init", "-q", "-b", "trunk")
    (path / "f").write_text("x")
    run("add", "f")
    run("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "m")
    return run("rev-parse", "HEAD").stdout.strip()


def test_the_git_commit_is_the_working_directorys_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit = _repo(tmp_path / "project")
    (tmp_path / "project" / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "project" / "sub")
    env = capture()
    assert env["git"] == {"commit": commit, "dirty": False, "branch": "trunk"}
    assert env["accelbench_source"].get("commit") != commit


def test_outside_a_repository_the_project_commit_is_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert capture()["git"] == {}
