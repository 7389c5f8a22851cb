"""How the C simulation is compiled: g++ flags and recipe names, shared by the compile stage, the
precompiled header and the build cache (which rebuilds an entry compiled another way).

hls4ml 1.3's ``build_lib.sh`` compiles with ``-O3 -fPIC``, the newest of ``-std=c++23``/``-std=c++11``
g++ accepts and ``-fno-gnu-unique`` when accepted; accelbench keeps all but the optimisation level
(:data:`CXX_OPT`, see :mod:`accelbench.fpga.compile_worker`). A precompiled header must be built with
the same flags as the compile that uses it (:mod:`accelbench.fpga.pch` keys on them), so both take
them from here.
"""

from __future__ import annotations

import subprocess

#: Optimisation level of the C-simulation compile (hls4ml's build_lib.sh uses -O3).
CXX_OPT = "-O1"
#: How the C simulation is compiled, recorded in the manifest: a cache entry compiled another way is rebuilt.
BUILD_RECIPE = f"one translation unit (firmware + bridge), weights read beside the library, g++ {CXX_OPT}"
#: The recipe when hls4ml's build_lib.sh is not the one compile_worker mirrors: the script itself ran.
FALLBACK_RECIPE = "hls4ml build_lib.sh (not the script accelbench mirrors)"


def accepts(flag: str) -> bool:
    """Whether g++ accepts ``flag`` (build_lib.sh's probe: an empty C++ file with -Werror)."""
    probe = subprocess.run(["g++", "-Werror", "-fsyntax-only", flag, "-xc++", "-", "-o", "/dev/null"],
                           input="", capture_output=True, text=True, check=False)
    return probe.returncode == 0


def cxx_flags() -> list[str]:
    """The compile flags: build_lib.sh's (``-fPIC``, the newest of c++23/c++11 g++ accepts,
    ``-fno-gnu-unique`` when accepted) with :data:`CXX_OPT` in place of ``-O3``."""
    flags = [CXX_OPT, "-fPIC", "-std=c++23" if accepts("-std=c++23") else "-std=c++11"]
    if accepts("-fno-gnu-unique"):
        flags.append("-fno-gnu-unique")
    return flags
