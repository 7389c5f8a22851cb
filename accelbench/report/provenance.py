"""Provenance marks and legend shared by every report format (pure).

A figure is ``measured`` (unmarked), ``simulated`` (ˢ, bit-accurate C simulation), ``reported`` by a
vendor tool (ʳ), ``modeled`` (ᵐ) or ``unknown`` (‽: a figure migrated from a store that did not
label it). Nothing is assumed: a figure without a label is ``unknown``, never ``measured``. Plots
draw non-measured figures hollow (markers), hatched (bars) or dashed (lines).
"""

from __future__ import annotations

from collections.abc import Iterable

from accelbench.results.rank import provenance_class
from accelbench.results.record import Measurement

MARKS = {"measured": "", "simulated": "ˢ", "reported": "ʳ", "modeled": "ᵐ", "unknown": "‽"}
#: Least to most removed from a measurement: a figure derived from several keeps the furthest.
ORDER = ("measured", "reported", "simulated", "modeled", "unknown")
LEGEND = ("Unmarked figures are measured; ˢ simulated (bit-accurate C simulation), ʳ reported by a vendor "
          "tool, ᵐ modeled (an analytical model or an estimate such as TDP x utilisation), ‽ unknown (stored "
          "without a label by an older version).")
PLOT_LEGEND = ("In plots, measured figures are filled; modeled, simulated or unknown ones are hollow (markers), "
               "hatched (bars) or dashed (lines). Winners, speed-ups, fronts and crossovers are taken within one "
               "provenance class; a comparison across classes is labelled, e.g. 'modeled vs measured'.")


def mark(kind: str | None) -> str:
    """Mark appended to a figure: none for measured, ˢ simulated, ʳ reported, ᵐ modeled, ‽ unknown."""
    return MARKS.get(kind or "unknown", MARKS["unknown"])


def of(m: Measurement, figure: str) -> str:
    """Provenance of ``figure`` in ``m`` (``unknown`` when the record has no label for it)."""
    return provenance_class(m, figure)


def is_measured(m: Measurement, figure: str = "latency") -> bool:
    return of(m, figure) == "measured"


def combine(kinds: Iterable[str]) -> str:
    """Provenance of a figure derived from several: the one furthest from a measurement."""
    found = [k if k in ORDER else "unknown" for k in kinds]
    return max(found, key=ORDER.index) if found else "unknown"
