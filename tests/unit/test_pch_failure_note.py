"""A failed precompiled-header build stops retries for a while, not forever."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from accelbench.fpga import pch


def test_a_failed_build_is_not_retried_at_once_but_is_retried_once_the_note_is_old(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCELBENCH_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "ap_types").mkdir()
    (tmp_path / "ap_types" / "ap_int.h").write_text("// stand-in\n")
    monkeypatch.setattr(pch, "template_ap_types", lambda: tmp_path / "ap_types")
    builds: list[Path] = []

    def failing_build(flags: list[str], source: Path, target: Path) -> str:
        builds.append(target)
        return "g++: out of memory"

    monkeypatch.setattr(pch, "_build", failing_build)
    found, why = pch.ensure(["-O1"], wait_s=0.0)
    assert found is None and "out of memory" in why and len(builds) == 1
    found, why = pch.ensure(["-O1"], wait_s=0.0)
    assert found is None and "failed earlier" in why and len(builds) == 1
    note = next(pch.pch_root().glob("*.failed"))
    old = time.time() - pch.FAILED_RETRY_S - 1
    os.utime(note, (old, old))
    pch.ensure(["-O1"], wait_s=0.0)
    assert len(builds) == 2


def test_building_it_ahead_without_hls4ml_says_why_in_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def missing() -> Path:
        raise FileNotFoundError("hls4ml is not installed")

    monkeypatch.setattr(pch, "template_ap_types", missing)
    assert pch.main() == 1
    err = capsys.readouterr().err
    assert err == "no precompiled ap_types header: hls4ml is not installed\n"
