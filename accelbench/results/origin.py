"""Where a run came from: the git commit, branch, dirty flag and commit time of the project under test.

The project under test is the repository of the working directory (where the user types
``accelbench run``), not accelbench's own checkout. Outside a repository — or to name a build that
git does not know (a bitstream, a vendor drop) — the user passes ``--commit ID`` and/or
``--label TEXT``. The result is the ``origin`` that :meth:`accelbench.results.store.Store.begin_run`
stores in the ``runs`` columns ``commit_id``, ``branch``, ``dirty``, ``commit_time`` and ``label``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from accelbench.errors import UserError

#: Seconds any one ``git`` call may take before the origin is given up (a hung network mount).
GIT_TIMEOUT_S = 10.0
#: Longest --commit/--label accepted, characters.
MAX_TEXT = 200
#: Keys of an origin (the ``runs`` columns they fill).
ORIGIN_KEYS = ("commit_id", "branch", "dirty", "commit_time", "label")


def _git(cwd: Path, *args: str) -> str | None:
    """Output of ``git ARGS`` run in ``cwd`` (stripped), or None when git fails or is missing."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT_S,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def check_text(value: str | None, flag: str) -> str | None:
    """``value`` stripped, or a UserError naming ``flag`` when it is empty, too long or not one line."""
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > MAX_TEXT or any(ord(ch) < 32 for ch in text):
        raise UserError(f"{flag} expects a non-empty single line of at most {MAX_TEXT} characters, got {value!r}")
    return text


def git_origin(cwd: Path) -> dict[str, Any]:
    """The commit, branch (None when detached), dirty flag and commit time (ISO 8601) of the
    repository holding ``cwd``; an empty dict outside a repository or without git."""
    commit = _git(cwd, "rev-parse", "--verify", "HEAD")
    if not commit:
        return {}
    branch = _git(cwd, "rev-parse", "--abbrev-ref", "HEAD")
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no")
    return {
        "commit_id": commit,
        "branch": branch if branch and branch != "HEAD" else None,
        "dirty": None if status is None else bool(status),
        "commit_time": _git(cwd, "show", "-s", "--format=%cI", commit),
    }


def commit_time(cwd: Path, commit: str, git_facts: dict[str, Any] | None = None) -> str | None:
    """The committer time (ISO 8601) of ``commit`` in the repository of ``cwd``, if git knows it
    (from ``git_facts``, :func:`git_origin` of ``cwd``, when ``commit`` is the HEAD they describe)."""
    if commit.startswith("-"):
        return None
    full = _git(cwd, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}")
    if full and git_facts and full == git_facts.get("commit_id"):
        return git_facts.get("commit_time")
    return _git(cwd, "show", "-s", "--format=%cI", full) if full else None


def detect_origin(cwd: Path | None = None, commit: str | None = None, label: str | None = None,
                  git_facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The origin of a run started in ``cwd`` (default: the current directory).

    ``commit`` (``--commit``) overrides what git says (branch and dirty flag are then unknown,
    the commit time is looked up when git knows the commit); ``label`` (``--label``) is stored as
    given. Values are validated: one line, at most :data:`MAX_TEXT` characters (UserError).
    ``git_facts`` is :func:`git_origin` of ``cwd`` when the caller already read it for the run's
    environment (a run asks git once); without it git is asked here.
    """
    where = cwd or Path.cwd()
    commit = check_text(commit, "--commit")
    label = check_text(label, "--label")
    if commit is not None:
        origin: dict[str, Any] = {"commit_id": commit, "branch": None, "dirty": None,
                                  "commit_time": commit_time(where, commit, git_facts)}
    else:
        origin = {key: None for key in ORIGIN_KEYS} | (git_origin(where) if git_facts is None else git_facts)
    origin["label"] = label
    return origin
