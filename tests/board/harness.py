"""Test helpers for the board agent: an in-process agent on 127.0.0.1, raw protocol frames, a recording proxy.

Everything binds 127.0.0.1 only. The in-process agent exposes its per-connection statistics
(bytes read, payload bytes read, why it closed), which is how tests show what a hostile peer
cost the agent without timing anything.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from accelbench.board.agent import AgentServer, AgentSettings, AgentState, ConnectionStats
from accelbench.board.auth import sign
from accelbench.board.protocol import PROTOCOL, VERSION

TOKEN = "3f1c9a7e5b2d4c6a8e0f1b3d5c7a9e2f4b6d8a0c2e4f6a8b1d3f5e7c9a0b2d4e"  # 256 bits, hex
WRONG = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d"
LENGTH = struct.Struct("!I")
MIB = 2**20


def write_private(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


class InProcessAgent:
    """An :class:`AgentServer` serving from a thread; ``address`` is ``127.0.0.1:PORT``."""

    def __init__(self, bundle_dir: Path, settings: AgentSettings | None = None,
                 tls: ssl.SSLContext | None = None, token: str = TOKEN) -> None:
        self.state = AgentState(token=token, emulate=True, bundle_dir=bundle_dir, settings=settings or AgentSettings())
        self.server = AgentServer("127.0.0.1", 0, self.state, tls)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)

    def finished(self, count: int = 1, within_s: float = 30.0) -> list[ConnectionStats]:
        """The statistics of the first ``count`` connections once each has closed (polls; no timing asserted)."""
        end = time.monotonic() + within_s
        while time.monotonic() < end:
            done = [c for c in list(self.state.connections) if c.closed_reason is not None]
            if len(done) >= count:
                return done
            time.sleep(0.02)
        raise AssertionError(f"connections did not close: {list(self.state.connections)}")


@contextmanager
def in_process_agent(bundle_dir: Path, settings: AgentSettings | None = None,
                     tls: ssl.SSLContext | None = None) -> Iterator[InProcessAgent]:
    agent = InProcessAgent(bundle_dir, settings, tls)
    try:
        yield agent
    finally:
        agent.close()


def plain_frame(header: dict[str, Any]) -> bytes:
    body = json.dumps(header).encode()
    return LENGTH.pack(len(body)) + body


def handshake_frame() -> bytes:
    return plain_frame({"protocol": PROTOCOL, "version": VERSION, "op": "challenge"})


def recv_plain(sock: socket.socket) -> dict[str, Any]:
    (length,) = LENGTH.unpack(recv_exact(sock, 4))
    reply: dict[str, Any] = json.loads(recv_exact(sock, length))
    return reply


def recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def recv_authenticated(sock: socket.socket) -> dict[str, Any]:
    """The header of an authenticated frame (MAC not checked) and its attachments skipped."""
    (length,) = LENGTH.unpack(recv_exact(sock, 4))
    recv_exact(sock, 32)
    header: dict[str, Any] = json.loads(recv_exact(sock, length))
    for size in header.get("sizes", []):
        recv_exact(sock, size)
    return header


def open_session(port: int, source: str = "127.0.0.1") -> tuple[socket.socket, bytes]:
    """A raw connection past the handshake, not authenticated: (socket, nonce). ``source`` is the
    peer address the agent sees (any 127.0.0.0/8 address on Linux)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0))
    sock.sendall(handshake_frame())
    reply = recv_plain(sock)
    assert reply["ok"], reply
    return sock, bytes.fromhex(reply["nonce"])


def lying_header(token: str, nonce: bytes, claimed_bytes: int, seq: int = 1) -> bytes:
    """The length, MAC and header of a put_bundle frame claiming ``claimed_bytes`` of payload (none follows)."""
    raw = json.dumps({"op": "put_bundle", "seq": seq, "names": ["x.json"], "sizes": [claimed_bytes],
                      "digests": ["0" * 64]}).encode()
    return LENGTH.pack(len(raw)) + sign(token, nonce, "request", raw) + raw


def push(sock: socket.socket, total: int) -> int:
    """Send up to ``total`` zero bytes, stopping when the agent closes; returns the bytes sent."""
    block, sent = bytes(MIB), 0
    try:
        while sent < total:
            sock.sendall(block)
            sent += len(block)
    except OSError:
        pass
    return sent


def closed_by_peer(sock: socket.socket, within_s: float) -> bool:
    """True when the peer closes ``sock`` (EOF or reset) within ``within_s`` seconds; data read is discarded."""
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        sock.settimeout(max(end - time.monotonic(), 0.01))
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            return False
        except OSError:
            return True
    return False


def split_frames(data: bytes) -> list[bytes]:
    """Client-to-agent bytes cut into frames: the plain handshake, then authenticated frames."""
    (length,) = LENGTH.unpack(data[:4])
    frames, at = [data[: 4 + length]], 4 + length
    while at < len(data):
        (length,) = LENGTH.unpack(data[at: at + 4])
        header = json.loads(data[at + 36: at + 36 + length])
        end = at + 36 + length + sum(header["sizes"])
        frames.append(data[at:end])
        at = end
    return frames


class RecordingProxy:
    """A man in the middle on 127.0.0.1: forwards one connection at a time and records what the client sent."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.sent: list[bytearray] = []
        self.upstreams: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            record = bytearray()
            self.sent.append(record)
            self.upstreams.append(upstream)
            threading.Thread(target=self._pipe, args=(client, upstream, record), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, None), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket, record: bytearray | None) -> None:
        try:
            while data := source.recv(65536):
                if record is not None:
                    record.extend(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()


def start_cli_agent(tmp: Path, *extra: str, env: dict[str, str] | None = None,
                    token: str = TOKEN) -> tuple[subprocess.Popen[str], str]:
    """``accelbench board serve --emulate`` in a subprocess on 127.0.0.1; (process, address)."""
    token_file = write_private(tmp / "token", token)
    environment = {**os.environ, "ACCELBENCH_CACHE_DIR": str(tmp / "cache"), **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "accelbench.cli", "board", "serve", "--host", "127.0.0.1", "--port", "0",
         "--token-file", str(token_file), "--emulate", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # not ignored even from a background job
    )
    assert proc.stdout is not None and proc.stderr is not None
    address = proc.stdout.readline().strip()
    assert address.startswith("127.0.0.1:"), proc.stderr.read() if proc.poll() is not None else address
    return proc, address


def rss_bytes(pid: int) -> int | None:
    """Resident set size of process ``pid`` (Linux /proc), None elsewhere."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def wait_until(predicate: Callable[[], bool], within_s: float = 30.0) -> bool:
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
