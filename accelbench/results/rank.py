"""The one place that decides which records may be ranked and which figures may be compared.

Used by ``show``, reports (tables, headlines, fronts, crossovers), ``compare``, ``history``, the
pytest plugin and sweeps, so that the rule is written once:

* a record is **rankable** when its status is ``ok`` (output checked, within tolerance, design
  fits) and it has a latency. ``model-only``, ``does-not-fit``, ``invalid``, ``error``,
  ``unavailable`` and ``unsupported`` records are never a winner, never on a front or a
  crossover, never a baseline;
* two rankable figures are **comparable** only within one provenance class (measured with
  measured, modeled with modeled...); across classes a comparison is labelled, never silent;
* a difference between timed records is **conclusive** only when both timings are trustworthy
  (quality verdict ``ok``); otherwise it is inconclusive.
"""

from __future__ import annotations

from collections.abc import Iterable

from accelbench.results.record import Measurement


def rankable(m: Measurement) -> bool:
    """True when ``m`` may be ranked, drawn on a front or crossover, or used as a baseline.

    Also false for a result below the user's accuracy floor (``--min-accuracy``)."""
    below = bool((m.accuracy or {}).get("below_floor"))
    return m.status == "ok" and m.latency is not None and not below


def why_unranked(m: Measurement) -> str:
    """Why ``m`` is not rankable ('' when it is), in words a report can print."""
    if rankable(m):
        return ""
    if m.status == "model-only":
        return f"model-only: {m.invalid_reason}" if m.invalid_reason else "model-only: every figure comes from a model"
    if m.status == "does-not-fit":
        reason = m.invalid_reason or "its part"
        return reason if reason.startswith("does not fit") else f"does not fit: {reason}"
    accuracy = m.accuracy or {}
    if m.status == "ok" and accuracy.get("below_floor"):
        return f"accuracy {accuracy.get('value')} below the floor {accuracy.get('min_accuracy')}"
    if m.status == "ok":
        return "no latency figure"
    return f"{m.status}: {m.invalid_reason}" if m.invalid_reason else m.status


def provenance_class(m: Measurement, figure: str = "latency") -> str:
    """The provenance label of ``figure`` in ``m`` (``unknown`` when the record has none)."""
    return m.provenance.get(figure, "unknown")


def same_class(a: Measurement, b: Measurement, figure: str = "latency") -> bool:
    """True when ``figure`` has the same provenance in ``a`` and ``b`` (and it is known)."""
    ka, kb = provenance_class(a, figure), provenance_class(b, figure)
    return ka == kb and ka != "unknown"


def class_label(a: Measurement, b: Measurement, figure: str = "latency") -> str:
    """``"measured"`` for a like-for-like pair, else e.g. ``"modeled vs measured"``."""
    ka, kb = provenance_class(a, figure), provenance_class(b, figure)
    return ka if ka == kb else f"{ka} vs {kb}"


#: Latency provenances that come from no timing loop (nothing to judge the noise of).
UNTIMED = ("modeled", "reported")


def timing_trustworthy(m: Measurement) -> bool:
    """True when ``m``'s timing may support a conclusion: verdict ``ok``, or not timed at all
    (modeled or reported). A timed record without a verdict (a summary ingested without its spread,
    a record migrated from schema 1) is not: nothing says its median is tight."""
    if m.quality is not None:
        return m.quality.verdict == "ok"
    return m.provenance.get("latency") in UNTIMED


def inconclusive_reason(a: Measurement, b: Measurement, figure: str = "latency") -> str:
    """Why a difference between ``a`` and ``b`` cannot be called a change ('' when it can)."""
    for side, m in (("baseline", a), ("candidate", b)):
        if not rankable(m):
            return f"{side} is not rankable ({why_unranked(m)})"
    if not same_class(a, b, figure):
        return f"inconclusive: {class_label(a, b, figure)}"
    for side, m in (("baseline", a), ("candidate", b)):
        if not timing_trustworthy(m):
            if m.quality is None:
                return (f"inconclusive: {side} timing has no quality verdict (its spread is unknown: an ingested "
                        "summary without IQR, or a record from before quality was recorded)")
            return f"inconclusive: {side} timing is {m.quality.verdict}" + (
                f" ({m.quality.reason})" if m.quality.reason else "")
    return ""


def ranked(records: Iterable[Measurement]) -> list[Measurement]:
    """The rankable records of ``records``, in their order."""
    return [m for m in records if rankable(m)]
