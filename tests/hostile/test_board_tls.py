"""Optional TLS between host and agent (127.0.0.1 with a throw-away self-signed certificate), and the
warning for a plain-text agent on every interface."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from accelbench.board.agent import AgentSettings
from accelbench.board.client import BoardClient, BoardError
from accelbench.board.tls import client_context, exposure_warning, server_context
from accelbench.errors import UserError
from tests.board.harness import TOKEN, RecordingProxy, in_process_agent

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test certificate")


def _certificate(directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=accelbench test agent", "-addext",
                    "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@needs_openssl
def test_a_tls_agent_serves_a_client_that_trusts_its_certificate(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path, "agent")
    with in_process_agent(tmp_path / "bundles", tls=server_context(cert, key)) as agent:
        proxy = RecordingProxy(agent.port)
        client = BoardClient(f"127.0.0.1:{proxy.port}", TOKEN, timeout_s=30, ca=cert)
        hello = client.hello()
        client.close()
        proxy.close()
    assert hello["ok"] and hello["version"] == 2
    wire = b"".join(proxy.sent)
    assert wire and b"challenge" not in wire and b'"op"' not in wire  # the protocol runs inside TLS


@needs_openssl
def test_a_tls_agent_refuses_an_untrusted_or_plain_client(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path, "agent")
    other, _ = _certificate(tmp_path, "other")
    with in_process_agent(tmp_path / "bundles", AgentSettings(handshake_deadline_s=2.0),
                          tls=server_context(cert, key)) as agent:
        with pytest.raises(BoardError, match=r"TLS with the board agent .* failed.*--board-ca"):
            BoardClient(agent.address, TOKEN, timeout_s=30, ca=other).hello()
        with pytest.raises(BoardError, match=r"closed the connection during the handshake.*--board-ca"):
            BoardClient(agent.address, TOKEN, timeout_s=30).hello()


@needs_openssl
def test_a_tls_client_against_a_plain_agent_says_so(tmp_path: Path) -> None:
    cert, _ = _certificate(tmp_path, "agent")
    with in_process_agent(tmp_path / "bundles") as agent, pytest.raises(BoardError, match="TLS"):
        BoardClient(agent.address, TOKEN, timeout_s=30, ca=cert).hello()


def test_unreadable_tls_files_are_one_line_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot load TLS certificate"):
        server_context(tmp_path / "missing.pem", tmp_path / "missing.key")
    with pytest.raises(UserError, match="cannot load the board CA file"):
        client_context(tmp_path / "missing.pem")


@pytest.mark.parametrize(("host", "tls", "warned"), [
    ("0.0.0.0", False, True), ("::", False, True), ("", False, True), ("0.0.0.0", True, False),
    ("127.0.0.1", False, False), ("192.168.2.99", False, False), ("board.local", False, False),
])
def test_binding_every_interface_without_tls_is_warned_about(host: str, tls: bool, warned: bool) -> None:
    message = exposure_warning(host, tls)
    assert (message is not None) == warned
    if message:
        assert "every interface" in message and "--tls-cert" in message
