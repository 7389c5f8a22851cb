"""Command-line conventions: ``python -m accelbench``; ``--strict`` fails when nothing could be
measured; huge batches are stored as BIGINT; ``show --runs`` says how a run ended."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from accelbench.backends.registry import register_backend, unregister_backend
from accelbench.cli import main
from accelbench.results.store import open_store
from tests.hostile.clirun import cli


@pytest.fixture
def unplugged() -> Iterator[str]:
    register_backend("fake-unplugged", "tests.hostile.hostile_fakes:UnpluggedFake")
    yield "fake-unplugged"
    unregister_backend("fake-unplugged")


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_python_dash_m_accelbench_works() -> None:
    result = cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("accelbench "), result.stderr
    bad = cli("run", "gemm:m=0,n=1,k=1")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_strict_fails_with_one_line_when_every_backend_was_unavailable(
    unplugged: str, store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _main(capsys, "run", "gemm:m=4,n=4,k=4", "--backends", unplugged, "--strict", "--no-power",
                      "--store", str(store_path))
    assert code == 1
    (line,) = [line for line in err.splitlines() if line.startswith("accelbench: error:")]
    assert "every backend was unavailable" in line and "fake device unplugged" in line


def test_without_strict_an_all_unavailable_run_is_not_an_error(
    unplugged: str, store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = _main(capsys, "run", "gemm:m=4,n=4,k=4", "--backends", unplugged, "--no-power", "--store", str(store_path))
    assert code == 0


def test_strict_passes_when_some_backend_measured(
    unplugged: str, fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _main(capsys, "run", "gemm:m=4,n=4,k=4", "--backends", f"{unplugged},fake", "--strict", "--no-power",
                      "--budget-s", "0.02", "--store", str(store_path))
    assert code in (0, 1) and "every backend was unavailable" not in err  # 1 only for a non-ok timing verdict


def test_a_batch_beyond_int32_is_stored_and_read_back(
    fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main(capsys, "run", "gemm:m=4,n=4,k=4", "--backends", "fake", "--budget-s", "0.02", "--no-power",
                 "--store", str(store_path))[0] == 0
    with open_store(store_path) as store:
        (m,) = store.measurements()
        store.append(dataclasses.replace(m, measurement_id=uuid.uuid4().hex, batch=3_000_000_000))
    with open_store(store_path, read_only=True) as store:
        assert sorted(m.batch for m in store.measurements()) == [1, 3_000_000_000]
        assert sorted(store.dataframe()["batch"]) == [1, 3_000_000_000]


def test_show_runs_says_finished_interrupted_and_abandoned(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(store_path) as store:
        store.begin_run("r-done", "test", {}, "2026-01-01T00:00:00+00:00")
        store.finish_run("r-done", "2026-01-01T00:00:01+00:00")
        store.begin_run("r-cut", "test", {}, "2026-01-01T00:00:02+00:00")
        store.finish_run("r-cut", "2026-01-01T00:00:03+00:00", "interrupted")
        store.begin_run("r-lost", "test", {}, "2026-01-01T00:00:04+00:00", {"host": "elsewhere", "pid": 4242})
        assert store.run_info("r-lost")["status"] == "abandoned"  # heartbeat stale for months
    code = main(["show", "--runs", "--store", str(store_path)])
    out = capsys.readouterr().out
    assert code == 0
    status = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.startswith("r-")}
    assert status == {"r-done": "finished", "r-cut": "interrupted", "r-lost": "abandoned"}
