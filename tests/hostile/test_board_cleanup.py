"""`board serve` leaves no temporary directories: per session, on exit (SIGTERM, SIGHUP, SIGINT), and
from a killed agent's leftovers at the next start."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from accelbench.board.bundle import bundle_hash
from accelbench.board.client import BoardClient
from accelbench.board.ops import SESSION_PREFIX
from tests.board.harness import TOKEN, in_process_agent, start_cli_agent, wait_until

FILES = {"io.json": b"{}", "emulation.json": b'{"kind": "gemm"}'}


def _sessions(bundle_dir: Path) -> list[Path]:
    return sorted(bundle_dir.glob(f"{SESSION_PREFIX}*"))


def test_a_finished_session_leaves_no_temporary_directory(tmp_path: Path) -> None:
    bundles = tmp_path / "bundles"
    with in_process_agent(bundles) as agent:
        client = BoardClient(agent.address, TOKEN, timeout_s=30)
        client.ensure_bundle(FILES, bundle_hash(FILES))
        assert len(_sessions(bundles)) == 1  # staging lives in the session's own directory ...
        client.close()
        agent.finished()
        assert _sessions(bundles) == []  # ... removed when the session ends
        assert (bundles / bundle_hash(FILES) / ".complete").exists()  # the cached bundle stays


def test_a_failed_session_leaves_no_temporary_directory(tmp_path: Path) -> None:
    bundles = tmp_path / "bundles"
    with in_process_agent(bundles) as agent:
        client = BoardClient(agent.address, TOKEN, timeout_s=30)
        client.ensure_bundle(FILES, bundle_hash(FILES))
        client._sock.sendall(b"\xff" * 64)  # type: ignore[union-attr]  # garbage mid-session
        agent.finished()
    assert _sessions(bundles) == []


def test_leftovers_of_a_killed_agent_are_removed_at_start(tmp_path: Path) -> None:
    bundles = tmp_path / "bundles"
    (bundles / f"{SESSION_PREFIX}killed" / "sub").mkdir(parents=True)
    with in_process_agent(bundles):
        assert _sessions(bundles) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_the_agents_own_directory_is_removed_on_exit(tmp_path: Path, sig: signal.Signals) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc, address = start_cli_agent(tmp_path, env={"TMPDIR": str(tmp)})
    try:
        client = BoardClient(address, TOKEN, timeout_s=30)
        client.ensure_bundle(FILES, bundle_hash(FILES))
        (own,) = list(tmp.iterdir())  # the default bundle directory, under TMPDIR
        assert (own / bundle_hash(FILES)).exists()
        proc.send_signal(sig)
        proc.wait(timeout=60)
        client.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert wait_until(lambda: not any(tmp.iterdir()), within_s=10), list(tmp.iterdir())


def test_a_given_bundle_directory_is_kept_but_its_sessions_removed(tmp_path: Path) -> None:
    bundles = tmp_path / "kept"
    proc, address = start_cli_agent(tmp_path, "--bundle-dir", str(bundles))
    try:
        client = BoardClient(address, TOKEN, timeout_s=30)
        client.ensure_bundle(FILES, bundle_hash(FILES))
        proc.terminate()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (bundles / bundle_hash(FILES) / ".complete").exists() and _sessions(bundles) == []
