"""The DeepBench rows shipped in the package are the shared reference's GPU rows, unchanged."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from accelbench.gpumodel.catalog import load_catalog
from accelbench.gpumodel.deepbench import DATA_DIR, KINDS, load_samples

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "deepbench"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_rows_equal_the_reference_gpu_rows(kind: str) -> None:
    reference = SHARED / f"{kind}.csv"
    if not reference.exists():
        pytest.skip(f"shared reference data not beside the checkout ({reference})")
    devices = {gpu.deepbench for gpu in load_catalog().gpus if gpu.deepbench}
    expected = [row for row in _read(reference) if row["device"] in devices]
    assert _read(DATA_DIR / f"deepbench_{kind}.csv") == expected


def test_every_shipped_row_becomes_a_sample_of_a_catalog_device() -> None:
    samples, skipped = load_samples()
    assert len(samples) > 4000 and sum(skipped.values()) == 0
    assert {s.device for s in samples} == {g.key for g in load_catalog().gpus if g.deepbench}
    assert all(s.measured_s > 0 for s in samples)
