"""CPU peak figures for the roofline: a small data-sheet table (nothing here is measured).

A roof is ``cores x base clock x FP32 FLOP per cycle per core`` (FMA = 2 FLOP per lane; FP64 is
half) and the socket's DRAM bandwidth (channels x transfer rate x 8 bytes). Sources: AMD EPYC
7003/9004 and Ryzen 7000 product pages, Intel ARK entries; FLOP per cycle from the vendors'
optimisation manuals (Zen 3 / Zen 4: two 256-bit FMA pipes; Ice Lake-SP / Cascade Lake Gold and
Platinum / Sapphire Rapids: two 512-bit FMA units). Base clocks, because sustained wide-vector
clocks are at or below base. A CPU not in the table gets no roof unless one is configured
(``accelbench report --cpu-peak-flops-s --cpu-peak-bytes-s``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CpuPeak:
    """One CPU model's data-sheet figures: GHz, FP32 FLOP/cycle/core, socket DRAM bytes/s."""

    name: str
    cores: int
    base_clock_ghz: float
    fp32_flop_per_cycle: int
    memory_bytes_s: float
    source: str

    def flops_s(self, cores: int, dtype: str = "float32") -> float:
        """Peak FLOP/s of ``cores`` of this CPU (at most all of them) at base clock for ``dtype``."""
        per_cycle = self.fp32_flop_per_cycle / (2 if dtype == "float64" else 1)
        return min(cores, self.cores) * self.base_clock_ghz * 1e9 * per_cycle


PEAKS: tuple[CpuPeak, ...] = (
    CpuPeak("EPYC 7763", 64, 2.45, 32, 204.8e9, "AMD EPYC 7763 product page: 64 cores, 2.45 GHz base, 8 x DDR4-3200"),
    CpuPeak("EPYC 7713", 64, 2.0, 32, 204.8e9, "AMD EPYC 7713 product page: 64 cores, 2.0 GHz base, 8 x DDR4-3200"),
    CpuPeak("EPYC 7543", 32, 2.8, 32, 204.8e9, "AMD EPYC 7543 product page: 32 cores, 2.8 GHz base, 8 x DDR4-3200"),
    CpuPeak("EPYC 9654", 96, 2.4, 32, 460.8e9, "AMD EPYC 9654 product page: 96 cores, 2.4 GHz base, 12 x DDR5-4800"),
    CpuPeak("EPYC 9554", 64, 3.1, 32, 460.8e9, "AMD EPYC 9554 product page: 64 cores, 3.1 GHz base, 12 x DDR5-4800"),
    CpuPeak("Ryzen 9 7950X", 16, 4.5, 32, 83.2e9, "AMD Ryzen 9 7950X product page: 16 cores, 4.5 GHz base, "
            "2 x DDR5-5200"),
    CpuPeak("Xeon Platinum 8380", 40, 2.3, 64, 204.8e9, "Intel ARK Xeon Platinum 8380: 40 cores, 2.3 GHz base, "
            "8 x DDR4-3200"),
    CpuPeak("Xeon Platinum 8480+", 56, 2.0, 64, 307.2e9, "Intel ARK Xeon Platinum 8480+: 56 cores, 2.0 GHz base, "
            "8 x DDR5-4800"),
    CpuPeak("Xeon Gold 6248", 20, 2.5, 64, 140.8e9, "Intel ARK Xeon Gold 6248: 20 cores, 2.5 GHz base, "
            "6 x DDR4-2933"),
)


def find_cpu_peak(cpu_model: str) -> CpuPeak | None:
    """The table row whose name occurs in the CPU model string (longest name first), or None."""
    normalised = " ".join(cpu_model.replace("(R)", "").replace("(TM)", "").split()).upper()
    for peak in sorted(PEAKS, key=lambda p: -len(p.name)):
        if peak.name.upper() in normalised:
            return peak
    return None
