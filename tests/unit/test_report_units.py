"""Human units: ns/µs/ms/s, k/M items/s, W, mJ/µJ — never scientific notation."""

from __future__ import annotations

import re

import pytest

from accelbench.commands.format import seconds as cli_seconds
from accelbench.report.units import items_per_s, joules, ratio, seconds, small, split, watts

SCIENTIFIC = re.compile(r"\d[eE][-+]?\d")


@pytest.mark.parametrize(("value", "text"), [(207e-6, "207 µs"), (1.3e-9, "1.3 ns"), (12.5, "12.5 s"),
                                             (3600.0, "3600 s"), (0.5, "500 ms"), (0.0, "0 s"), (None, "-")])
def test_seconds_pick_the_unit_that_reads(value: float | None, text: str) -> None:
    assert seconds(value) == text == cli_seconds(value)


def test_rates_energies_and_powers_have_prefixes() -> None:
    assert items_per_s(4830.2) == "4.83 k items/s" and items_per_s(1.5e6) == "1.5 M items/s"
    assert joules(7.55e-3) == "7.55 mJ" and joules(12e-6) == "12 µJ" and watts(3.66) == "3.66 W"
    assert ratio(1.5) == "1.5x" and ratio(230.4) == "230x"


@pytest.mark.parametrize("value", [1e-15, 3.3e-11, 1e-7, 0.123, 7.0, 1234.5, 1e7, 1e12])
def test_no_formatter_writes_an_exponent(value: float) -> None:
    for text in (seconds(value), items_per_s(value), joules(value), watts(value), ratio(value), small(value)):
        assert not SCIENTIFIC.search(text), text


def test_split_gives_the_number_and_its_unit() -> None:
    assert split("207 µs") == ("207", "µs") and split("4.83 k items/s") == ("4.83", "k items/s")
    assert split("-") == ("", "")
