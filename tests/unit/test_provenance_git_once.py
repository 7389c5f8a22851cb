"""A run's provenance (its environment and its origin) asks git each question once.

Regression: ``capture()`` and ``detect_origin()`` each ran the same four git commands in the working
directory (commit, branch, dirty flag, commit time) at the start of every run, and the pytest
plugin's ``--accel-save`` asked about its rootdir three times over. The facts are now read once and
given to both; what is stored is unchanged.
"""

from __future__ import annotations

import argparse
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from accelbench.commands.history_options import provenance
from accelbench.pytest_support.reference import _environment
from accelbench.results.environment import SOURCE_ROOT, capture
from accelbench.results.origin import detect_origin

ORIGIN_QUESTIONS = {("rev-parse", "--verify", "HEAD"), ("rev-parse", "--abbrev-ref", "HEAD"),
                    ("status", "--porcelain", "--untracked-files=no")}


def _repo(path: Path) -> str:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    run = lambda *a: subprocess.run([*git, *a], cwd=path, check=True, capture_output=True, text=True)  # noqa: E731
    run("init", "-q", "-b", "trunk")
    (path / "kernel.c").write_text("int x;\n")
    run("add", "kernel.c")
    run("commit", "-q", "-m", "k")
    return run("rev-parse", "HEAD").stdout.strip()


@pytest.fixture
def git_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, tuple[str, ...]]]:
    """Every git command run through ``subprocess.run`` from now on, as (directory, arguments)."""
    calls: Counter[tuple[str, tuple[str, ...]]] = Counter()
    real_run = subprocess.run

    def counting_run(cmd: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(cmd, list | tuple) and cmd and cmd[0] == "git":
            calls[(str(Path(kwargs.get("cwd") or Path.cwd()).resolve()), tuple(cmd[1:]))] += 1
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    return calls


def _asked_in(calls: Counter[tuple[str, tuple[str, ...]]], directory: Path) -> set[tuple[str, ...]]:
    return {question for where, question in calls if where == str(directory.resolve())}


def test_a_run_asks_git_each_question_once_and_stores_what_it_stored_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git_calls: Counter[tuple[str, tuple[str, ...]]],
) -> None:
    head = _repo(tmp_path)
    git_calls.clear()  # count the run's questions, not the set-up's
    monkeypatch.chdir(tmp_path)
    environment, origin = provenance(argparse.Namespace(commit=None, label="nightly"))
    asked = dict(git_calls)
    assert asked and all(count == 1 for count in asked.values()), asked
    assert _asked_in(git_calls, tmp_path) >= ORIGIN_QUESTIONS
    monkeypatch.undo()  # the answers are those of the separate calls, which ask git themselves
    monkeypatch.chdir(tmp_path)
    assert origin == detect_origin(tmp_path, label="nightly")
    assert origin["commit_id"] == head and origin["branch"] == "trunk" and origin["dirty"] is False
    assert environment == capture()


def test_with_commit_given_git_is_still_asked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git_calls: Counter[tuple[str, tuple[str, ...]]],
) -> None:
    head = _repo(tmp_path)
    git_calls.clear()  # count the run's questions, not the set-up's
    monkeypatch.chdir(tmp_path)
    environment, origin = provenance(argparse.Namespace(commit=head[:8], label=None))
    assert all(count == 1 for count in git_calls.values()), dict(git_calls)
    assert origin["commit_id"] == head[:8] and origin["commit_time"] is not None
    assert environment["git"] == {"commit": head, "dirty": False, "branch": "trunk"}
    monkeypatch.undo()
    assert origin == detect_origin(tmp_path, commit=head[:8])


def test_a_run_in_accelbenchs_own_checkout_reads_its_commit_once(
    monkeypatch: pytest.MonkeyPatch, git_calls: Counter[tuple[str, tuple[str, ...]]],
) -> None:
    if not (SOURCE_ROOT / ".git").exists():
        pytest.skip("accelbench does not run from a git checkout here")
    monkeypatch.chdir(SOURCE_ROOT)
    environment, _ = provenance(argparse.Namespace(commit=None, label=None))
    assert all(count == 1 for count in git_calls.values()), dict(git_calls)
    assert environment["accelbench_source"] == {"commit": environment["git"]["commit"],
                                                "dirty": environment["git"]["dirty"]}


def test_a_saved_pytest_session_asks_git_about_its_rootdir_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git_calls: Counter[tuple[str, tuple[str, ...]]],
) -> None:
    head = _repo(tmp_path)
    git_calls.clear()  # count the run's questions, not the set-up's
    monkeypatch.chdir(tmp_path)
    environment, origin = _environment(tmp_path)
    assert all(count == 1 for count in git_calls.values()), dict(git_calls)
    assert _asked_in(git_calls, tmp_path) >= ORIGIN_QUESTIONS
    assert environment["git"] == {"commit": head, "dirty": False}
    assert environment["commit"] == {"id": head, "dirty": False}
    assert origin["commit_id"] == head and origin["branch"] == "trunk" and origin["commit_time"] is not None
