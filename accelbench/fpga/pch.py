"""A precompiled header (PCH) of hls4ml's ap_types headers, built once and shared by every design's g++.

Every design's firmware starts the same way: ``<name>.cpp`` includes ``<iostream>`` and then
``<name>.h``, which includes ``ap_fixed.h``, ``ap_int.h`` and ``hls_stream.h`` from the project's
``firmware/ap_types/`` (a copy of hls4ml's templates). Parsing those headers is a large part of each
g++ run; :file:`ap_types_pch.h` includes exactly these four, in that order, and is precompiled
into ``ap_types_pch.h.gch`` beside it. The compile passes ``-include <dir>/ap_types_pch.h``: g++
loads the ``.gch`` instead of parsing, and the firmware's own includes of the same headers are then
no-ops (include guards), so the translation unit is the one the plain compile sees.

The PCH lives in ``<cache_root()>/../pch/<key>/``, where the key hashes g++'s version, the exact
compile flags (:func:`accelbench.fpga.gxx.cxx_flags`: the key keeps them equal, since GCC does not
check every flag itself: GCC 12 took a PCH built at -O1 into an -O2 compile), the header's text
and the content of hls4ml's ap_types templates.
A project whose ``firmware/ap_types`` differs from those templates, or whose firmware does not
begin with those includes, does not use it. Built in a temporary directory renamed into place, under
a lock file so that concurrent processes build it once. A run builds it in a stage of its own beside
its first compiles (:func:`accelbench.fpga.build._start_pch_build`), which use it only once it exists
(``build=False``); a direct caller of :func:`for_project` builds it first, and one that cannot get
the lock soon compiles without it rather than wait. Nothing here may fail a build: every problem
means "compile without the PCH" (see :func:`for_project`). ``python -m accelbench.fpga.pch``
builds it ahead of the first design and prints where it is.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from accelbench.fpga.cache import cache_root, compiler_version

#: Name of the precompiled header (the ``.gch`` is this name plus ``.gch``, as GCC looks for it).
HEADER = "ap_types_pch.h"
#: What the firmware includes first, in order (``<name>.cpp``, then ``<name>.h``): what the PCH holds.
INCLUDES = ("<iostream>", '"ap_fixed.h"', '"ap_int.h"', '"hls_stream.h"')
#: Bump when how the PCH is built changes: its key changes, so an old one is never used.
PCH_FORMAT = 1
#: Set to 0 to compile every design without the PCH.
PCH_ENV = "ACCELBENCH_PCH"
#: How long a build waits for another process that is building the PCH before compiling without it.
LOCK_WAIT_S = 30.0
#: How long a failed PCH build stops later designs from retrying it (a full disk or a build killed at
#: its time limit is often over by then; a real g++ rejection fails again and waits again).
FAILED_RETRY_S = 3600.0

_INCLUDE = re.compile(r'^\s*#\s*include\s*([<"][^>"]+[>"])', re.MULTILINE)


@dataclass(frozen=True)
class Pch:
    """A built PCH: ``directory`` holds :data:`HEADER`, its ``.gch`` and the ap_types copy it was built from."""

    directory: Path

    @property
    def header(self) -> Path:
        return self.directory / HEADER

    @property
    def gch(self) -> Path:
        return self.directory / f"{HEADER}.gch"


def pch_root() -> Path:
    """Where PCHs live: beside the design cache (``~/.cache/accelbench/pch`` by default)."""
    return cache_root().parent / "pch"


def template_ap_types() -> Path:
    """hls4ml's ap_types templates, which every project copies into ``firmware/ap_types/`` (hls4ml not imported)."""
    spec = importlib.util.find_spec("hls4ml")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("hls4ml is not installed")
    return Path(spec.origin).parent / "templates" / "vivado" / "ap_types"


def content_hash(directory: Path) -> str:
    """SHA-256 of every file under ``directory`` (relative paths and bytes), in a stable order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def header_text() -> str:
    return "// accelbench: hls4ml's ap_types headers, precompiled (see accelbench/fpga/pch.py)\n" + "".join(
        f"#include {include}\n" for include in INCLUDES)


def pch_key(flags: list[str], ap_types_hash: str) -> str:
    """The PCH's key: what must match for g++ to accept it and for it to hold the project's headers."""
    parts = [f"format {PCH_FORMAT}", compiler_version(), " ".join(flags), header_text(), ap_types_hash]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def first_includes(project: Path, name: str) -> list[str]:
    """The includes the firmware starts with: ``<name>.cpp``'s, with ``"<name>.h"`` expanded in place."""
    firmware = project / "firmware"
    includes = _INCLUDE.findall((firmware / f"{name}.cpp").read_text(errors="replace"))
    if f'"{name}.h"' not in includes:
        return includes
    at = includes.index(f'"{name}.h"')
    return [*includes[:at], *_INCLUDE.findall((firmware / f"{name}.h").read_text(errors="replace")),
            *includes[at + 1:]]


def ensure(flags: list[str], wait_s: float = LOCK_WAIT_S, force: bool = False,
           build: bool = True) -> tuple[Pch | None, str]:
    """The PCH for ``flags`` and hls4ml's ap_types, built now unless it exists (or, with ``build``
    false, only if it exists); (None, why) when it cannot be had within ``wait_s`` (another process
    is building it) or its build failed. A failed build leaves a ``<key>.failed`` note so later
    designs do not each retry it for :data:`FAILED_RETRY_S`; ``force`` retries at once."""
    source = template_ap_types()
    key = pch_key(flags, content_hash(source))
    root = pch_root()
    pch, failed = Pch(root / key), root / f"{key}.failed"
    if pch.gch.exists():
        return pch, ""
    if not force and _recent(failed):
        return None, f"its build failed earlier ({failed})"
    if not build:
        return None, "not built yet (it is built beside the first designs' compiles; later designs use it)"
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{key}.lock").open("w") as lock:
        if not _lock(lock, wait_s):
            return None, f"another process was building it for more than {wait_s:g} s"
        if pch.gch.exists():  # built by the process that held the lock
            return pch, ""
        error = _build(flags, source, pch.directory)
        if error:
            failed.write_text(error + "\n")
            return None, f"its build failed: {error}"
        failed.unlink(missing_ok=True)
        return pch, ""


def _recent(note: Path) -> bool:
    """Whether ``note`` exists and was written less than :data:`FAILED_RETRY_S` ago."""
    try:
        return time.time() - note.stat().st_mtime < FAILED_RETRY_S
    except OSError:
        return False


def _lock(lock: TextIO, wait_s: float) -> bool:
    """Take the exclusive lock on the open file ``lock`` within ``wait_s``; whether it was taken."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)


def _build(flags: list[str], source: Path, target: Path) -> str:
    """Build the PCH in a temporary directory and rename it to ``target`` (under the lock); "" or g++'s error."""
    for stale in [*target.parent.glob(f".{target.name}.tmp-*"), target]:  # left by a build killed mid-way,
        shutil.rmtree(stale, ignore_errors=True)  # or a directory whose .gch was removed
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        shutil.copytree(source, work / "ap_types")
        (work / HEADER).write_text(header_text())
        # Absolute paths: the .gch records them (a diagnostic inside ap_types names this temporary
        # directory; the firmware's own includes resolve to the project's copy as without the PCH).
        work = work.absolute()
        command = ["g++", *flags, "-x", "c++-header", f"-I{work / 'ap_types'}", str(work / HEADER),
                   "-o", str(work / f"{HEADER}.gch")]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
            return "; ".join(lines[-3:]) or f"g++ exit code {done.returncode}"
        work.chmod(0o755)  # mkdtemp makes it private; the cache is not
        work.rename(target)
        return ""
    finally:
        shutil.rmtree(work, ignore_errors=True)


def missing(flags: list[str]) -> bool:
    """Whether a build of the PCH for ``flags`` is due: enabled, not built, no recent failed build
    (what :func:`ensure` would build now). Raises OSError without hls4ml."""
    if os.environ.get(PCH_ENV, "1") == "0":
        return False
    key = pch_key(flags, content_hash(template_ap_types()))
    return not Pch(pch_root() / key).gch.exists() and not _recent(pch_root() / f"{key}.failed")


def for_project(project: Path, name: str, flags: list[str], build: bool = True) -> tuple[Pch | None, str]:
    """The PCH ``project`` may use with ``flags``, or (None, why not); with ``build`` false, only one
    already built (:mod:`accelbench.fpga.build` builds it in a stage of its own, beside the first
    compiles, rather than make them wait for it). Never raises for a PCH problem: the caller
    compiles without it."""
    if os.environ.get(PCH_ENV, "1") == "0":
        return None, f"disabled ({PCH_ENV}=0)"
    try:
        if first_includes(project, name)[:len(INCLUDES)] != list(INCLUDES):
            return None, "the firmware does not begin with the precompiled includes"
        if content_hash(project / "firmware" / "ap_types") != content_hash(template_ap_types()):
            return None, "the project's ap_types differ from hls4ml's templates the PCH was built from"
        return ensure(flags, build=build)
    except OSError as error:  # unreadable project or cache, full disk, no hls4ml: compile without it
        return None, f"unavailable: {error}"


def discard(pch: Pch) -> None:
    """Remove a PCH that g++ rejected (the next build rebuilds it); a concurrent user falls back."""
    trash = pch.directory.with_name(f".{pch.directory.name}.tmp-discarded-{os.getpid()}")
    with contextlib.suppress(OSError):
        pch.directory.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)


def main() -> int:
    """Build the PCH for this machine's flags now (``python -m accelbench.fpga.pch``) and print where it is."""
    from accelbench.fpga.gxx import cxx_flags

    try:
        pch, why = ensure(cxx_flags(), wait_s=600.0, force=True)
    except OSError as error:  # no hls4ml (its ap_types), no g++, an unwritable cache: one line, no traceback
        pch, why = None, str(error)
    if pch is None:
        print(f"no precompiled ap_types header: {why}", file=sys.stderr)
        return 1
    print(pch.header)
    return 0


if __name__ == "__main__":
    sys.exit(main())
