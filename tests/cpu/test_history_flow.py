"""Tracking over time, end to end: three runs at three commits, a planted slowdown of one backend at the
third, a history that finds the step at that commit, ``run --compare-to`` failing on it, and the
history report showing it.

The slowdown is planted in the code of the backend (as a commit would), not in its configuration:
a changed ``--config`` is another benchmark (another series). The modeled fake has a deterministic
latency, so the step is certain on any host; the measured fake runs beside it unchanged, and a
second test plants a slowdown in measured timing and checks what can be promised on a busy host:
a step found on timings that are not ``ok`` is never called a regression.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from accelbench.cli import main
from tests.fakes import FakeBackend, ModeledFakeBackend

WORKLOADS = ("gemm:m=8,n=8,k=8,dtype=float32", "gemm:m=4,n=8,k=16,dtype=float32")
RUN = ("run", *WORKLOADS, "--budget-s", "0.02", "--no-power", "--config", "fake_modeled_s=0.001")


def plant_modeled_slowdown(monkeypatch: pytest.MonkeyPatch, factor: float) -> None:
    """The modeled fake's code gets ``factor`` times slower (its model's latency)."""
    original = ModeledFakeBackend.estimate

    def slower(self: Any, prepared: Any, batch: int) -> Any:
        estimate = original(self, prepared, batch)
        assert estimate is not None
        return dataclasses.replace(estimate, compute_s=estimate.compute_s * factor,
                                   throughput_items_s=estimate.throughput_items_s / factor)

    monkeypatch.setattr(ModeledFakeBackend, "estimate", slower)


def history(store: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["history", "--store", str(store), "--json", *args]) == 0
    found: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return found


def test_three_commits_with_a_planted_slowdown_give_a_step_a_failing_compare_and_a_report(
        fake_backends: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # not a git checkout: --commit names the code under test
    store = tmp_path / "s.duckdb"
    common = [*RUN, "--backends", "fake,fake-modeled", "--store", str(store)]
    assert main([*common, "--commit", "aaaa1111", "--label", "first"]) == 0
    assert main(["baseline", "set", "main", "--store", str(store)]) == 0
    assert main([*common, "--commit", "bbbb2222"]) == 0
    with monkeypatch.context() as patch:
        plant_modeled_slowdown(patch, 2.0)
        capsys.readouterr()
        failed = main([*common, "--commit", "cccc3333", "--compare-to", "main", "--fail-on", "p50:5%"])
        err = capsys.readouterr().err
    assert failed == 1, err
    assert "regression(s) beyond p50:5% against main" in err and "on fake-modeled b1 +100.0%" in err

    # history: the step of each slowed series is at the third commit, sized +100 %, and conclusive
    found = history(store, capsys, "--backend", "fake-modeled")
    assert len(found) == 2
    for series in found:
        assert series["key"]["backend"] == "fake-modeled" and series["key"]["metric"] == "p50"
        assert [p["commit"] for p in series["points"]] == ["aaaa1111", "bbbb2222", "cccc3333"]
        assert series["points"][0]["quality"] is None  # modeled: not timed
        assert all(set(p) >= {"run_id", "commit", "time", "value", "quality"} for p in series["points"])
        (step,) = series["steps"]
        assert step["verdict"] == "regression" and step["commit_range"] == "bbbb2222..cccc3333"
        assert step["size"] == pytest.approx(1.0) and step["interval"][0] > 0.5
    # the unchanged measured backend is followed too (whatever its timings say on this host)
    measured = history(store, capsys, WORKLOADS[0], "--backend", "fake")
    assert len(measured) == 1 and len(measured[0]["points"]) == 3
    assert history(store, capsys, "--last", "2", "--backend", "fake-modeled")[0]["points"][0]["commit"] == "bbbb2222"

    # the history report: the step in the table and the plot
    out = tmp_path / "report"
    assert main(["report", "--store", str(store), "--out", str(out), "--history"]) == 0
    page = (out / "history.html").read_text()
    assert "bbbb2222..cccc3333" in page and "regression" in page and "+100.0%" in page
    assert page.count("<svg") >= 2 and "+100% regression" in page
    assert "bbbb2222..cccc3333" in (out / "history.md").read_text()
    assert "regression +100.0%" in (out / "history.csv").read_text()
    assert "href='history.html'" in (out / "index.html").read_text()  # the run's report links to it

    # show --runs says where each run came from; the baseline still points at the first run
    capsys.readouterr()
    assert main(["show", "--runs", "--store", str(store)]) == 0
    listing = capsys.readouterr().out
    assert "aaaa1111" in listing and "[first]" in listing and "cccc3333" in listing
    third = next(p["run_id"] for p in found[0]["points"] if p["commit"] == "cccc3333")
    assert main(["compare", "--baseline", "main", third, "--store", str(store), "--fail-on", "p50:5%"]) == 1

    # the same in words, and the baseline's listing
    capsys.readouterr()
    assert main(["history", WORKLOADS[1], "--backend", "fake-modeled", "--store", str(store)]) == 0
    text = capsys.readouterr().out
    assert "step: regression +100.0%" in text and "in bbbb2222..cccc3333" in text and "[first]" in text
    assert main(["baseline", "list", "--json", "--store", str(store)]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["name"] == "main" and listed["origin"]["commit_id"] == "aaaa1111"
    assert main(["baseline", "show", "main", "--json", "--store", str(store)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["run"]["label"] == "first" and len(shown["measurements"]) == 4


def test_an_unchanged_modeled_rerun_passes_compare_to(fake_backends: list[str], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "s.duckdb"
    common = [*RUN, "--backends", "fake-modeled", "--store", str(store)]
    assert main([*common, "--commit", "aaaa1111"]) == 0
    assert main(["baseline", "set", "ci", "--store", str(store)]) == 0
    assert main([*common, "--commit", "bbbb2222", "--compare-to", "ci", "--fail-on", "p50:5%"]) == 0
    with monkeypatch.context() as patch:  # `last` is the run before this one, not this run itself
        plant_modeled_slowdown(patch, 1.5)
        assert main([*common, "--commit", "cccc3333", "--compare-to", "last", "--fail-on", "p50:5%"]) == 1


def test_mistakes_in_history_options_stop_the_run_before_anything_is_stored(
        fake_backends: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "s.duckdb"
    common = [*RUN, "--backends", "fake-modeled", "--store", str(store)]
    assert main([*common, "--fail-on", "p50:5%"]) == 2
    assert main(["baseline", "set", "main", "--store", str(store)]) == 2 and not store.exists()
    assert main([*common, "--compare-to", "main"]) == 2  # no store yet
    assert main([*common]) == 0
    assert main([*common, "--compare-to", "nosuch"]) == 2
    assert main([*common, "--commit", ""]) == 2
    assert "--commit expects" in capsys.readouterr().err
    assert main(["history", "--store", str(store), "nosuchworkload"]) == 2
    assert main(["history", "--store", str(store), "--since", "yesterday"]) == 2
    assert main(["baseline", "delete", "nosuch", "--store", str(store)]) == 2
    assert main(["baseline", "set", "../x", "--store", str(store)]) == 2


def test_a_measured_slowdown_is_a_regression_when_timings_are_ok_and_never_when_they_are_not(
        fake_backends: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "s.duckdb"
    common = ["run", WORKLOADS[0], "--budget-s", "0.05", "--no-power", "--backends", "fake",
              "--config", "fake_delay_s=0.0002", "--store", str(store)]
    assert main([*common, "--commit", "aaaa1111"]) == 0
    assert main([*common, "--commit", "bbbb2222"]) == 0
    original = FakeBackend.run

    def slower(self: Any, prepared: Any, device_inputs: Any) -> Any:
        for _ in range(4):  # five calls' work per call
            original(self, prepared, device_inputs)
        return original(self, prepared, device_inputs)

    with monkeypatch.context() as patch:
        patch.setattr(FakeBackend, "run", slower)
        assert main([*common, "--commit", "cccc3333"]) == 0
    (series,) = history(store, capsys)
    trusted = all(p["quality"] == "ok" for p in series["points"])
    for step in series["steps"]:
        touched = series["points"][step["segment_before"][0]:step["segment_after"][1]]
        if any(p["quality"] != "ok" for p in touched):
            assert step["verdict"] == "inconclusive" and step["reason"]
    if trusted:  # a quiet enough host: the 5x slowdown is found where it was planted
        assert [s["commit_range"] for s in series["steps"] if s["verdict"] == "regression"] == [
            "bbbb2222..cccc3333"]
