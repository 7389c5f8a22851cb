"""Board agent resource limits: flat memory under abusive frames, total deadlines, a connection cap, and
limits only the agent sets. Everything on 127.0.0.1; deadlines are small so the tests stay short, and
nothing asserts a duration: a dropped connection is detected by EOF within a generous bound.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from accelbench.board.agent import AgentSettings
from accelbench.board.bundle import DesignLimits, bundle_hash, emulation_bundle
from accelbench.board.client import BoardClient, BoardError
from accelbench.board.frames import encode
from accelbench.board.protocol import Limits
from tests.board.harness import (
    MIB,
    TOKEN,
    WRONG,
    closed_by_peer,
    handshake_frame,
    in_process_agent,
    lying_header,
    open_session,
    push,
    recv_authenticated,
    rss_bytes,
    start_cli_agent,
    wait_until,
)


def _abuse(port: int, claimed: int, pushed: int) -> None:
    """One abusive connection: a frame header with the wrong token claiming ``claimed`` bytes, then payload."""
    try:
        sock, nonce = open_session(port)
    except OSError:
        return
    with sock:
        sock.sendall(lying_header(WRONG, nonce, claimed))
        push(sock, pushed)


def test_three_abusive_connections_buffer_no_payload(tmp_path: Path) -> None:
    with in_process_agent(tmp_path / "bundles", AgentSettings(max_pending_per_address=3)) as agent:
        threads = [threading.Thread(target=_abuse, args=(agent.port, 200 * MIB, 200 * MIB)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        stats = agent.finished(3)
    assert [s.closed_reason for s in stats] == ["unauthorized"] * 3
    assert all(s.payload_bytes_read == 0 and s.bytes_read < 1024 for s in stats)


@pytest.mark.skipif(rss_bytes(1) is None, reason="needs /proc to read the agent's resident memory")
def test_agent_memory_stays_flat_under_three_abusive_connections(tmp_path: Path) -> None:
    # all three from one address reach the handler (the default per-address cap, 2, would refuse one)
    proc, address = start_cli_agent(tmp_path, "--max-payload-bytes", str(256 * MIB),
                                    "--max-pending-per-address", "3")
    port = int(address.rsplit(":", 1)[1])
    errors: list[BaseException] = []

    def abuse(claimed: int, pushed: int) -> None:
        try:
            _abuse(port, claimed, pushed)
        except BaseException as error:  # an assertion in the thread would otherwise only warn
            errors.append(error)

    try:
        abuse(1024, 1024)  # warm up the handler path once
        before = rss_bytes(proc.pid)
        threads = [threading.Thread(target=abuse, args=(200 * MIB, 200 * MIB)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        after = rss_bytes(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not errors, errors
    assert before is not None and after is not None
    assert after - before < 32 * MIB, f"agent RSS grew by {(after - before) / MIB:.0f} MiB"


def test_a_slow_loris_handshake_is_dropped_at_the_deadline(tmp_path: Path) -> None:
    settings = AgentSettings(handshake_deadline_s=1.0)
    with in_process_agent(tmp_path / "bundles", settings) as agent:
        sock = socket.create_connection(("127.0.0.1", agent.port), timeout=30)
        frame = handshake_frame()
        dropped = False
        for index in range(300):  # one byte every 0.1 s: each recv is prompt, the total is not
            try:
                sock.sendall(frame[index % len(frame): index % len(frame) + 1])
            except OSError:
                dropped = True
                break
            if closed_by_peer(sock, within_s=0.1):
                dropped = True
                break
        (stats,) = agent.finished()
    assert dropped and stats.closed_reason == "handshake deadline passed"


def test_a_slow_loris_request_is_dropped_at_the_frame_deadline(tmp_path: Path) -> None:
    settings = AgentSettings(frame_deadline_s=1.0)
    with in_process_agent(tmp_path / "bundles", settings) as agent:
        sock, nonce = open_session(agent.port)
        frame = encode({"op": "put_bundle", "seq": 1, "names": ["a.json"]}, [bytes(4096)], TOKEN, nonce, "request")
        dropped = False
        for index in range(len(frame)):  # a genuine frame, one byte every 0.1 s
            try:
                sock.sendall(frame[index: index + 1])
            except OSError:
                dropped = True
                break
            if closed_by_peer(sock, within_s=0.1):
                dropped = True
                break
        (stats,) = agent.finished()
    assert dropped and stats.closed_reason == "frame deadline passed"


def test_an_expired_connection_is_closed_and_the_client_reconnects(tmp_path: Path) -> None:
    settings = AgentSettings(connection_deadline_s=0.5, idle_timeout_s=0.3)
    with in_process_agent(tmp_path / "bundles", settings) as agent:
        client = BoardClient(agent.address, TOKEN, timeout_s=30)
        for _ in range(4):
            assert client.hello()["ok"]
            time.sleep(0.6)  # past both deadlines: the agent has closed this connection
        client.close()
        stats = agent.finished(4)
    assert len(stats) >= 4 and all(s.requests >= 1 for s in stats[:4])


def test_connections_over_the_cap_are_refused_busy(tmp_path: Path) -> None:
    settings = AgentSettings(max_connections=2)
    with in_process_agent(tmp_path / "bundles", settings) as agent:
        held = [BoardClient(agent.address, TOKEN, timeout_s=30) for _ in range(2)]
        for client in held:
            client.hello()
        with pytest.raises(BoardError, match="busy: the agent already serves its maximum of 2 connections"):
            BoardClient(agent.address, TOKEN, timeout_s=30).hello()
        assert len(agent.state.connections) == 2  # the refused one got no thread and no read
        held[0].close()

        def admitted() -> bool:
            try:
                return bool(BoardClient(agent.address, TOKEN, timeout_s=30).hello()["ok"])
            except BoardError:
                return False

        assert wait_until(admitted)
        held[1].close()


def test_one_address_cannot_hold_every_slot_waiting_to_authenticate(tmp_path: Path) -> None:
    settings = AgentSettings(max_connections=4, max_pending_per_address=2)
    with in_process_agent(tmp_path / "bundles", settings) as agent:
        waiting = [open_session(agent.port)[0] for _ in range(2)]  # past the challenge, never authenticating
        third = socket.create_connection(("127.0.0.1", agent.port), timeout=30)
        third.sendall(handshake_frame())
        refusal = json.loads(third.recv(4096)[4:])
        assert refusal["ok"] is False and "2 connection(s) from 127.0.0.1 are already waiting" in refusal["error"]
        other, _ = open_session(agent.port, source="127.0.0.2")  # another peer still gets a slot
        waiting[0].close()

        def admitted() -> bool:  # an authenticated client from the first address, once one waiter left
            try:
                return bool(BoardClient(agent.address, TOKEN, timeout_s=30).hello()["ok"])
            except BoardError:
                return False

        assert wait_until(admitted)
        for sock in (waiting[1], other, third):
            sock.close()


def test_a_request_cannot_lift_the_payload_limit(tmp_path: Path) -> None:
    settings = AgentSettings(limits=Limits(max_payload_bytes=4096))
    with in_process_agent(tmp_path / "bundles", settings) as agent:
        sock, nonce = open_session(agent.port)
        frame = encode({"op": "put_bundle", "seq": 1, "names": ["a.json"], "max_payload_bytes": 2**40},
                       [bytes(8192)], TOKEN, nonce, "request")
        sock.sendall(frame[: len(frame) - 8192])  # header only: the agent refuses before the payload
        reply = recv_authenticated(sock)
        (stats,) = agent.finished()
    assert reply["ok"] is False and "exceeds the limit of 4096" in reply["error"]
    assert stats.payload_bytes_read == 0


def test_the_client_refuses_a_payload_over_the_agents_limit_before_sending(tmp_path: Path) -> None:
    settings = AgentSettings(limits=Limits(max_payload_bytes=4096))
    with in_process_agent(tmp_path / "bundles", settings) as agent:
        client = BoardClient(agent.address, TOKEN, timeout_s=30)
        with pytest.raises(BoardError, match="exceeds the limit of 4096"):
            client.call("put_bundle", [bytes(8192)], names=["a.json"])
        assert client.hello()["ok"]  # the connection is still good


def test_an_emulation_bundle_cannot_lift_build_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The design is built with the agent's limits whatever emulation.json says (the build itself is stubbed)."""
    from accelbench.backends.fpga_hls4ml import Hls4mlBackend

    built_with: list[dict[str, object]] = []

    def record(self: Hls4mlBackend, workload: object, config: dict[str, object]) -> None:
        built_with.append(dict(config))
        raise ValueError("build stubbed by the test")

    monkeypatch.setattr(Hls4mlBackend, "prepare", record)
    design = DesignLimits(build_timeout_s=300.0, build_memory_gb=7.5)
    with in_process_agent(tmp_path / "bundles", AgentSettings(design=design)) as agent:
        client = BoardClient(agent.address, TOKEN, timeout_s=60)
        files = emulation_bundle("gemm", {"m": 1, "n": 4, "k": 4}, "gemm", {
            "build_timeout_s": 1e9, "build_memory_gb": 1e6, "model_only_max_mults": 10**12, "reuse_factor": 2},
            {"output_size": 4})
        digest = bundle_hash(files)
        client.ensure_bundle(files, digest)
        with pytest.raises(BoardError, match="build stubbed"):
            client.load(digest)
    assert built_with == [{"reuse_factor": 2, "model_only_max_mults": 16_384, "build_timeout_s": 300.0,
                           "build_memory_gb": 7.5}]


@pytest.mark.parametrize(
    ("params", "config", "message"),
    [({"m": 1, "n": 64, "k": 64}, {}, "exceed this agent's limit of 1024"),
     ({"m": 1, "n": 4, "k": 4}, {"shell": "rm -rf /"}, "unknown configuration keys shell")],
)
def test_an_emulation_bundle_over_the_agents_limits_is_refused(tmp_path: Path, params: dict[str, int],
                                                               config: dict[str, str], message: str) -> None:
    design = DesignLimits(max_weight_bytes=1024)
    with in_process_agent(tmp_path / "bundles", AgentSettings(design=design)) as agent:
        client = BoardClient(agent.address, TOKEN, timeout_s=60)
        files = emulation_bundle("gemm", params, "gemm", config, {"output_size": 4})
        digest = bundle_hash(files)
        client.ensure_bundle(files, digest)
        with pytest.raises(BoardError, match=message):
            client.load(digest)


def test_run_inputs_over_the_array_limits_are_refused(tmp_path: Path) -> None:
    settings = AgentSettings(limits=Limits(max_array_elements=16))
    with in_process_agent(tmp_path / "bundles", settings) as agent:
        files = {"emulation.json": json.dumps({"kind": "gemm"}).encode(), "io.json": b"{}"}
        agent.state.devices[bundle_hash(files)] = object()  # type: ignore[assignment]  # never reached
        client = BoardClient(agent.address, TOKEN, timeout_s=30)
        with pytest.raises(BoardError, match="exceeds the limits"):
            client.run(bundle_hash(files), [np.zeros((4, 8), dtype=np.float32)])


def test_emulation_config_keeps_design_keys_and_reports_ignored_limits() -> None:
    from accelbench.board.bundle import emulation_config

    config, ignored = emulation_config({"clock_ns": 5, "build_memory_gb": 1e6}, DesignLimits())
    assert config == {"clock_ns": 5, "model_only_max_mults": 16_384, "build_timeout_s": 900.0, "build_memory_gb": 8.0}
    assert ignored == ["build_memory_gb"]


@pytest.mark.parametrize("flag", ["--max-connections", "--max-pending-per-address"])
def test_board_serve_refuses_a_cap_below_one_in_one_line(tmp_path: Path, flag: str) -> None:
    import subprocess
    import sys

    token = tmp_path / "token"
    token.write_text(TOKEN)
    token.chmod(0o600)
    proc = subprocess.run([sys.executable, "-m", "accelbench.cli", "board", "serve", "--host", "127.0.0.1", "--port",
                           "0", "--token-file", str(token), "--emulate", flag, "0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and f"{flag} must be at least 1" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
