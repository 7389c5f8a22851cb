"""What sampling produced: the raw samples of one measurement and how they were taken."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accelbench.measure.contention import ContentionSummary


@dataclass
class Timing:
    """Raw per-call samples (seconds), iterations per sample, why sampling stopped, and how.

    ``contention`` sums the counters over the kept samples; ``process_medians_s`` holds one median
    per worker process when the timing was repeated in several (``RunPolicy.processes``).
    """

    samples_s: list[float] = field(default_factory=list)
    iterations: int = 0
    stop: str = ""
    method: str = ""
    contention: ContentionSummary | None = None
    process_medians_s: list[float] = field(default_factory=list)
    threads: dict[str, Any] | None = None
    #: Wall time of the sampling loop, time inside timed blocks (kept and dropped), and blocks
    #: timed: ``(sampling_s - inside_s) / blocks`` is the runner's own cost between samples.
    sampling_s: float = 0.0
    inside_s: float = 0.0
    blocks: int = 0
