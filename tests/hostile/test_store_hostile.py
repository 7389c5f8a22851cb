"""Stores and output paths that are missing, unwritable, damaged or foreign: one line, exit 2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from accelbench.cli import main
from accelbench.commands.common import output_dir
from accelbench.errors import UserError
from tests.hostile.clirun import cli, one_line_error


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, (needle, err)


@pytest.fixture
def stored(fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A store holding one run of the fake backend."""
    code, _, err = _main(capsys, "run", "gemm:m=8,n=8,k=8", "--backends", "fake", "--budget-s", "0.02", "--no-power",
                         "--store", str(store_path))
    assert code == 0, err
    return store_path


# -- unusable store paths ------------------------------------------------------------------
@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux's /proc (where nothing can be created)")
def test_a_store_under_proc_is_one_line() -> None:
    one_line_error(cli("run", "gemm:m=8,n=8,k=8", "--backends", "cpu-numpy", "--no-power",
                       "--store", "/proc/nope/s.duckdb"), "/proc/nope")


def test_a_store_in_an_unwritable_directory_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a path through a file: no user (not even root) can create it
    code, _, err = _main(capsys, "run", "gemm:m=8,n=8,k=8", "--backends", "cpu-numpy", "--no-power",
                         "--store", str(blocker / "sub" / "s.duckdb"))
    _one_line(code, err, "cannot create the store's directory")


@pytest.mark.parametrize("command", [["show"], ["show", "--runs"], ["export", "x.csv"], ["migrate"]])
def test_reading_a_missing_store_is_one_line(command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _main(capsys, *command, "--store", str(tmp_path / "missing.duckdb"))
    _one_line(code, err, "no store at")


# -- damaged and foreign stores ------------------------------------------------------------
def _corrupt(path: Path, how: str) -> None:
    if how == "text":
        path.write_text("this is not a database\n")
    elif how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 100])
    else:  # header blocks overwritten
        with path.open("r+b") as handle:
            handle.seek(12288)
            handle.write(b"\xff" * 200_000)


@pytest.mark.parametrize("how", ["text", "truncated", "garbled"])
@pytest.mark.parametrize("command", [["show"], ["show", "--runs"], ["migrate"], ["export", "OUT.csv"], ["report"]])
def test_a_corrupt_store_is_one_line_for_every_reader(
    how: str, command: list[str], stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _corrupt(stored, how)
    argv = [part.replace("OUT", str(tmp_path / "out")) for part in command]
    if command == ["report"]:
        argv += ["--out", str(tmp_path / "rep")]
    code, _, err = _main(capsys, *argv, "--store", str(stored))
    _one_line(code, err, str(stored.name))


def test_a_corrupt_store_is_not_overwritten_by_a_run(stored: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _corrupt(stored, "text")
    code, _, err = _main(capsys, "run", "gemm:m=8,n=8,k=8", "--backends", "fake", "--no-power", "--store", str(stored))
    _one_line(code, err, "cannot open store")
    assert stored.read_text() == "this is not a database\n"


@pytest.mark.parametrize("command", [["show"], ["show", "--runs"], ["migrate"], ["export", "OUT.csv"],
                                     ["run", "gemm:m=8,n=8,k=8", "--backends", "fake", "--no-power"]])
def test_a_duckdb_file_that_is_not_an_accelbench_store_is_refused_and_left_alone(
    command: list[str], fake_backends: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE payroll (name VARCHAR, salary INTEGER)")
    con.close()
    argv = [part.replace("OUT", str(tmp_path / "out")) for part in command]
    code, _, err = _main(capsys, *argv, "--store", str(foreign))
    _one_line(code, err, "not an accelbench store")
    con = duckdb.connect(str(foreign), read_only=True)
    tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.close()
    assert tables == {"payroll"}, "nothing may be created in someone else's database"


def test_a_corrupt_store_from_the_shell_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_text("garbage")
    one_line_error(cli("show", "--store", str(bad)), "cannot open store")
    one_line_error(cli("migrate", "--store", str(bad)), "cannot open store")


# -- output paths ----------------------------------------------------------------------------
def test_export_to_a_directory_is_one_line(stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.csv"
    target.mkdir()
    code, _, err = _main(capsys, "export", str(target), "--store", str(stored))
    _one_line(code, err, "is a directory")


def test_export_into_an_unwritable_place_is_one_line(stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = _main(capsys, "export", str(blocker / "x.parquet"), "--store", str(stored))
    _one_line(code, err, "cannot write")


def test_report_out_naming_an_existing_file_is_one_line(stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "report.html"
    existing.write_text("mine")
    code, _, err = _main(capsys, "report", "--out", str(existing), "--store", str(stored))
    _one_line(code, err, "--out", "existing file")
    assert existing.read_text() == "mine"


def test_the_output_dir_helper_refuses_files_and_creates_directories(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(UserError, match="existing file"):
        output_dir(tmp_path / "f")
    with pytest.raises(UserError, match="cannot create"):
        output_dir(tmp_path / "f" / "sub")
    assert output_dir(tmp_path / "a" / "b").is_dir()


# -- CSV exports cannot carry spreadsheet formulas ------------------------------------------
FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_export_neutralises_cells_that_start_like_a_formula(
    formula: str, stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import dataclasses
    import uuid

    from accelbench.results.store import open_store

    with open_store(stored) as store:  # hostile names, as an ingested pytest-benchmark file may carry
        (m,) = store.measurements()
        store.append(dataclasses.replace(m, measurement_id=uuid.uuid4().hex, workload=formula, backend=formula))
    out = tmp_path / "x.csv"
    code, _, err = _main(capsys, "export", str(out), "--store", str(stored))
    assert code == 0, err
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 and rows[1]["workload"] == "'" + formula
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            if value.startswith("-"):
                float(value)  # only a negative number may start with '-'


def test_csv_export_keeps_numbers_as_numbers(stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.csv"
    assert _main(capsys, "export", str(out), "--store", str(stored))[0] == 0
    (row,) = list(csv.DictReader(out.open(newline="")))
    assert float(row["latency_p50_s"]) > 0 and row["batch"] == "1"
    assert json.loads(row["record"])["backend"] == "fake"
