"""One C simulation for designs whose C++ differs only in HLS-directive constants (e.g. reuse factors).

In hls4ml's latency strategy (io_parallel) the reuse factor changes the hardware schedule, not the
arithmetic: the firmware's C++ reads ``CONFIG_T::reuse_factor`` only in ``#pragma HLS`` lines, which
g++ ignores. ``fpga explore --reuse-factor 1,2,4,8`` therefore compiled four libraries that compute
exactly the same thing (about 4 s of g++ each on the jet tagger). This module compiles such designs
once and gives each design its own copy of the library.

"Differ only in directive constants" is proved by the compiler, not assumed:

* :func:`neutral_parameters` rewrites ``parameters.h`` so that every ``reuse_factor`` member, and every
  member whose initialiser reads one (``multiplier_limit``, ``block_factor``...), becomes a
  constant of an empty type (:data:`POISON`) that converts to nothing. Code that reads it in an
  expression, a loop bound, an array size, a comparison or a template argument no longer compiles
  (hls4ml 1.3's resource kernels, streaming activations and pooling do; its latency kernels do not).
* The share key (:func:`share_key`) hashes that neutral text with every other compile input
  (firmware, nnet_utils, ap_types, weights, the bridge, the unity source), the g++ version and flags:
  designs share a library only when everything but those constants is identical.
* The neutral project is compiled once (:func:`shared_library`). If g++ rejects it because code reads
  a neutralised constant, the directives matter for this design: a note beside the key makes every
  design with that key compile its own project, as before. Otherwise the library is the C
  simulation of every design with the key, whatever their reuse factors.

What the compiler cannot catch: an empty type is still accepted by ``sizeof`` and by a template that
ignores its argument; hls4ml 1.3's templates use neither on these members. ``ACCELBENCH_CSIM_SHARE=0``
turns sharing off. Each design gets a copy of the library (not a link): ``dlopen`` loads one copy once
per file, and two designs must not share the firmware's ``static`` state (weights loaded flag, RNN
state). The copy reads its weights from ``weights/`` beside itself (see
:data:`accelbench.fpga.compile_worker.WEIGHTS_DIR_CODE`), so every cache entry stays self-contained.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelbench.fpga.cache import cache_root, compiler_version, library_sha256

#: Set to 0 to compile every design's own project (no sharing).
SHARE_ENV = "ACCELBENCH_CSIM_SHARE"
#: Bump when the neutral text or the key changes: old shared entries are then never used.
SHARE_FORMAT = 1
#: The empty type a neutralised member gets; g++ names it in the error when code reads one.
POISON = "accelbench_directive_only"
#: Members neutralised by name; members whose initialiser reads a neutralised one follow.
DIRECTIVE_MEMBERS = frozenset({"reuse_factor"})
#: The note that a key's designs read a directive constant (each compiles its own project).
DIRECTIVES_MATTER = "directives-matter.json"

_MEMBER = re.compile(r"^(?P<indent>\s*)static\s+(?:const|constexpr)\s+(?:[\w:<>]+\s+)+(?P<name>\w+)\s*=\s*"
                     r"(?P<init>[^;]*);\s*(?://.*)?$")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class Shared:
    """How a design got its library from a shared build: the key, and whether this build compiled it."""

    key: str
    compiled_here: bool
    neutralised: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "compiled_here": self.compiled_here, "neutralised": list(self.neutralised)}


def enabled() -> bool:
    return os.environ.get(SHARE_ENV, "1").strip() not in ("0", "false", "no", "off")


def eligible(strategies: Iterable[str], io_type: str) -> bool:
    """Whether sharing may pay: every layer in the latency strategy, io_parallel (where hls4ml's C++
    reads the reuse factor only in pragmas). Anything else would fail the neutral compile and then
    compile again, so it is not tried; the compile, not this filter, is what proves a share."""
    return enabled() and io_type == "io_parallel" and all(strategy == "latency" for strategy in strategies)


def neutral_parameters(text: str) -> tuple[str, tuple[str, ...]]:
    """``parameters.h`` with the directive members made unreadable, and their names (sorted).

    A ``static const``/``constexpr`` member is neutralised when its name is in
    :data:`DIRECTIVE_MEMBERS` or its initialiser names a neutralised member (to a fixed point, so a
    member computed from ``multiplier_limit`` follows it). Its value leaves the text, so designs
    that differ only there get the same text. The empty type :data:`POISON` is declared first (guarded).
    """
    lines = text.splitlines()
    members = {index: match for index, line in enumerate(lines) if (match := _MEMBER.match(line)) is not None}
    poisoned: set[str] = set(DIRECTIVE_MEMBERS)
    hit: set[int] = set()
    while True:
        new = {index for index, match in members.items() if index not in hit
               and (match["name"] in poisoned or poisoned & set(_IDENTIFIER.findall(match["init"])))}
        if not new:
            break
        hit |= new
        poisoned |= {members[index]["name"] for index in new}
    out = [f"{members[index]['indent']}static constexpr {POISON} {members[index]['name']}{{}};" if index in hit
           else line for index, line in enumerate(lines)]
    names = {members[index]["name"] for index in hit}
    guard = POISON.upper()
    declaration = (f"// accelbench: directive constants made unreadable (see accelbench/fpga/csim_share.py)\n"
                   f"#ifndef {guard}\n#define {guard}\nstruct {POISON} {{}};\n#endif\n")
    return declaration + "\n".join(out) + "\n", tuple(sorted(names))


def compile_inputs(project: Path, name: str) -> list[Path]:
    """Every file the C-simulation compile reads or the library loads (relative to ``project``):
    the firmware tree (headers, nnet_utils, ap_types, weights; not built libraries) and the bridge."""
    firmware = project / "firmware"
    files = [path.relative_to(project) for path in firmware.rglob("*") if path.is_file() and path.suffix != ".so"]
    return sorted([*files, Path(f"{name}_bridge.cpp")])


def share_key(project: Path, name: str, unity: str, flags: list[str]) -> tuple[str, str, tuple[str, ...]]:
    """(key, neutral parameters.h, neutralised member names) of ``project``'s C simulation."""
    neutral, names = neutral_parameters((project / "firmware" / "parameters.h").read_text())
    digest = hashlib.sha256()
    for part in (f"share format {SHARE_FORMAT}", compiler_version(), " ".join(flags), name, unity, neutral):
        digest.update(part.encode() + b"\0")
    for relative in compile_inputs(project, name):
        if relative == Path("firmware/parameters.h"):
            continue
        digest.update(str(relative).encode() + b"\0")
        digest.update((project / relative).read_bytes() + b"\0")
    return digest.hexdigest()[:24], neutral, names


def share_root() -> Path:
    """Where shared builds live: beside the design cache (``~/.cache/accelbench/csim`` by default)."""
    return cache_root().parent / "csim"


#: ``compile(project_dir, library_path) -> how`` compiles a project into a library (raises RuntimeError).
Compile = Callable[[Path, Path], dict[str, Any]]


def shared_library(project: Path, name: str, unity: str, flags: list[str], library: Path,
                   compile_project: Compile) -> tuple[Shared, dict[str, Any]] | None:
    """Put the shared C simulation of ``project`` at ``library`` (a copy), compiling it unless another
    design with the same key did; (how it was shared, how it was compiled), or None when this
    design must compile its own project (the directives matter, or the neutral compile failed)."""
    key, neutral, names = share_key(project, name, unity, flags)
    root = share_root()
    entry = root / key
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a design with this key being compiled: wait and copy it
        if (root / f"{key}.{DIRECTIVES_MATTER}").exists():
            return None
        found = _intact(entry)
        compiled_here = found is None
        if found is None:
            try:
                found = _build(project, name, unity, neutral, entry, compile_project)
            except RuntimeError as error:
                if POISON in str(error):
                    (root / f"{key}.{DIRECTIVES_MATTER}").write_text(json.dumps({"error": str(error)[:2000]}))
                return None
        shared_lib, how = found
        partial = library.with_name(f".{library.name}.part")
        shutil.copyfile(shared_lib, partial)
        partial.replace(library)
    return Shared(key, compiled_here, names), how


def _intact(entry: Path) -> tuple[Path, dict[str, Any]] | None:
    """The entry's library and how it was compiled, if its record parses and the hash still matches."""
    try:
        record = json.loads((entry / "shared.json").read_text())
        library = entry / str(record["library"])
        if library.resolve().parent != (entry / "firmware").resolve() or library_sha256(library) != record["sha256"]:
            return None
        return library, dict(record["how"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _build(project: Path, name: str, unity: str, neutral: str, entry: Path,
           compile_project: Compile) -> tuple[Path, dict[str, Any]]:
    """Compile the neutral copy of ``project`` in a temporary directory renamed to ``entry``."""
    for stale in [*entry.parent.glob(f".{entry.name}.tmp-*"), entry]:  # a build killed mid-way, a broken entry
        shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=f".{entry.name}.tmp-", dir=entry.parent)).absolute()
    try:
        shutil.copytree(project / "firmware", work / "firmware", ignore=shutil.ignore_patterns("*.so"))
        shutil.copyfile(project / f"{name}_bridge.cpp", work / f"{name}_bridge.cpp")
        (work / "firmware" / "parameters.h").write_text(neutral)
        library_name = f"{name}-shared-{entry.name[:8]}.so"
        how = compile_project(work, work / "firmware" / library_name)
        record = {"library": f"firmware/{library_name}", "sha256": library_sha256(work / "firmware" / library_name),
                  "how": how, "format": SHARE_FORMAT}
        (work / "shared.json").write_text(json.dumps(record))
        work.chmod(0o755)
        work.rename(entry)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # gone after the rename; a failed build's leftovers
    return entry / str(record["library"]), how
