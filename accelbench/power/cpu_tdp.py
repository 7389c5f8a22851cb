"""CPU TDP table for the modeled CPU meter: package TDP (W) and hardware threads per package.

Keys are substrings of the CPU model name (``/proc/cpuinfo``), matched case-insensitively, the
longest match winning (so ``i7-8700K`` beats ``i7-8700``). Figures are the vendors' published
TDP (Intel: processor base power) and thread counts. A process that may use ``v`` hardware
threads of a package is charged ``TDP x v / threads`` at full load: a 2-vCPU slice of a
128-thread EPYC is not a 280 W part. CPUs not in the table are charged
:data:`FALLBACK_W_PER_THREAD` per visible hardware thread, the table's median: a guess, recorded.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class CpuTdp:
    """Published package TDP (W) and hardware threads per package of one CPU model."""

    key: str
    tdp_w: float
    threads: int

    @property
    def w_per_thread(self) -> float:
        return self.tdp_w / self.threads


TABLE: tuple[CpuTdp, ...] = (
    CpuTdp("EPYC 9654", 360.0, 192),
    CpuTdp("EPYC 9554", 360.0, 128),
    CpuTdp("EPYC 7763", 280.0, 128),
    CpuTdp("EPYC 7742", 225.0, 128),
    CpuTdp("EPYC 7713", 225.0, 128),
    CpuTdp("EPYC 7543", 225.0, 64),
    CpuTdp("EPYC 7313", 155.0, 32),
    CpuTdp("Threadripper 3990X", 280.0, 128),
    CpuTdp("Ryzen 9 7950X", 170.0, 32),
    CpuTdp("Ryzen 9 5950X", 105.0, 32),
    CpuTdp("Ryzen 7 5800X", 105.0, 16),
    CpuTdp("Ryzen 5 5600X", 65.0, 12),
    CpuTdp("Xeon Platinum 8480", 350.0, 112),
    CpuTdp("Xeon Platinum 8380", 270.0, 80),
    CpuTdp("Xeon Gold 6338", 205.0, 64),
    CpuTdp("Xeon Gold 6248", 150.0, 40),
    CpuTdp("Xeon Gold 6148", 150.0, 40),
    CpuTdp("Xeon Silver 4214", 85.0, 24),
    CpuTdp("i9-13900K", 125.0, 32),
    CpuTdp("i9-12900K", 125.0, 24),
    CpuTdp("i7-12700K", 125.0, 20),
    CpuTdp("i5-12400", 65.0, 12),
    CpuTdp("i7-8700K", 95.0, 12),
    CpuTdp("i7-8700", 65.0, 12),
)

#: W per hardware thread at full load for CPUs not in the table: the median over the table.
FALLBACK_W_PER_THREAD = round(statistics.median(row.w_per_thread for row in TABLE), 2)


def lookup(cpu_model: str) -> CpuTdp | None:
    """The table row whose key is the longest substring of ``cpu_model`` (case-insensitive), if any."""
    model = cpu_model.lower()
    matches = [row for row in TABLE if row.key.lower() in model]
    return max(matches, key=lambda row: len(row.key)) if matches else None
