"""History: series over runs in commit order, environment changes, origins from git, named baselines."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from accelbench.errors import UserError
from accelbench.results.baselines import (
    delete_baseline,
    get_baseline,
    list_baselines,
    resolve_run_or_baseline,
    set_baseline,
)
from accelbench.results.history import RunOrigin, build_series, load_series, order_key
from accelbench.results.origin import detect_origin, git_origin
from accelbench.results.record import LatencyStats, Measurement, Quality
from accelbench.results.store import open_store


def record(run_id: str, value: float, backend: str = "cpu-numpy", status: str = "ok", params_hash: str = "h",
           threads: dict[str, Any] | None = None) -> Measurement:
    lat = LatencyStats(value, value, value, value, value, value, 0, 0, 10)
    return Measurement(run_id=run_id, measurement_id=f"{run_id}-{backend}", created_at=run_id, workload="gemm",
                       kind="gemm", params={}, params_hash=params_hash, backend=backend, family="cpu", batch=1,
                       scenario="single-stream", status=status, latency=lat,  # type: ignore[arg-type]
                       provenance={"latency": "measured"}, quality=Quality("ok", ci_rel=0.01), threads=threads)


def origin(run_id: str, started: str, commit_time: str | None = None, env: dict[str, Any] | None = None,
           host: str = "h") -> RunOrigin:
    return RunOrigin(run_id, started, f"commit-{run_id}", "main", False, commit_time, None, host, env or {})


def test_series_follow_commit_time_not_run_time() -> None:
    # the older commit was measured last (a bisect, a re-run of an old tag): commit order wins
    runs = sorted([origin("b", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"),
                   origin("a", "2026-01-02T00:00:00+00:00", "2025-12-31T10:00:00+01:00")], key=order_key)
    (series,) = build_series(runs, [record("b", 2e-3), record("a", 1e-3)])
    assert [p.run.run_id for p in series.points] == ["a", "b"] and [p.value for p in series.points] == [1e-3, 2e-3]


def test_only_rankable_records_enter_and_filters_apply() -> None:
    runs = [origin("a", "2026-01-01T00:00:00+00:00"), origin("b", "2026-01-02T00:00:00+00:00"),
            origin("c", "2026-01-03T00:00:00+00:00")]
    records = [record("a", 1e-3), record("b", 1e-3, status="invalid"), record("c", 1e-3),
               record("a", 5e-3, backend="cpu-torch")]
    numpy_series = build_series(runs, records, backends={"cpu-numpy"})
    assert [p.run.run_id for p in numpy_series[0].points] == ["a", "c"] and len(numpy_series) == 1
    assert len(build_series(runs, records)) == 2
    since = build_series(runs, records, since=datetime(2026, 1, 2, tzinfo=UTC))
    assert [p.run.run_id for s in since for p in s.points] == ["c"]
    assert [p.run.run_id for p in build_series(runs, records, last=1, backends={"cpu-numpy"})[0].points] == ["c"]
    assert build_series(runs, records, workloads={"conv"}) == []


def test_environment_changes_are_marked_on_the_point_after_them() -> None:
    env_a = {"cpu": "Xeon A", "packages": {"numpy": "2.1", "torch": "2.12"}}
    env_b = {"cpu": "Xeon B", "packages": {"numpy": "2.1", "torch": "2.13"}}
    runs = [origin("a", "2026-01-01T00:00:00+00:00", env=env_a),
            origin("b", "2026-01-02T00:00:00+00:00", env=env_b, host="other")]
    (series,) = build_series(runs, [record("a", 1e-3, threads={"torch": 4}),
                                    record("b", 1e-3, threads={"torch": 2}, params_hash="h2")])
    first, second = series.points
    assert first.changes == ()
    text = " | ".join(second.changes)
    for expected in ("CPU Xeon A -> Xeon B", "host h -> other", "torch 2.12 -> 2.13", '"torch": 4',
                     "workload definition changed"):
        assert expected in text
    assert "numpy" not in text


def test_point_json_has_run_commit_time_value_and_quality() -> None:
    runs = [origin("a", "2026-01-01T00:00:00+00:00")]
    (series,) = build_series(runs, [record("a", 1e-3)])
    data = series.points[0].to_json(series.metric)
    assert {k: data[k] for k in ("run_id", "commit", "value", "quality")} == {
        "run_id": "a", "commit": "commit-a", "value": 1e-3, "quality": "ok"}
    assert data["time"] == "2026-01-01T00:00:00+00:00"
    assert series.key.to_json() == {"workload": "gemm", "backend": "cpu-numpy", "batch": 1,
                                    "scenario": "single-stream", "metric": "p50", "config": {}}


def _git(cwd: Path, *args: str) -> str:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    return subprocess.run([*git, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_origin_comes_from_git_in_the_working_directory(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q", "-b", "feature")
    (tmp_path / "kernel.c").write_text("int x;\n")
    _git(tmp_path, "add", "kernel.c")
    _git(tmp_path, "commit", "-q", "-m", "k")
    head = _git(tmp_path, "rev-parse", "HEAD")
    found = detect_origin(tmp_path, label="nightly")
    assert found["commit_id"] == head and found["branch"] == "feature" and found["dirty"] is False
    assert found["label"] == "nightly" and found["commit_time"] is not None
    (tmp_path / "kernel.c").write_text("int y;\n")
    assert git_origin(tmp_path)["dirty"] is True
    named = detect_origin(tmp_path, commit=head[:8])
    assert named["commit_id"] == head[:8] and named["commit_time"] == found["commit_time"]


def test_outside_git_the_origin_is_what_the_user_said(tmp_path: Path) -> None:
    assert git_origin(tmp_path) == {}
    found = detect_origin(tmp_path, commit="bitstream-7", label="board A")
    assert found == {"commit_id": "bitstream-7", "branch": None, "dirty": None, "commit_time": None,
                     "label": "board A"}
    with pytest.raises(UserError, match="--commit"):
        detect_origin(tmp_path, commit="  ")
    with pytest.raises(UserError, match="--label"):
        detect_origin(tmp_path, label="two\nlines")


def test_baselines_set_move_list_and_delete(store_path: Path) -> None:
    with open_store(store_path) as store:
        for run_id, started in (("r1", "2026-01-01T00:00:00+00:00"), ("r2", "2026-01-02T00:00:00+00:00")):
            store.begin_run(run_id, "test", {}, started)
        new, previous = set_baseline(store, "main", "r1")
        assert new.run_id == "r1" and previous is None
        moved, previous = set_baseline(store, "main")  # the last run
        assert moved.run_id == "r2" and previous is not None and previous.run_id == "r1"
        set_baseline(store, "v1.0", "r1")
        assert [b.name for b in list_baselines(store)] == ["main", "v1.0"]
        assert resolve_run_or_baseline(store, "v1.0") == "r1" and resolve_run_or_baseline(store, "r2") == "r2"
        assert resolve_run_or_baseline(store, "last") == "r2"
        assert delete_baseline(store, "v1.0").run_id == "r1"
        assert get_baseline(store, "v1.0", missing_ok=True) is None
        with pytest.raises(UserError, match="known: main"):
            get_baseline(store, "v1.0")
        with pytest.raises(UserError, match="not valid"):
            set_baseline(store, "-rm", "r1")
        with pytest.raises(UserError, match="nor a baseline: main"):
            resolve_run_or_baseline(store, "nope")


def test_a_read_only_store_without_the_table_has_no_baselines(store_path: Path) -> None:
    with open_store(store_path) as store:
        store.begin_run("r1", "test", {}, "2026-01-01T00:00:00+00:00")
    with open_store(store_path, read_only=True) as store:
        assert list_baselines(store) == []
        with pytest.raises(UserError, match="none is set yet"):
            get_baseline(store, "main")
        assert load_series(store) == []
