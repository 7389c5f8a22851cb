"""Bad numbers and names on the command line: one line, exit 2, nothing stored, before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelbench.cli import main
from accelbench.config_keys import BACKEND_KEYS, check_config_keys, known_keys
from accelbench.errors import UserError
from accelbench.fpga.config import KEYS as FPGA_KEYS
from accelbench.kinds import make_workload
from accelbench.memory import check_fits, estimate
from tests.hostile.clirun import cli, one_line_error

SMALL = "gemm:m=8,n=8,k=8"


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def _refused(capsys: pytest.CaptureFixture[str], store: Path, *argv: str) -> str:
    code, err = _main(capsys, *argv, "--store", str(store), "--no-power")
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert not store.exists(), "a refused command must not create the store"
    return lines[0]


# -- seeds ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", ["-1", "4294967296", "99999999999999999999", "1.5", "0x10", "nan", ""])
def test_a_seed_outside_0_to_2_pow_32_minus_1_is_refused(
    seed: str, fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refused(capsys, store_path, "run", SMALL, "--backends", "fake", "--seed", seed)
    assert "--seed" in line and "4294967295" in line


@pytest.mark.parametrize("seed", ["0", "4294967295"])
def test_the_seed_range_ends_are_accepted(
    seed: str, fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _main(capsys, "run", SMALL, "--backends", "fake", "--seed", seed, "--budget-s", "0.02",
                      "--no-power", "--store", str(store_path), "--json")
    assert code == 0, err


def test_a_negative_seed_from_the_shell_is_one_line() -> None:
    one_line_error(cli("run", SMALL, "--backends", "cpu-numpy", "--seed=-1", "--store", "/nonexistent/never.duckdb"),
                   "--seed must be from 0 to 4294967295, got -1")


# -- --config keys -------------------------------------------------------------------------
def test_an_unknown_config_key_names_a_close_match_and_the_known_keys(
    fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refused(capsys, store_path, "run", SMALL, "--backends", "cpu-numpy", "--config", "torch_compil=true")
    assert "unknown --config key 'torch_compil'" in line and "did you mean torch_compile?" in line
    assert "reuse_factor" in line and "flush_l2" in line  # the known keys are listed


def test_an_unknown_config_key_without_a_close_match_still_lists_the_known_keys() -> None:
    with pytest.raises(UserError, match=r"unknown --config key 'zzzz'; known keys: .*torch_compile"):
        check_config_keys(["zzzz"])


def test_every_key_a_shipped_backend_or_the_fpga_config_reads_is_known() -> None:
    import re

    root = Path(__file__).resolve().parents[2] / "accelbench"
    read = set()
    for path in [*root.glob("backends/**/*.py"), root / "fpga" / "config.py"]:
        read |= set(re.findall(r"""config(?:\.get\(|\[)\s*["']([A-Za-z0-9_]+)["']""", path.read_text()))
    assert read, "the grep found nothing: the pattern is stale"
    assert read <= set(known_keys()), sorted(read - set(known_keys()))
    assert set(FPGA_KEYS) <= set(known_keys()) and set(BACKEND_KEYS) <= set(known_keys())


def test_a_backend_declares_its_own_keys(fake_backends: list[str]) -> None:
    check_config_keys(["fake_error"], ["fake"])
    with pytest.raises(UserError, match="fake_error"):
        check_config_keys(["fake_error"], ["cpu-numpy"])


def test_a_known_config_key_runs(fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _main(capsys, "run", SMALL, "--backends", "fake", "--config", "fake_delay_s=0", "--budget-s", "0.02",
                      "--no-power", "--store", str(store_path), "--json")
    assert code == 0, err


# -- workload tolerances (rtol) --------------------------------------------------------------
@pytest.mark.parametrize("rtol", ["nan", "-1", "0", "abc", "inf", "2", "true"])
def test_a_tolerance_that_would_switch_the_correctness_check_off_is_refused(
    rtol: str, fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refused(capsys, store_path, "run", f"{SMALL},rtol={rtol}", "--backends", "fake")
    assert "rtol" in line and "(0, 1]" in line


@pytest.mark.parametrize("kind,params", [("gemm", {"m": 2, "n": 2, "k": 2}), ("model", {"model": "jet_mlp"})])
def test_rtol_is_checked_for_every_kind(kind: str, params: dict[str, object]) -> None:
    with pytest.raises(UserError, match="rtol"):
        make_workload(kind, {**params, "rtol": float("nan")})
    assert make_workload(kind, {**params, "rtol": 0.5}).rtol() == 0.5


def test_rtol_abc_from_the_shell_is_one_line() -> None:
    one_line_error(cli("run", f"{SMALL},rtol=abc", "--backends", "cpu-numpy", "--store", "/nonexistent/n.duckdb"),
                   "rtol")


# -- sizes and memory ------------------------------------------------------------------------
@pytest.mark.parametrize("target,batch", [
    ("gemm:m=46000,n=46000,k=46000", "1"),
    ("conv2d:c=100000,h=100000,w=100000,k=8", "1"),
    (SMALL, "3000000000"),
])
def test_a_measurement_that_cannot_fit_in_memory_is_refused_before_anything_runs(
    target: str, batch: str, fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refused(capsys, store_path, "run", target, "--backends", "fake", "--batch", batch)
    assert "needs at least" in line and "available" in line and "--allow-large" in line


def test_allow_large_skips_the_memory_check(
    fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import accelbench.memory

    monkeypatch.setattr(accelbench.memory, "available_b", lambda: 1)  # nothing fits...
    code, err = _main(capsys, "run", SMALL, "--backends", "fake", "--budget-s", "0.02", "--no-power",
                      "--store", str(store_path))
    assert code == 2 and "--allow-large" in err
    code, err = _main(capsys, "run", SMALL, "--backends", "fake", "--budget-s", "0.02", "--no-power",
                      "--store", str(store_path), "--allow-large")  # ...unless the user insists
    assert code == 0, err


def test_sweep_checks_memory_too(fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = _refused(capsys, store_path, "sweep", "gemm:m=46000,n=46000,k=46000", "--backends", "fake")
    assert "needs at least" in line


def test_the_estimate_counts_inputs_weights_output_and_the_float64_reference() -> None:
    w = make_workload("gemm", {"m": 10, "n": 20, "k": 30, "dtype": "float32"})
    est = estimate(w, 2)
    assert (est.inputs_b, est.weights_b, est.output_b) == (2 * 10 * 30 * 4, 30 * 20 * 4, 2 * 10 * 20 * 4)
    assert est.reference_b == (2 * 10 * 30 + 30 * 20 + 2 * 10 * 20) * 8
    with pytest.raises(UserError, match="needs at least"):
        check_fits(w, 2, limit_b=est.total_b - 1)
    check_fits(w, 2, limit_b=est.total_b)


def test_the_estimate_does_not_overflow_on_absurd_sizes() -> None:
    w = make_workload("conv2d", {"c": 100000, "h": 100000, "w": 100000, "k": 100000})
    assert estimate(w, 3_000_000_000).total_b > 2**64  # Python integers, never a wrapped int64


# -- names -----------------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["x" * 300, "x" * 300 + ".toml", "/tmp/" + "y" * 5000 + ".toml", "a/" * 3000])
def test_a_target_name_longer_than_the_file_system_allows_is_one_line(
    target: str, store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refused(capsys, store_path, "run", target, "--backends", "cpu-numpy")
    assert len(line) < 600  # cut, not the whole name


def test_a_store_name_longer_than_the_file_system_allows_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / ("s" * 300 + ".duckdb")
    code, err = _main(capsys, "run", SMALL, "--backends", "cpu-numpy", "--no-power", "--store", str(store))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "too long" in err.lower(), err


# -- empty and infinite flag values ------------------------------------------------------------
@pytest.mark.parametrize("argv,needle", [
    (["--budget-s", "inf"], "--budget-s must be a finite number > 0"),
    (["--budget-s", "nan"], "--budget-s must be a finite number > 0"),
    (["--noise", "inf"], "--noise must be a finite number > 0"),
    (["--batch", ""], "--batch expects"),
    (["--backends", ""], "--backends needs at least one backend name"),
])
def test_an_empty_or_infinite_value_is_not_taken_as_the_default(
    argv: list[str], needle: str, fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refused(capsys, store_path, "run", SMALL, *(["--backends", "fake"] if "--backends" not in argv else []), *argv)
    assert needle in line


@pytest.mark.parametrize("sweep_id", ["", "a b", "x" * 129, "../../etc"])
def test_a_malformed_sweep_id_is_refused(
    sweep_id: str, fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "--sweep-id must be" in _refused(capsys, store_path, "sweep", SMALL, "--backends", "fake", "--sweep-id", sweep_id)


@pytest.mark.parametrize("batch", ["9223372036854775808", "99999999999999999999"])
def test_a_batch_the_store_cannot_hold_is_refused_even_with_allow_large(
    batch: str, fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refused(capsys, store_path, "run", SMALL, "--backends", "fake", "--batch", batch, "--allow-large")
    assert "--batch values must be <= 9223372036854775807" in line


def test_a_suite_batch_the_store_cannot_hold_is_refused(tmp_path: Path, store_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "huge.toml"
    suite.write_text('[[workload]]\nname = "w"\nkind = "gemm"\nm = 8\nn = 8\nk = 8\nbatches = [99999999999999999999]\n')
    line = _refused(capsys, store_path, "run", str(suite), "--backends", "cpu-numpy", "--allow-large")
    assert "batch sizes must be integers from 1 to 2**63 - 1" in line
