"""The configuration keys ``--config KEY=VALUE`` may set, and the check that refuses the rest.

A misspelt key (``torch_compil=true``) used to be accepted and silently ignored, so the run
measured something other than what was asked. Every key a shipped backend reads is listed here
(a unit test greps the backends for ``config.get("...")`` / ``config["..."]`` and fails when one
is missing); the FPGA design keys come from :data:`accelbench.fpga.config.KEYS`. A backend added
at run time (``--plugin``, tests) declares its own keys in a ``config_keys`` class attribute.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from accelbench.errors import UserError

#: Keys read by shipped backends' ``prepare`` (besides the FPGA design keys), and what reads them.
BACKEND_KEYS: dict[str, tuple[str, ...]] = {
    "torch_compile": ("cpu-torch", "gpu-torch"),
    "flush_l2": ("gpu-torch", "gpu-cupy"),
    "kernel": ("gpu-cupy",),
    "gemm_arch": ("gpu-cupy", "gpu-numba"),
    "fpga_synth": ("fpga-hls4ml",),
    "fpga_cosim": ("fpga-hls4ml",),
    "threads": ("cpu-onnxruntime",),
}


def fpga_keys() -> tuple[str, ...]:
    """The FPGA design keys (``--fpga-part``, ``--reuse-factor``, ... map onto them)."""
    from accelbench.fpga.config import KEYS

    return tuple(KEYS)


def declared_keys(backends: Iterable[str]) -> set[str]:
    """Keys the given backends declare in a ``config_keys`` attribute (plugins, test doubles)."""
    from accelbench.backends.registry import get_backend

    out: set[str] = set()
    for name in backends:
        out.update(str(key) for key in getattr(get_backend(name), "config_keys", ()) or ())
    return out


def known_keys(backends: Iterable[str] = ()) -> list[str]:
    """Every key ``--config`` accepts for a run on ``backends``, sorted."""
    return sorted({*BACKEND_KEYS, *fpga_keys(), *declared_keys(backends)})


def check_config_keys(keys: Iterable[str], backends: Iterable[str] = ()) -> None:
    """Raise a UserError naming the first unknown key, a close match, and the known keys."""
    known = known_keys(backends)
    for key in keys:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UserError(f"unknown --config key {key!r}{hint}; known keys: {', '.join(known)}")
