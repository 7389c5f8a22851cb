"""Human formatting of figures by unit (measurement is separate from presentation)."""

from __future__ import annotations

PROVENANCE_MARK = {"measured": "", "simulated": "ˢ", "reported": "ʳ", "modeled": "ᵐ"}


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def rate(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def mark(provenance: str | None) -> str:
    """A superscript marking non-measured figures (legend: ˢ simulated, ʳ reported, ᵐ modeled)."""
    return PROVENANCE_MARK.get(provenance or "measured", "?")
