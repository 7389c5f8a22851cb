"""The stored record round-trips, and the DuckDB store keeps every measurement as it is made."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from accelbench.errors import UserError
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner
from accelbench.results.migrate import migrate
from accelbench.results.record import SCHEMA_VERSION, Measurement
from accelbench.results.store import open_store
from tests.fakes import FakeBackend

FAST = RunPolicy(budget_s=0.02, min_samples=3, warmup_s=0.0)


def _measure(run_id: str = "run-a", **config: object) -> Measurement:
    return Runner(FAST, run_id).measure(FakeBackend(), make_workload("gemm", {"m": 4, "n": 4, "k": 4}), 1, config)


def test_record_round_trips_through_json() -> None:
    m = _measure()
    again = Measurement.from_json(json.loads(json.dumps(m.to_json())))
    assert again == m


def test_record_json_has_the_stable_cli_fields() -> None:
    data = _measure().to_json()
    for key in ("run_id", "workload", "kind", "params", "backend", "family", "batch", "scenario",
                "latency_s", "throughput_items_s", "achieved_flops_s", "error", "valid",
                "invalid_reason", "provenance"):
        assert key in data
    assert set(data["latency_s"]) == {"p50", "p90", "p99", "mean", "min"}
    assert {"max_abs", "rel"} <= set(data["error"])


def test_record_refuses_an_unknown_schema_version() -> None:
    data = _measure().to_json()
    data["schema_version"] = 99
    with pytest.raises(UserError, match="schema_version"):
        Measurement.from_json(data)


def test_record_refuses_an_unknown_provenance_label() -> None:
    with pytest.raises(ValueError, match="provenance"):
        Measurement(run_id="r", measurement_id="m", created_at="t", workload="w", kind="gemm", params={},
                    params_hash="h", backend="b", family="cpu", batch=1, scenario="single-stream",
                    status="ok", provenance={"latency": "guessed"})


def test_each_append_is_visible_to_another_connection_at_once(store_path: Path) -> None:
    with open_store(store_path) as store:
        store.begin_run("run-a", "test", {"cpu": "x"}, "2026-01-01T00:00:00")
        store.append(_measure())
        store.con.close()  # simulate a crash: no finish_run, no clean close
        con = duckdb.connect(str(store_path), read_only=True)
        assert con.execute("SELECT count(*) FROM measurements").fetchall()[0][0] == 1
        con.close()
        store.con = duckdb.connect(str(store_path))


def test_store_reads_back_records_runs_and_a_tidy_dataframe(store_path: Path) -> None:
    with open_store(store_path) as store:
        store.begin_run("run-a", "test", {"cpu": "x"}, "2026-01-01T00:00:00")
        first, second = _measure(), _measure(fake_error=1.0)
        store.append(first)
        store.append(second)
        store.finish_run("run-a", "2026-01-01T00:00:01")
    with open_store(store_path, read_only=True) as store:
        assert store.last_run_id() == "run-a"
        assert store.resolve_run("run") == "run-a"
        assert [m.measurement_id for m in store.measurements("run-a")] == [first.measurement_id, second.measurement_id]
        frame = store.dataframe("run-a")
        assert isinstance(frame, pd.DataFrame) and len(frame) == 2
        assert list(frame["valid"]) == [True, False]
        assert frame.loc[0, "params"]["m"] == 4
        assert store.runs()[0]["status"] == "finished"
        assert store.run_environment("run-a") == {"cpu": "x"}


def test_export_writes_parquet_and_csv(store_path: Path, tmp_path: Path) -> None:
    with open_store(store_path) as store:
        store.begin_run("run-a", "test", {}, "2026-01-01T00:00:00")
        store.append(_measure())
        parquet = store.export(tmp_path / "out.parquet")
        csv = store.export(tmp_path / "out.csv")
        with pytest.raises(UserError, match=r"\.parquet or \.csv"):
            store.export(tmp_path / "out.xlsx")
    assert len(pd.read_parquet(parquet)) == 1
    assert "latency_p50_s" in pd.read_csv(csv).columns


def test_unknown_schema_version_is_refused_with_the_migrate_command(store_path: Path) -> None:
    with open_store(store_path):
        pass
    con = duckdb.connect(str(store_path))
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(UserError, match="accelbench migrate"), open_store(store_path, read_only=True):
        pass


def test_migrate_refuses_a_store_from_the_future(store_path: Path) -> None:
    with open_store(store_path):
        pass
    assert migrate(store_path) == (SCHEMA_VERSION, SCHEMA_VERSION)
    con = duckdb.connect(str(store_path))
    con.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(UserError, match="newer than this accelbench"):
        migrate(store_path)


def test_reading_a_missing_store_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no store at"), open_store(tmp_path / "none.duckdb", read_only=True):
        pass


def test_a_range_without_its_figure_cannot_be_stored() -> None:
    import dataclasses

    m = _measure()
    assert m.power_w is None
    with pytest.raises(ValueError, match="range"):
        dataclasses.replace(m, ranges={"power_w": [1.0, 2.0]})
