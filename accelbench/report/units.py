"""Human units for figures: ns/µs/ms/s, items/s with k/M/G, W, J/mJ/µJ, FLOP/s (pure, no imports).

Every formatter returns '-' for a missing value and never scientific notation: a number is scaled
to the unit that puts it in [1, 1000) and printed with three significant digits.
"""

from __future__ import annotations

import math

_SMALL = (("", 1.0), ("m", 1e-3), ("µ", 1e-6), ("n", 1e-9), ("p", 1e-12))
_LARGE = (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3), ("", 1.0))


def _digits(value: float) -> str:
    """Three significant digits without an exponent (1234.5 -> '1235', 0.01234 -> '0.0123')."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, 2 - magnitude)
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def scaled(value: float | None, unit: str, steps: tuple[tuple[str, float], ...]) -> str:
    """``value`` in the first ``(prefix, scale)`` step it reaches (steps largest first)."""
    if _missing(value):
        return "-"
    assert value is not None
    for prefix, scale in steps:
        if abs(value) >= scale:
            return f"{_digits(value / scale)} {prefix}{unit}"
    prefix, scale = steps[-1]
    return f"{_digits(value / scale)} {prefix}{unit}"


def seconds(value_s: float | None) -> str:
    """A duration given in seconds: '207 µs', '1.3 ns', '12.5 s', '3600 s'."""
    if _missing(value_s):
        return "-"
    assert value_s is not None
    if value_s == 0:
        return "0 s"
    if abs(value_s) >= 1:
        return f"{_digits(value_s)} s"
    return scaled(value_s, "s", _SMALL[1:])


def rate(value: float | None, unit: str) -> str:
    """A per-second figure with k/M/G/T prefixes: '3 GFLOP/s', '4.83 k items/s' (a word unit is spaced)."""
    if _missing(value):
        return "-"
    assert value is not None
    for prefix, scale in _LARGE:
        if abs(value) >= scale or scale == 1.0:
            gap = " " if prefix and unit[:1].islower() else ""
            return f"{_digits(value / scale)} {prefix}{gap}{unit}"
    return "-"


def items_per_s(value: float | None) -> str:
    """Throughput: '4.83 k items/s', '1.5 M items/s', '12 items/s'."""
    return rate(value, "items/s")


def watts(value_w: float | None) -> str:
    """Power: '3.66 W', '850 mW', '1.2 kW'."""
    return scaled(value_w, "W", (("k", 1e3), ("", 1.0), ("m", 1e-3), ("µ", 1e-6)))


def joules(value_j: float | None) -> str:
    """Energy: '7.55 mJ', '12 µJ', '3.1 J', '45 nJ'."""
    return scaled(value_j, "J", (("k", 1e3), ("", 1.0), ("m", 1e-3), ("µ", 1e-6), ("n", 1e-9), ("p", 1e-12)))


def ratio(value: float | None) -> str:
    """A dimensionless factor: '1.5x', '230x', '0.42x'."""
    return "-" if _missing(value) else f"{_digits(float(value))}x"  # type: ignore[arg-type]


def plain(value: float | None) -> str:
    """A dimensionless number with three significant digits, never an exponent ('0.000123')."""
    return "-" if _missing(value) else _digits(float(value))  # type: ignore[arg-type]


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def small(value: float | None) -> str:
    """A dimensionless number such as a relative error: '0.012', '3.4·10⁻⁷' (no 'e' notation)."""
    if _missing(value):
        return "-"
    number = float(value)  # type: ignore[arg-type]
    if number == 0 or 1e-3 <= abs(number) < 1e4:
        return _digits(number)
    exponent = math.floor(math.log10(abs(number)))
    return f"{_digits(number / 10 ** exponent)}·10{str(exponent).translate(_SUPERSCRIPT)}"


def percent(value: float | None) -> str:
    return "-" if _missing(value) else f"{_digits(float(value))} %"  # type: ignore[arg-type]


def split(text: str) -> tuple[str, str]:
    """'207 µs' -> ('207', 'µs'); '4.83 k items/s' -> ('4.83', 'k items/s'); '-' -> ('', '')."""
    number, _, unit = text.partition(" ")
    return (number, unit) if unit else ("", "")
