"""The board agent: a small TCP server that runs ON the board (or emulated on a workstation).

Security: it binds only the address it is given; every request must carry the shared token
(constant-time comparison); headers, payloads and arrays are size-limited; bundle file names are
sanitised; every connection has a timeout; one run at a time (a second concurrent run is told
"busy"). Nothing is unpickled: arrays travel as .npy without pickle.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import shutil
import socketserver
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accelbench.board.bundle import bundle_hash
from accelbench.board.device import Device, EmulatedDevice, PynqDevice
from accelbench.board.protocol import VERSION, Limits, ProtocolError, array_from_bytes, array_to_bytes, check_name
from accelbench.board.protocol import receive as receive_frame
from accelbench.board.protocol import send as send_frame

logger = logging.getLogger(__name__)


@dataclass
class AgentState:
    token: str
    emulate: bool
    bundle_dir: Path
    limits: Limits
    timeout_s: float = 30.0
    emulate_delay_s: float = 0.0
    run_lock: threading.Lock = field(default_factory=threading.Lock)
    devices: dict[str, Device] = field(default_factory=dict)

    def device(self) -> Device:
        return EmulatedDevice(self.emulate_delay_s) if self.emulate else PynqDevice()


class _Handler(socketserver.BaseRequestHandler):
    server: AgentServer

    def handle(self) -> None:
        state = self.server.state
        self.request.settimeout(state.timeout_s)
        while True:
            try:
                header, attachments = receive_frame(self.request, state.limits)
            except ProtocolError as exc:
                if "closed" not in str(exc):
                    self._error(str(exc))
                return
            except OSError:
                return
            if not hmac.compare_digest(str(header.get("token", "")).encode(), state.token.encode()):
                self._error("unauthorized: wrong token")
                return
            if header.get("version") != VERSION:
                self._error(f"protocol version {header.get('version')!r} is not {VERSION}")
                return
            try:
                reply, out = self._dispatch(header, attachments)
            except ProtocolError as exc:
                self._error(str(exc))
                continue
            except Exception as exc:  # a device failure is reported to the host, the agent keeps serving
                logger.exception("request %s failed", header.get("op"))
                self._error(f"{type(exc).__name__}: {exc}")
                continue
            send_frame(self.request, {"ok": True, **reply}, out)

    def _error(self, message: str) -> None:
        with contextlib.suppress(OSError):
            send_frame(self.request, {"ok": False, "error": message})

    def _dispatch(self, header: dict[str, Any], attachments: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        state = self.server.state
        op = header.get("op")
        if op == "hello":
            return {"version": VERSION, "emulated": state.emulate}, []
        if op == "has_bundle":
            return {"present": (state.bundle_dir / _hash(header) / ".complete").exists()}, []
        if op == "put_bundle":
            names = header.get("names")
            if not isinstance(names, list) or len(names) != len(attachments) or not names:
                raise ProtocolError("put_bundle needs one file name per attachment")
            files = {check_name(str(n)): data for n, data in zip(names, attachments, strict=True)}
            digest = bundle_hash(files)
            target = state.bundle_dir / digest
            if not (target / ".complete").exists():
                staging = Path(tempfile.mkdtemp(dir=state.bundle_dir))
                for name, data in files.items():
                    (staging / name).write_bytes(data)
                (staging / ".complete").touch()
                shutil.rmtree(target, ignore_errors=True)
                staging.rename(target)
            return {"hash": digest}, []
        if op == "load":
            digest = _hash(header)
            directory = state.bundle_dir / digest
            if not (directory / ".complete").exists():
                raise ProtocolError(f"no bundle {digest} on this board: send it first")
            device = state.device()
            try:
                info = device.load(directory)
            except ValueError as exc:
                raise ProtocolError(str(exc)) from None
            state.devices[digest] = device
            return info, []
        if op == "run":
            digest = _hash(header)
            loaded = state.devices.get(digest)
            if loaded is None:
                raise ProtocolError(f"bundle {digest} is not loaded")
            repeats = header.get("repeats", 1)
            if not isinstance(repeats, int) or not 1 <= repeats <= 100_000:
                raise ProtocolError("`repeats` must be an integer in 1..100000")
            inputs = [array_from_bytes(a, state.limits) for a in attachments]
            if not state.run_lock.acquire(blocking=False):
                raise ProtocolError("busy: another run is in progress on this board")
            try:
                result = loaded.run(inputs, repeats, bool(header.get("power")))
            finally:
                state.run_lock.release()
            outputs = [array_to_bytes(o) for o in result.pop("outputs")]
            return result, outputs
        raise ProtocolError(f"unknown op {op!r}")


def _hash(header: dict[str, Any]) -> str:
    digest = str(header.get("hash", ""))
    if not digest.isalnum() or len(digest) != 32:
        raise ProtocolError("`hash` must be a 32-character bundle hash")
    return digest


class AgentServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, state: AgentState) -> None:
        self.state = state
        super().__init__((host, port), _Handler)
