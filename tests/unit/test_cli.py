"""The CLI in-process with the fake backend: JSON output, exit codes, nothing written on mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelbench.cli import main
from accelbench.results.record import SCHEMA_VERSION
from accelbench.results.store import open_store


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_json_prints_only_a_json_array_of_records(
    fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "run", "gemm:m=8,n=8,k=8", "--backends", "fake", "--batch", "1,4",
                          "--store", str(store_path), "--budget-s", "0.02", "--no-power", "--json")
    assert code == 0
    records = json.loads(out)
    assert [r["batch"] for r in records] == [1, 4]
    assert all(r["valid"] and r["backend"] == "fake" and r["provenance"]["latency"] == "measured" for r in records)
    assert "[2/2]" in err  # progress goes to stderr
    with open_store(store_path, read_only=True) as store:
        assert len(store.measurements()) == 2


def test_show_last_reads_back_what_run_stored(
    fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "run", "gemm:m=8,n=8,k=8", "--backends", "fake", "--store", str(store_path), "--budget-s", "0.02", "--no-power")
    code, out, _ = _run(capsys, "show", "--last", "--store", str(store_path), "--json")
    assert code == 0 and json.loads(out)[0]["workload"] == "gemm-8x8x8-float32"
    code, out, _ = _run(capsys, "show", "--store", str(store_path))
    assert code == 0 and "gemm-8x8x8-float32" in out


def test_strict_exits_1_on_an_invalid_result(
    fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = _run(capsys, "run", "gemm:m=8,n=8,k=8", "--backends", "fake", "--config", "fake_error=1",
                      "--store", str(store_path), "--budget-s", "0.02", "--no-power", "--strict")
    assert code == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "gemm:m=0,n=1,k=1"], "parameter `m` must be >= 1"),
        (["run", "nonsense"], "unknown target 'nonsense'"),
        (["run", "smoke", "--backends", "cpu-nope"], "unknown backend 'cpu-nope'"),
        (["run", "smoke", "--batch", "1,zero"], "--batch expects"),
        (["run", "smoke", "--scenario", "nonsense"], "scenario must be one of"),
        (["run", "smoke", "--budget-s", "-3"], "--budget-s must be a finite number > 0"),
        (["run", "smoke", "--config", "novalue"], "--config expects KEY=VALUE"),
        (["run", "smoke", "--seed", "x"], "--seed expects an integer"),
        (["run", "smoke", "--seed", "-1"], "--seed must be from 0 to 4294967295"),
        (["run", "smoke", "--config", "torch_compil=1"], "did you mean torch_compile?"),
    ],
)
def test_user_mistakes_give_one_line_exit_2_and_write_nothing(
    argv: list[str], message: str, store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, *argv, "--store", str(store_path))
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert out == ""
    assert not store_path.exists()


def test_unknown_flag_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "--no-such-flag"])
    assert info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_show_without_a_store_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "show", "--store", str(tmp_path / "missing.duckdb"))
    assert code == 2 and "no store at" in err


def test_doctor_json_lists_every_design_backend_with_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "doctor", "--json")
    data = json.loads(out)
    rows = {row["name"]: row for row in data["backends"]}
    for name in ("cpu-numpy", "cpu-torch", "cpu-numba", "gpu-torch", "gpu-cupy", "gpu-numba", "fpga-hls4ml", "fpga-pynq"):
        assert name in rows
        assert set(rows[name]) == {"name", "family", "available", "reason"}
        assert rows[name]["available"] or rows[name]["reason"]
    assert rows["cpu-numpy"]["available"] is True


def test_list_json_names_suites_models_and_backends(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "list", "--json")
    data = json.loads(out)
    assert code == 0 and "smoke" in [s["name"] for s in data["suites"]]
    assert "jet_mlp" in [m["name"] for m in data["models"]] and "cpu-torch" in data["backends"]
    assert {"torch_compile", "reuse_factor"} <= set(data["config_keys"])  # what --config accepts


def test_export_and_migrate_commands(
    fake_backends: list[str], store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "run", "gemm:m=8,n=8,k=8", "--backends", "fake", "--store", str(store_path), "--budget-s", "0.02", "--no-power")
    code, _, err = _run(capsys, "export", str(tmp_path / "x.csv"), "--store", str(store_path))
    assert code == 0 and (tmp_path / "x.csv").exists()
    code, _, err = _run(capsys, "migrate", "--store", str(store_path))
    assert code == 0 and f"already at schema version {SCHEMA_VERSION}" in err
