"""The board agent: a small TCP server that runs ON the board (or emulated on a workstation).

Security (docs/board-protocol.md): it binds only the address it is given, optionally behind TLS;
every connection starts with a challenge (a fresh nonce) and every frame after it must carry the
HMAC of that nonce and its header under the shared token, checked before the header is parsed
and before any payload byte is read, so a client without the token costs the agent one header.
Connections are capped; every frame and every connection has a total deadline; sizes and build
limits are the agent's alone; bundle names are sanitised; nothing is unpickled. One load or run
at a time (a concurrent one is told "busy"). Each session's temporary files are removed when it
ends, and the agent's own directories when it stops.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import shutil
import socket
import socketserver
import ssl
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accelbench.board import auth
from accelbench.board.bundle import DesignLimits
from accelbench.board.device import Device, EmulatedDevice, PynqDevice
from accelbench.board.frames import (
    Closed,
    Deadline,
    DeadlineExceeded,
    Reader,
    Unauthorized,
    read_frame,
    read_plain,
    send_frame,
    send_plain,
    send_unauthenticated_error,
)
from accelbench.board.ops import SESSION_PREFIX, Session
from accelbench.board.protocol import HANDSHAKE_MAX_BYTES, PROTOCOL, UPGRADE, VERSION, Limits, ProtocolError

logger = logging.getLogger(__name__)
_REFUSAL_S = 2.0  # how long the agent spends telling a refused peer why


@dataclass(frozen=True)
class AgentSettings:
    """Everything that bounds what a client can make the agent do (seconds, counts, bytes)."""

    limits: Limits = field(default_factory=Limits)
    design: DesignLimits = field(default_factory=DesignLimits)
    max_connections: int = 8
    #: Connections one peer address may have waiting to authenticate at once: peers without the
    #: token cannot hold every slot of ``max_connections`` for the handshake deadline.
    max_pending_per_address: int = 2
    handshake_deadline_s: float = 10.0  # connect -> first authenticated frame read
    idle_timeout_s: float = 60.0  # waiting for the first byte of the next request
    frame_deadline_s: float = 120.0  # a frame, from its first byte to its last (and each reply)
    connection_deadline_s: float = 3600.0  # a whole connection (the client reconnects)

    def __post_init__(self) -> None:
        if self.max_connections < 1:
            raise ValueError("max_connections must be >= 1")
        if self.max_pending_per_address < 1:
            raise ValueError("max_pending_per_address must be >= 1")
        for name in ("handshake_deadline_s", "idle_timeout_s", "frame_deadline_s", "connection_deadline_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0")


@dataclass
class ConnectionStats:
    """What one connection cost the agent: bytes read (all, and payload) and why it ended."""

    peer: str
    reader: Reader | None = None
    authenticated: bool = False
    requests: int = 0
    closed_reason: str | None = None

    @property
    def bytes_read(self) -> int:
        return self.reader.bytes_read if self.reader else 0

    @property
    def payload_bytes_read(self) -> int:
        return self.reader.payload_bytes_read if self.reader else 0


@dataclass
class AgentState:
    token: str
    emulate: bool
    bundle_dir: Path
    settings: AgentSettings = field(default_factory=AgentSettings)
    board: str | None = None
    emulate_delay_s: float = 0.0
    owns_bundle_dir: bool = False
    device_lock: threading.Lock = field(default_factory=threading.Lock)
    devices: OrderedDict[str, Device] = field(default_factory=OrderedDict)
    connections: deque[ConnectionStats] = field(default_factory=lambda: deque(maxlen=256))

    def new_device(self) -> Device:
        if self.emulate:
            return EmulatedDevice(self.settings.design, self.emulate_delay_s)
        return PynqDevice()

    def remember(self, digest: str, device: Device) -> None:
        """Keep ``device`` loaded: a real board holds one bitstream, the emulated one the last four designs."""
        self.devices[digest] = device
        self.devices.move_to_end(digest)
        while len(self.devices) > (4 if self.emulate else 1):
            self.devices.popitem(last=False)

    def remove_leftovers(self) -> None:
        """Session directories left by an agent that was killed."""
        for path in self.bundle_dir.glob(f"{SESSION_PREFIX}*"):
            shutil.rmtree(path, ignore_errors=True)

    def cleanup(self) -> None:
        """On exit: every session directory, and the bundle directory when the agent made it."""
        self.devices.clear()
        if self.owns_bundle_dir:
            shutil.rmtree(self.bundle_dir, ignore_errors=True)
        else:
            self.remove_leftovers()


class _Handler(socketserver.BaseRequestHandler):
    server: AgentServer

    def handle(self) -> None:
        state = self.server.state
        stats = ConnectionStats(peer=str(self.client_address[0]))
        state.connections.append(stats)
        session = Session(state)
        try:
            stats.closed_reason = self._serve(session, stats)
        except DeadlineExceeded as exc:
            stats.closed_reason = str(exc)
        except Closed:
            stats.closed_reason = "closed by the client"
        except (OSError, ssl.SSLError) as exc:
            stats.closed_reason = f"connection error: {exc}"
        finally:
            if not stats.authenticated:
                self.server.authenticated_or_gone(stats.peer)
            session.close()
            logger.info("connection from %s closed: %s (%d bytes read, %d requests)", stats.peer,
                        stats.closed_reason, stats.bytes_read, stats.requests)

    def _serve(self, session: Session, stats: ConnectionStats) -> str:
        state, settings = self.server.state, self.server.state.settings
        sock: socket.socket = self.request
        connection = Deadline(settings.connection_deadline_s, "connection")
        handshake = Deadline(settings.handshake_deadline_s, "handshake").sooner(connection)
        if isinstance(sock, ssl.SSLSocket):
            sock.settimeout(max(handshake.remaining_s(), 1e-3))
            try:
                sock.do_handshake()
            except TimeoutError:
                raise DeadlineExceeded("handshake deadline passed during TLS") from None
        reader = stats.reader = Reader(sock)
        nonce = self._challenge(sock, reader, handshake)
        if nonce is None:
            return "refused at the handshake"

        def frame() -> Deadline:
            return Deadline(settings.frame_deadline_s, "frame").sooner(connection)

        expected = 1
        while True:
            idle = Deadline(settings.idle_timeout_s, "idle").sooner(connection) if stats.authenticated else handshake
            budget = frame if stats.authenticated else lambda: frame().sooner(handshake)
            try:
                header, attachments, _ = read_frame(reader, idle, budget, settings.limits, state.token, nonce,
                                                    "request")
            except Unauthorized as exc:
                with contextlib.suppress(OSError, ProtocolError):
                    send_unauthenticated_error(sock, str(exc), Deadline(_REFUSAL_S, "reply"))
                return "unauthorized"
            except (DeadlineExceeded, Closed):
                raise
            except ProtocolError as exc:  # the stream is out of step: say why and close
                with contextlib.suppress(OSError, ProtocolError):
                    send_unauthenticated_error(sock, str(exc), Deadline(_REFUSAL_S, "reply"))
                return f"protocol error: {exc}"
            if not stats.authenticated:
                stats.authenticated = True
                self.server.authenticated_or_gone(stats.peer)
            stats.requests += 1
            seq = header.get("seq")
            if seq != expected:
                message = f"replayed or out-of-order frame (seq {seq!r}, expected {expected}): connection closed"
                send_frame(sock, {"ok": False, "seq": seq, "error": message}, [], state.token, nonce, "reply", frame())
                return "replayed frame"
            expected += 1
            reply, out = self._dispatch(session, header, attachments)
            send_frame(sock, {"seq": seq, **reply}, out, state.token, nonce, "reply", frame())

    def _challenge(self, sock: socket.socket, reader: Reader, deadline: Deadline) -> bytes | None:
        """The handshake: the client names protocol and version, the agent answers with a nonce."""
        try:
            hello = read_plain(reader, deadline, HANDSHAKE_MAX_BYTES)
        except (Closed, DeadlineExceeded):
            raise
        except ProtocolError as exc:
            send_plain(sock, {"ok": False, "version": VERSION,
                              "error": f"bad handshake ({exc}); {UPGRADE.format(client='?')}"}, deadline)
            return None
        version = hello.get("version")
        if hello.get("protocol") != PROTOCOL or version != VERSION:
            newer = isinstance(version, int) and not isinstance(version, bool) and version > VERSION
            message = (f"the client speaks board protocol version {version}, this agent version {VERSION}: "
                       f"upgrade accelbench on the board" if newer else UPGRADE.format(client=version))
            send_plain(sock, {"ok": False, "error": message, "version": VERSION}, deadline)
            return None
        nonce = auth.new_nonce()
        limits = self.server.state.settings.limits
        send_plain(sock, {"ok": True, "protocol": PROTOCOL, "version": VERSION, "nonce": nonce.hex(),
                          "max_payload_bytes": limits.max_payload_bytes,
                          "max_header_bytes": limits.max_header_bytes}, deadline)
        return nonce

    def _dispatch(self, session: Session, header: dict[str, Any],
                  attachments: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        try:
            reply, out = session.dispatch(header, attachments)
        except ProtocolError as exc:
            return {"ok": False, "error": str(exc)}, []
        except Exception as exc:  # a device failure is reported to the host, the agent keeps serving
            logger.exception("request %s failed", header.get("op"))
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}, []
        return {"ok": True, **reply}, out


class AgentServer(socketserver.ThreadingTCPServer):
    """The agent's listener: at most ``settings.max_connections`` connections, TLS when given a context."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, state: AgentState, tls: ssl.SSLContext | None = None) -> None:
        self.state = state
        self.tls = tls
        self._slots = threading.BoundedSemaphore(state.settings.max_connections)
        self._pending: collections.Counter[str] = collections.Counter()  # address -> unauthenticated connections
        self._pending_lock = threading.Lock()
        state.bundle_dir.mkdir(parents=True, exist_ok=True)
        state.remove_leftovers()
        super().__init__((host, port), _Handler)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.tls is not None:  # the TLS handshake runs in the connection's thread, under its deadline
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def process_request(self, request: Any, client_address: Any) -> None:
        address, settings = str(client_address[0]), self.state.settings
        with self._pending_lock:
            if self._pending[address] >= settings.max_pending_per_address:
                self._refuse(request, client_address,
                             f"busy: {self._pending[address]} connection(s) from {address} are already waiting to "
                             f"authenticate (at most {settings.max_pending_per_address}); try again later")
                return
            self._pending[address] += 1
        if not self._slots.acquire(blocking=False):
            self.authenticated_or_gone(address)
            self._refuse(request, client_address,
                         f"busy: the agent already serves its maximum of {settings.max_connections} connections; "
                         "try again later")
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            self.authenticated_or_gone(address)
            raise

    def authenticated_or_gone(self, address: str) -> None:
        """A connection from ``address`` stopped waiting to authenticate (it did, or it ended)."""
        with self._pending_lock:
            self._pending[address] -= 1
            if self._pending[address] <= 0:
                del self._pending[address]

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse(self, request: Any, client_address: Any, message: str) -> None:
        """Over a cap: a one-frame "busy" answer (plain connections), never a thread or a read."""
        logger.warning("refused a connection from %s: %s", client_address[0], message)
        if not isinstance(request, ssl.SSLSocket):
            with contextlib.suppress(OSError, ProtocolError):
                send_plain(request, {"ok": False, "version": VERSION, "error": message}, Deadline(0.2, "reply"))
        self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        self.state.cleanup()
