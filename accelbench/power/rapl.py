"""RAPL through Linux powercap sysfs: CPU package and DRAM energy counters (measured).

Domains are ``<root>/intel-rapl:N`` (package N, ``name`` = ``package-N``) and their sub-domains
``intel-rapl:N:M`` (``name`` = ``dram``, ``core``, ``uncore``); sysfs lists sub-domains both
nested in their package's directory and linked at the top level. AMD Zen exposes the same layout.
Package and DRAM are counted (``core``/``uncore`` are inside the package, ``psys`` overlaps it).
``energy_uj`` counts microjoules and wraps after ``max_energy_range_uj``; the meter samples often
enough to see every wrap. Since the PLATYPUS mitigation (CVE-2020-8694) ``energy_uj`` is readable
by root only.
"""

from __future__ import annotations

from pathlib import Path

from accelbench.power.base import MeterError, PowerReading, SamplingMeter
from accelbench.power.integrate import counter_delta

POWERCAP = Path("/sys/class/powercap")
UJ_TO_J = 1e-6


def find_domains(root: Path) -> dict[str, Path]:
    """Package and DRAM domain directories under ``root`` by label (``package-0``, ``dram-0``, ...)."""
    candidates = [*root.glob("intel-rapl:*"), *root.glob("intel-rapl:*/intel-rapl:*")]
    found: dict[str, Path] = {}
    seen: set[Path] = set()
    for directory in sorted(candidates, key=lambda p: p.name):
        resolved = directory.resolve()
        name_file = directory / "name"
        if resolved in seen or not name_file.is_file():
            continue
        seen.add(resolved)
        name = name_file.read_text().strip()
        package = directory.name.split(":")[1]
        if name.startswith("package"):
            found[name] = directory
        elif name == "dram":
            found[f"dram-{package}"] = directory
    return found


def permission_fix(root: Path) -> str:
    """The commands that make the counters readable (the reason text when they are not)."""
    return (f"run as root, or `sudo chmod o+r {root}/intel-rapl:*/energy_uj {root}/intel-rapl:*/*/energy_uj` "
            "(resets at reboot; a udev rule or systemd-tmpfiles entry makes it permanent)")


class RaplMeter(SamplingMeter):
    """Package + DRAM energy (J) over a window from powercap ``energy_uj`` counters."""

    name = "rapl"
    provenance = "measured"
    update_period_s = 0.001  # RAPL counters update about every millisecond

    def __init__(self, root: Path = POWERCAP, interval_s: float = 0.1) -> None:
        super().__init__(interval_s)
        self.root = Path(root)
        self.domains = find_domains(self.root) if self.root.is_dir() else {}
        self._max_range_uj: dict[str, int] = {}

    @property
    def method(self) -> str:
        return (f"RAPL powercap energy counters ({', '.join(self.domains) or 'none'}) under {self.root}, "
                f"read every {self.interval_s:g} s: whole socket, every process on the machine")

    def available(self) -> tuple[bool, str]:
        if not self.root.is_dir():
            return False, f"no powercap interface at {self.root} (RAPL needs Linux with the intel_rapl driver)"
        if not self.domains:
            return False, f"no RAPL package domains under {self.root} (no intel-rapl:N with name package-N)"
        for directory in self.domains.values():
            counter = directory / "energy_uj"
            try:
                int(counter.read_text())
                int((directory / "max_energy_range_uj").read_text())
            except PermissionError:
                return False, (f"{counter} is not readable: root-only since the PLATYPUS mitigation "
                               f"(CVE-2020-8694); {permission_fix(self.root)}")
            except (OSError, ValueError) as exc:
                return False, f"cannot read {counter}: {exc}"
        return True, f"RAPL domains {', '.join(self.domains)} under {self.root}"

    def _open(self) -> None:
        if not self.domains:
            raise MeterError(f"no RAPL domains under {self.root}")
        self._max_range_uj = {name: int((path / "max_energy_range_uj").read_text())
                              for name, path in self.domains.items()}

    def _sample(self) -> dict[str, int]:
        return {name: int((path / "energy_uj").read_text()) for name, path in self.domains.items()}

    def reading(self) -> PowerReading:
        samples = self._check()
        duration_s = samples[-1][0] - samples[0][0]
        energies_j = {
            name: counter_delta([values[name] for _, values in samples], self._max_range_uj[name]) * UJ_TO_J
            for name in self.domains
        }
        total_j = sum(energies_j.values())
        return PowerReading(
            avg_power_w=total_j / duration_s if duration_s > 0 else 0.0,
            energy_j=total_j,
            duration_s=duration_s,
            n_samples=len(samples),
            provenance="measured",
            method=self.method,
            domains=energies_j,
            constants={"max_energy_range_uj": dict(self._max_range_uj), "interval_s": self.interval_s},
        )
