"""Board agent authentication: no payload before the token is proven, no replay, v1 clients told to upgrade.

The agent is in-process on 127.0.0.1; its per-connection statistics count the bytes it read.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from accelbench.board.bundle import bundle_hash
from accelbench.board.client import BoardClient, BoardError
from tests.board.harness import (
    MIB,
    TOKEN,
    WRONG,
    RecordingProxy,
    closed_by_peer,
    handshake_frame,
    in_process_agent,
    lying_header,
    open_session,
    plain_frame,
    push,
    recv_authenticated,
    recv_plain,
    split_frames,
    wait_until,
)

FILES = {"io.json": b"{}", "emulation.json": b'{"kind": "gemm"}'}


def test_wrong_token_costs_the_agent_one_header_and_no_payload(tmp_path: Path) -> None:
    with in_process_agent(tmp_path / "bundles") as agent:
        sock, nonce = open_session(agent.port)
        header = lying_header(WRONG, nonce, claimed_bytes=200 * MIB)
        sock.sendall(header)
        push(sock, 8 * MIB)  # the payload it claims, until the agent hangs up
        assert closed_by_peer(sock, within_s=30)
        (stats,) = agent.finished()
    assert stats.closed_reason == "unauthorized" and not stats.authenticated
    assert stats.payload_bytes_read == 0
    assert stats.bytes_read == len(handshake_frame()) + len(header)  # not one byte past the frame header


def test_wrong_token_through_the_client_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with in_process_agent(tmp_path / "bundles") as agent:
        client = BoardClient(agent.address, WRONG, timeout_s=30)
        with pytest.raises(BoardError, match="unauthorized: wrong token"):
            client.call("put_bundle", [bytes(4 * MIB)], names=["big.json"])
        (stats,) = agent.finished()
    assert stats.payload_bytes_read == 0 and stats.bytes_read < 4096
    assert not any((tmp_path / "bundles").iterdir())


def test_the_token_never_travels(tmp_path: Path) -> None:
    with in_process_agent(tmp_path / "bundles") as agent:
        proxy = RecordingProxy(agent.port)
        client = BoardClient(f"127.0.0.1:{proxy.port}", TOKEN, timeout_s=30)
        client.ensure_bundle(FILES, bundle_hash(FILES))
        client.close()
        proxy.close()
    wire = b"".join(proxy.sent)
    assert wire and TOKEN.encode() not in wire and bytes.fromhex(TOKEN) not in wire


def _captured_put_bundle(agent_port: int, bundle_dir: Path) -> tuple[RecordingProxy, BoardClient, bytes]:
    proxy = RecordingProxy(agent_port)
    client = BoardClient(f"127.0.0.1:{proxy.port}", TOKEN, timeout_s=30)
    client.call("put_bundle", [FILES[n] for n in sorted(FILES)], names=sorted(FILES))
    assert wait_until(lambda: len(split_frames(bytes(proxy.sent[0]))) == 2)
    put = split_frames(bytes(proxy.sent[0]))[1]
    shutil.rmtree(bundle_dir / bundle_hash(FILES))  # so a replay that worked would show
    return proxy, client, put


def test_a_frame_replayed_on_a_new_connection_is_refused_and_not_executed(tmp_path: Path) -> None:
    bundles = tmp_path / "bundles"
    with in_process_agent(bundles) as agent:
        proxy, client, put = _captured_put_bundle(agent.port, bundles)
        sock = socket.create_connection(("127.0.0.1", agent.port), timeout=30)
        sock.sendall(handshake_frame())
        assert recv_plain(sock)["ok"]  # a fresh nonce ...
        sock.sendall(put)  # ... so the captured MAC does not verify
        reply = recv_authenticated(sock)
        assert reply["ok"] is False and "unauthorized" in reply["error"]
        assert closed_by_peer(sock, within_s=30)
        client.close()
        proxy.close()
        stats = agent.finished(2)
    assert not (bundles / bundle_hash(FILES)).exists()
    replayed = [s for s in stats if s.closed_reason == "unauthorized"]
    assert len(replayed) == 1 and replayed[0].payload_bytes_read == 0


def test_a_frame_replayed_on_its_own_connection_is_refused_and_not_executed(tmp_path: Path) -> None:
    bundles = tmp_path / "bundles"
    with in_process_agent(bundles) as agent:
        proxy, client, put = _captured_put_bundle(agent.port, bundles)
        proxy.upstreams[0].sendall(put)  # the man in the middle sends it again, same connection, same nonce
        (stats,) = agent.finished()
        client.close()
        proxy.close()
    assert stats.closed_reason == "replayed frame" and stats.requests == 2
    assert not (bundles / bundle_hash(FILES)).exists()


@pytest.mark.parametrize("sizes", [[], [200 * MIB]])
def test_a_version_1_client_is_told_to_upgrade(tmp_path: Path, sizes: list[int]) -> None:
    with in_process_agent(tmp_path / "bundles") as agent:
        sock = socket.create_connection(("127.0.0.1", agent.port), timeout=30)
        v1 = plain_frame({"op": "hello", "version": 1, "token": TOKEN, "sizes": sizes})
        sock.sendall(v1)
        reply = recv_plain(sock)
        assert closed_by_peer(sock, within_s=30)
        (stats,) = agent.finished()
    assert reply["ok"] is False and "version 1" in reply["error"] and "upgrade accelbench" in reply["error"]
    assert stats.bytes_read == len(v1)  # never the attachments a v1 header announces


def test_a_version_1_agent_is_reported_as_needing_an_upgrade(tmp_path: Path) -> None:
    """What a v1 agent answers to the v2 handshake (an error without a version) reads as 'upgrade the board'."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def v1_agent() -> None:
        conn, _ = listener.accept()
        with conn:
            length = int.from_bytes(conn.recv(4), "big")
            conn.recv(length)
            body = json.dumps({"ok": False, "error": "unauthorized: wrong token", "sizes": []}).encode()
            conn.sendall(len(body).to_bytes(4, "big") + body)

    import threading

    threading.Thread(target=v1_agent, daemon=True).start()
    with pytest.raises(BoardError, match=r"older board protocol \(version 1\): upgrade accelbench on the board"):
        BoardClient(f"127.0.0.1:{port}", TOKEN, timeout_s=30).hello()
    listener.close()


def test_a_good_client_still_works_after_hostile_connections(tmp_path: Path) -> None:
    with in_process_agent(tmp_path / "bundles") as agent:
        sock, nonce = open_session(agent.port)
        sock.sendall(lying_header(WRONG, nonce, claimed_bytes=200 * MIB))
        assert closed_by_peer(sock, within_s=30)
        hello = BoardClient(agent.address, TOKEN, timeout_s=30).hello()
    assert hello["ok"] and hello["version"] == 2
