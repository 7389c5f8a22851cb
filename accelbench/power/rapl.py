"""RAPL through Linux powercap sysfs: CPU package and DRAM energy counters (measured).

Domains are ``/sys/class/powercap/intel-rapl:N`` (package N, ``name`` = ``package-N``) and their
sub-domains ``intel-rapl:N:M`` (``name`` = ``dram``, ``core``, ...); AMD exposes the same layout.
``energy_uj`` counts microjoules and wraps at ``max_energy_range_uj``; the meter samples often
enough to see every wrap. Since the PLATYPUS mitigation, ``energy_uj`` is readable by root only.
"""

from __future__ import annotations

from pathlib import Path

from accelbench.power.base import PowerReading, SamplingMeter
from accelbench.power.integrate import counter_delta

POWERCAP = Path("/sys/class/powercap")
COUNTED = ("package", "dram")


def _domains(root: Path) -> dict[str, Path]:
    """Package and DRAM domains by name (``package-0``, ``dram-0``...)."""
    found: dict[str, Path] = {}
    for directory in sorted(root.glob("intel-rapl:*")):
        name_file = directory / "name"
        if not name_file.is_file():
            continue
        name = name_file.read_text().strip()
        parent = directory.name.split(":")[1]
        if name.startswith("package"):
            found[name] = directory
        elif name == "dram":
            found[f"dram-{parent}"] = directory
    return found


class RaplMeter(SamplingMeter):
    name = "rapl"
    provenance = "measured"
    update_period_s = 0.001  # RAPL updates about every millisecond

    def __init__(self, root: Path = POWERCAP, interval_s: float = 0.1) -> None:
        super().__init__(interval_s)
        self.root = root
        self.domains = _domains(root) if root.is_dir() else {}

    def available(self) -> tuple[bool, str]:
        if not self.root.is_dir():
            return False, f"no powercap interface at {self.root} (RAPL needs Linux with intel_rapl/amd powercap)"
        if not self.domains:
            return False, f"no RAPL package domains under {self.root}"
        for directory in self.domains.values():
            counter = directory / "energy_uj"
            try:
                counter.read_text()
            except PermissionError:
                return False, (f"{counter} is not readable (root-only since the PLATYPUS mitigation): "
                               f"run as root or `sudo chmod o+r {self.root}/intel-rapl:*/energy_uj "
                               f"{self.root}/intel-rapl:*/*/energy_uj`")
            except OSError as exc:
                return False, f"cannot read {counter}: {exc}"
        return True, f"RAPL domains {', '.join(self.domains)}"

    def _sample(self) -> dict[str, int]:
        return {name: int((path / "energy_uj").read_text()) for name, path in self.domains.items()}

    def reading(self) -> PowerReading:
        duration = self.t_stop - self.t_start
        energies: dict[str, float] = {}
        for name, path in self.domains.items():
            max_range = int((path / "max_energy_range_uj").read_text())
            values = [sample[name] for _, sample in self.samples]
            energies[name] = counter_delta(values, max_range) * 1e-6
        total = sum(energies.values())
        return PowerReading(
            avg_power_w=total / duration if duration > 0 else 0.0,
            energy_j=total,
            duration_s=duration,
            n_samples=len(self.samples),
            provenance="measured",
            method=f"RAPL powercap energy counters ({', '.join(energies)})",
            domains=energies,
        )
