"""Host side of the board protocol: one connection, a timeout on every call, clear errors."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import numpy as np

from accelbench.board.protocol import VERSION, Limits, ProtocolError, array_from_bytes, array_to_bytes, receive, send
from accelbench.errors import UserError


class BoardError(RuntimeError):
    """The board refused a request or the connection failed; the message says which."""


def parse_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"--board expects HOST:PORT, got {text!r}")
    return host, int(port)


def read_token(path: str | Path) -> str:
    try:
        token = Path(path).read_text().strip()
    except OSError as exc:
        raise UserError(f"cannot read board token file {path}: {exc.strerror or exc}") from None
    if not token:
        raise UserError(f"board token file {path} is empty")
    return token


class BoardClient:
    def __init__(self, address: str, token: str, timeout_s: float = 60.0, limits: Limits | None = None) -> None:
        self.address = address
        self.host, self.port = parse_address(address)
        self.token = token
        self.timeout_s = timeout_s
        self.limits = limits or Limits(max_payload_bytes=2**31)
        self._sock: socket.socket | None = None

    def _connect(self) -> socket.socket:
        if self._sock is None:
            try:
                self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
            except OSError as exc:
                raise BoardError(f"cannot reach the board agent at {self.address}: {exc}") from None
        return self._sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def call(
        self, op: str, attachments: list[bytes] | None = None, **fields: Any
    ) -> tuple[dict[str, Any], list[bytes]]:
        sock = self._connect()
        try:
            send(sock, {"op": op, "version": VERSION, "token": self.token, **fields}, attachments)
            header, payload = receive(sock, self.limits)
        except TimeoutError:
            self.close()
            raise BoardError(
                f"board agent at {self.address} did not answer {op!r} within {self.timeout_s:g} s"
            ) from None
        except (OSError, ProtocolError) as exc:
            self.close()
            raise BoardError(f"board agent at {self.address} failed during {op!r}: {exc}") from None
        if not header.get("ok"):
            if "unauthorized" in str(header.get("error")):
                self.close()
            raise BoardError(f"board agent at {self.address} refused {op!r}: {header.get('error')}")
        return header, payload

    def hello(self) -> dict[str, Any]:
        return self.call("hello")[0]

    def ensure_bundle(self, files: dict[str, bytes], digest: str) -> bool:
        """Send the bundle unless the board has it; True when it was sent."""
        if self.call("has_bundle", hash=digest)[0]["present"]:
            return False
        names = sorted(files)
        self.call("put_bundle", [files[n] for n in names], names=names)
        return True

    def load(self, digest: str) -> dict[str, Any]:
        return self.call("load", hash=digest)[0]

    def run(self, digest: str, inputs: list[np.ndarray], repeats: int = 1,
            power: bool = False) -> tuple[list[np.ndarray], dict[str, Any]]:
        header, payload = self.call("run", [array_to_bytes(x) for x in inputs], hash=digest, repeats=repeats,
                                    power=power)
        return [array_from_bytes(p, self.limits) for p in payload], header
