"""Human formatting of figures for the CLI (measurement is separate from presentation).

The unit formatters live in :mod:`accelbench.report.units` (one implementation for the CLI and
reports): durations in ns/µs/ms/s, rates with k/M/G prefixes, never scientific notation.
"""

from __future__ import annotations

from accelbench.report.provenance import MARKS
from accelbench.report.provenance import mark as _mark
from accelbench.report.units import items_per_s, joules, rate, seconds, small, watts

PROVENANCE_MARK = MARKS
__all__ = ["PROVENANCE_MARK", "items_per_s", "joules", "mark", "rate", "seconds", "small", "watts"]


def mark(provenance: str | None) -> str:
    """A superscript marking non-measured figures (ˢ simulated, ʳ reported, ᵐ modeled, ‽ unknown)."""
    return _mark(provenance)
