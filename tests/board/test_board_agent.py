"""The board path on 127.0.0.1 against the emulated board: happy path and every fault the issue names."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from accelbench.backends.fpga_pynq import BOARD_ENV, TOKEN_ENV, PynqBackend
from accelbench.board.bundle import bundle_hash, emulation_bundle
from accelbench.board.client import BoardClient, BoardError
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner
from accelbench.results.store import open_store
from tests.board.harness import TOKEN, WRONG, start_cli_agent, write_private

MLP = make_workload("model", {"model": "mlp"})


def start_agent(tmp: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    return start_cli_agent(tmp, "--bundle-dir", str(tmp / "bundles"), *extra)


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("agent")
    proc, address = start_agent(tmp, "--max-payload-bytes", "200000")
    yield address, tmp / "token"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def board_env(agent: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> str:
    address, token = agent
    monkeypatch.setenv(BOARD_ENV, address)
    monkeypatch.setenv(TOKEN_ENV, str(token))
    return address


def _bundle() -> tuple[dict[str, bytes], str]:
    files = emulation_bundle(MLP.kind, MLP.params, MLP.name, {}, {"output_size": 10})
    return files, bundle_hash(files)


def test_happy_path_gives_a_valid_record_with_honest_provenance(board_env: str) -> None:
    m = Runner(RunPolicy(budget_s=0.05), "b").measure(PynqBackend(), MLP, 3)
    assert m.status == "ok", m.invalid_reason
    assert m.provenance["error"] == "simulated" and m.provenance["latency"] == "modeled"
    assert m.fpga is not None and m.fpga["emulated"] is True and m.fpga["load_time_s"] > 0
    again = Runner(RunPolicy(budget_s=0.05), "b").measure(PynqBackend(), MLP, 3)
    assert any("already on the board" in note for note in again.notes)  # cached by hash


def test_wrong_token_is_refused(agent: tuple[str, Path]) -> None:
    with pytest.raises(BoardError, match="unauthorized: wrong token"):
        BoardClient(agent[0], WRONG, timeout_s=10).hello()


def test_wrong_token_on_the_cli_is_one_line_exit_2(agent: tuple[str, Path], tmp_path: Path) -> None:
    bad = write_private(tmp_path / "bad", WRONG)
    proc = subprocess.run([sys.executable, "-m", "accelbench.cli", "run", "mlp", "--backends", "fpga-pynq",
                           "--board", agent[0], "--board-token-file", str(bad), "--store", str(tmp_path / "s.duckdb")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "wrong token" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s.duckdb").exists()


def test_oversized_payload_is_refused(agent: tuple[str, Path]) -> None:
    client = BoardClient(agent[0], TOKEN, timeout_s=30)
    files, digest = _bundle()
    client.ensure_bundle(files, digest)
    client.load(digest)
    with pytest.raises(BoardError, match="exceeds the limit of 200000"):
        client.run(digest, [np.zeros((4000, 32), dtype=np.float32)])


@pytest.mark.parametrize(
    ("names", "message"),
    [(["../../evil.bit"], "not allowed"), (["/etc/passwd.json"], "not allowed"), (["x.sh"], "not allowed")],
)
def test_bundle_names_are_sanitised(agent: tuple[str, Path], names: list[str], message: str) -> None:
    client = BoardClient(agent[0], TOKEN, timeout_s=10)
    with pytest.raises(BoardError, match=message):
        client.call("put_bundle", [b"x"] * len(names), names=names)
    assert not (agent[1].parent / "evil.bit").exists()


def test_malformed_bundle_is_refused_on_load(agent: tuple[str, Path]) -> None:
    client = BoardClient(agent[0], TOKEN, timeout_s=30)
    files = {"emulation.json": b"{not json", "io.json": b"{}"}
    digest = bundle_hash(files)
    client.ensure_bundle(files, digest)
    with pytest.raises(BoardError, match="malformed emulation bundle"):
        client.load(digest)


def test_a_timeout_is_a_clear_error(tmp_path: Path) -> None:
    proc, address = start_agent(tmp_path, "--emulate-delay-s", "3")
    try:
        client = BoardClient(address, TOKEN, timeout_s=60)
        files, digest = _bundle()
        client.ensure_bundle(files, digest)
        client.load(digest)
        client.timeout_s = 0.5
        client.close()
        with pytest.raises(BoardError, match=r"did not answer 'run' within 0\.5 s"):
            client.run(digest, [np.zeros((1, 32), dtype=np.float32)])
        # a busy board answers "busy" instead of interleaving runs
        first = BoardClient(address, TOKEN, timeout_s=30)
        second = BoardClient(address, TOKEN, timeout_s=30)
        worker = threading.Thread(target=lambda: first.run(digest, [np.zeros((1, 32), dtype=np.float32)]))
        time.sleep(3.5)  # let the timed-out run finish
        worker.start()
        time.sleep(0.5)
        with pytest.raises(BoardError, match="busy"):
            second.run(digest, [np.zeros((1, 32), dtype=np.float32)])
        worker.join()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_agent_killed_mid_run_is_an_error_and_stored_results_stay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc, address = start_agent(tmp_path, "--emulate-delay-s", "2")
    monkeypatch.setenv(BOARD_ENV, address)
    monkeypatch.setenv(TOKEN_ENV, str(tmp_path / "token"))
    backend = PynqBackend()
    with open_store(tmp_path / "s.duckdb") as store:
        store.begin_run("r", "test", {}, "t")
        store.append(Runner(RunPolicy(budget_s=0.01, min_samples=1), "r").measure(
            PynqBackend(), make_workload("gemm", {"m": 1, "n": 4, "k": 4}), 1))
        killer = threading.Timer(1.0, lambda: proc.send_signal(signal.SIGKILL))
        killer.start()
        m = Runner(RunPolicy(budget_s=0.01, min_samples=1), "r").measure(backend, MLP, 1)
        killer.join()
        store.append(m)
        assert m.status == "error" and "board agent" in m.invalid_reason
        first = store.measurements("r")[0]
        assert first.status == "ok", first.invalid_reason  # what was stored before stays


def test_agent_refuses_to_start_without_a_host(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "accelbench.cli", "board", "serve", "--port", "0",
                           "--token-file", str(tmp_path / "t")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--host" in proc.stderr


@pytest.mark.board
def test_real_board_runs_jet_mlp(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    board, token = request.config.getoption("--board"), request.config.getoption("--board-token-file")
    if not board or not token:
        pytest.skip("no board given: pass --board HOST:PORT --board-token-file F to run board tests")
    monkeypatch.setenv(BOARD_ENV, board)  # pragma: no cover - needs a board
    monkeypatch.setenv(TOKEN_ENV, token)
    m = Runner(RunPolicy(budget_s=0.5), "board").measure(PynqBackend(), make_workload("model", {"model": "jet_mlp"}), 1)
    assert m.status == "ok" and m.provenance["latency"] == "measured", m.invalid_reason
