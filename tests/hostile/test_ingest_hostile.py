"""Malformed pytest-benchmark files: one line naming the benchmark and field, exit 2, nothing stored."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from accelbench.errors import UserError
from accelbench.results.ingest import read

GOOD: dict[str, Any] = {
    "machine_info": {"node": "h", "python_version": "3.12.1", "cpu": {"brand_raw": "cpu", "count": 2}},
    "commit_info": {"id": "abc", "dirty": False, "branch": "main", "time": None},
    "datetime": "2025-06-01T12:30:00+00:00",
    "benchmarks": [{"name": "test_a", "fullname": "t.py::test_a", "group": None, "params": None, "param": None,
                    "extra_info": {}, "options": {},
                    "stats": {"min": 1e-6, "max": 3e-6, "mean": 2e-6, "stddev": 1e-7, "rounds": 3, "median": 2e-6,
                              "iqr": 1e-7, "iterations": 1, "data": [1e-6, 2e-6, 3e-6]}}],
}


def _bench(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data["benchmarks"][0].update(changes)
    return data


def _stats(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data["benchmarks"][0]["stats"].update(changes)
    return data


def _without_stat(key: str) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    del data["benchmarks"][0]["stats"][key]
    return data


def _top(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data.update(changes)
    return data


CASES = [
    ("mean-not-a-number", json.dumps(_stats(mean="abc")), "`mean`"),
    ("median-a-string", json.dumps(_stats(median="2e-6")), "`median`"),
    ("median-missing", json.dumps(_without_stat("median")), "`median`"),
    ("median-zero", json.dumps(_stats(median=0)), "`median`"),
    ("median-negative", json.dumps(_stats(median=-1.0)), "`median`"),
    ("median-nan", json.dumps(_stats(median=float("nan"))), "`median`"),
    ("min-bool", json.dumps(_stats(min=True)), "`min`"),
    ("rounds-overflow", json.dumps(GOOD).replace('"rounds": 3', '"rounds": 1e400'), "`rounds`"),
    ("rounds-huge-int", json.dumps(GOOD).replace('"rounds": 3', '"rounds": ' + "9" * 400), "`rounds`"),
    ("rounds-zero", json.dumps(_stats(rounds=0)), "`rounds`"),
    ("iterations-fraction", json.dumps(_stats(iterations=2.5)), "`iterations`"),
    ("data-not-a-list", json.dumps(_stats(data="1,2,3")), "`stats.data`"),
    ("data-with-text", json.dumps(_stats(data=[1e-6, "x"])), "`stats.data[1]`"),
    ("data-all-zero", json.dumps(_stats(data=[0.0, 0.0, 0.0])), "median of `stats.data`"),
    ("data-with-infinity", json.dumps(GOOD).replace("[1e-06, 2e-06, 3e-06]", "[1e-06, Infinity]"), "`stats.data[1]`"),
    ("stats-missing", json.dumps(_bench(stats=None)), "`stats`"),
    ("stats-a-list", json.dumps(_bench(stats=[1, 2])), "`stats`"),
    ("name-missing", json.dumps(_bench(name=None)), "`name`"),
    ("name-a-number", json.dumps(_bench(name=7)), "`name`"),
    ("fullname-a-list", json.dumps(_bench(fullname=["a"])), "`fullname`"),
    ("extra-info-a-list", json.dumps(_bench(extra_info=[1])), "`extra_info`"),
    ("params-a-string", json.dumps(_bench(params="n=1")), "`params`"),
    ("options-a-number", json.dumps(_bench(options=3)), "`options`"),
    ("items-per-call-text", json.dumps(_bench(extra_info={"items_per_call": "ten"})), "`items_per_call`"),
    ("items-per-call-zero", json.dumps(_bench(extra_info={"items_per_call": 0})), "`items_per_call`"),
    ("accelbench-record-not-an-object", json.dumps(_bench(extra_info={"accelbench_record": "x"})), "accelbench_record"),
    ("accelbench-record-garbage", json.dumps(_bench(extra_info={"accelbench_record": {"schema_version": 2}})),
     "malformed accelbench record"),
    ("accelbench-record-old-schema", json.dumps(_bench(extra_info={"accelbench_record": {"schema_version": 0}})),
     "schema_version"),
    ("benchmark-not-an-object", json.dumps(_top(benchmarks=[3])), "not an object"),
    ("benchmarks-empty", json.dumps(_top(benchmarks=[])), "no benchmarks"),
    ("benchmarks-missing", json.dumps({"machine_info": {}}), "no `benchmarks` list"),
    ("top-level-a-list", "[1, 2]", "no `benchmarks` list"),
    ("machine-info-a-list", json.dumps(_top(machine_info=[1])), "`machine_info`"),
    ("commit-info-a-string", json.dumps(_top(commit_info="abc")), "`commit_info`"),
    ("datetime-not-iso", json.dumps(_top(datetime="yesterday")), "`datetime`"),
    ("datetime-a-number", json.dumps(_top(datetime=1700000000)), "`datetime`"),
    ("not-json", "not json at all", "not a JSON file"),
    ("binary", "\udcff\x00\x01", "not a JSON file"),
    ("deeply-nested", "[" * 100_000 + "]" * 100_000, "not a JSON file"),
]


@pytest.mark.parametrize(("content", "field"), [pytest.param(c, f, id=i) for i, c, f in CASES])
def test_malformed_file_is_one_user_error_naming_the_field(tmp_path: Path, content: str, field: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(UserError) as caught:
        read(path, "run1", "2030-01-01T00:00:00+00:00")
    message = str(caught.value)
    assert field in message and "\n" not in message and len(message) < 300, message


def test_the_good_file_of_these_cases_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "good.json"
    path.write_text(json.dumps(GOOD))
    assert len(read(path, "run1", "2030-01-01T00:00:00+00:00").records) == 1


def test_a_missing_file_and_a_directory_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        read(tmp_path / "absent.json", "run1", "2030-01-01T00:00:00+00:00")
    with pytest.raises(UserError, match="is a directory"):
        read(tmp_path, "run1", "2030-01-01T00:00:00+00:00")


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "accelbench.cli", *argv], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("case", ["mean-not-a-number", "rounds-overflow", "median-missing"])
def test_cli_ingest_of_a_malformed_file_is_one_line_exit_2_and_stores_nothing(tmp_path: Path, case: str) -> None:
    content = next(c for i, c, _ in CASES if i == case)
    path = tmp_path / "bad.json"
    path.write_text(content)
    proc = _cli("ingest", str(path), "--store", str(tmp_path / "s.duckdb"))
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "s.duckdb").exists()


def test_cli_refuses_to_ingest_the_same_file_twice_naming_the_earlier_run(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(GOOD))
    store = str(tmp_path / "s.duckdb")
    first = _cli("ingest", str(path), "--store", store)
    assert first.returncode == 0, first.stderr
    run_id = first.stdout.strip()
    again = _cli("ingest", str(path), "--store", store)
    assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1
    assert run_id in again.stderr and "already ingested" in again.stderr
    runs = json.loads(_cli("show", "--runs", "--json", "--store", store).stdout)
    assert [r["run_id"] for r in runs] == [run_id]
