"""Capture the environment a run happened in: versions, commit, CPU, BLAS, threads."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

#: Distributions whose versions change results; read from metadata, never imported.
PACKAGES = (
    "accelbench", "numpy", "torch", "numba", "numba-cuda", "cupy-cuda13x", "cupy-cuda12x",
    "hls4ml", "qonnx", "duckdb", "pandas", "dask", "distributed", "nvidia-ml-py",
)


@cache
def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux, platform elsewhere)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def package_versions() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


#: accelbench's own source tree (a git checkout when accelbench runs from one).
SOURCE_ROOT = Path(__file__).resolve().parents[2]


def git_commit(directory: Path | None = None, git_facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The commit of the checkout at ``directory`` (default: accelbench's own source, when it runs
    from a checkout) and whether its tree is dirty; empty outside a checkout.

    ``git_facts`` is :func:`~accelbench.results.origin.git_origin` of ``directory`` when the caller
    already read it: the answer is then taken from it instead of asking git again."""
    root = directory or SOURCE_ROOT
    if not (root / ".git").exists():
        return {}
    if git_facts is not None:
        known = bool(git_facts.get("commit_id")) and git_facts.get("dirty") is not None
        return {"commit": git_facts["commit_id"], "dirty": git_facts["dirty"]} if known else {}
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, check=True, capture_output=True, text=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"commit": commit, "dirty": bool(dirty)}


def project_git(cwd: Path, git_facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The commit, dirty flag and branch of the project under test: the repository holding the
    working directory (as the run's origin), not accelbench's checkout; empty outside a repository.
    ``git_facts``: :func:`~accelbench.results.origin.git_origin` of ``cwd``, when already read."""
    from accelbench.results.origin import git_origin

    origin = git_origin(cwd) if git_facts is None else git_facts
    if not origin:
        return {}
    return {"commit": origin["commit_id"], "dirty": origin["dirty"], "branch": origin["branch"]}


def blas_info() -> dict[str, Any]:
    """NumPy's BLAS library and its configuration."""
    import numpy as np

    try:
        config = np.show_config(mode="dicts")
    except TypeError:  # very old NumPy
        return {}
    blas = (config or {}).get("Build Dependencies", {}).get("blas", {})
    return {key: blas.get(key) for key in ("name", "version", "openblas configuration") if key in blas}


def threads() -> dict[str, Any]:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    env = {key: os.environ[key] for key in (
        "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
        "OPENBLAS_CORETYPE",
    ) if key in os.environ}
    return {"cpu_count": os.cpu_count(), "affinity": affinity, "env": env}


def capture(git_facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything above, as one JSON-able dictionary stored with each run.

    ``git_facts`` is :func:`~accelbench.results.origin.git_origin` of the working directory when the
    caller read it once for both this environment and the run's origin; without it git is asked here.
    They also give accelbench's own commit when the working directory is accelbench's checkout."""
    cwd = Path.cwd()
    source_facts = git_facts if git_facts is not None and cwd.resolve() == SOURCE_ROOT else None
    return {
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpu": cpu_model(),
        "packages": package_versions(),
        "git": project_git(cwd, git_facts),
        "accelbench_source": git_commit(None, source_facts),
        "blas": blas_info(),
        "threads": threads(),
    }
