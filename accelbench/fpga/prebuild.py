"""fpga-hls4ml's prebuild hook: build and cache a design's C simulation before it is measured.

Everything expensive runs in worker subprocesses (:func:`accelbench.fpga.build.build_library`):
nothing is converted or loaded here, so :mod:`accelbench.prebuild` can run several designs at
once from threads. The measurement's ``prepare`` then finds the library in the build cache.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from accelbench.workload import Workload


def prebuild_design(workload: Workload, config: Mapping[str, Any],
                    on_stage: Callable[[str], None] | None = None) -> None:
    """Build (or find cached) the C-simulation library of ``workload`` under ``config``.

    ``on_stage(stage)`` is called as each build stage starts (not for a cache hit or a model-only
    design, which need no build). Raises what the build raises (BuildError, UserError).
    """
    from accelbench.fpga.build import build_library
    from accelbench.fpga.config import resolve_config

    cfg = resolve_config(workload, config)
    build_library(workload, cfg, on_stage=(lambda _key, stage: on_stage(stage)) if on_stage else None)
