"""Host side of the board protocol (version 2): one connection, a deadline on every call, clear errors.

Each connection starts with the agent's challenge; every request carries the HMAC of the
connection's nonce and its header (the token never travels) and a sequence number, and every
reply is checked the same way. When the agent has closed an idle or expired connection, the
client reconnects once and repeats the request (every operation is idempotent).
"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from typing import Any

import numpy as np

from accelbench.board.frames import (
    Closed,
    Deadline,
    DeadlineExceeded,
    Reader,
    encode,
    read_frame,
    read_plain,
    send_bytes,
    send_plain,
)
from accelbench.board.protocol import PROTOCOL, VERSION, Limits, ProtocolError, array_from_bytes, array_to_bytes
from accelbench.board.token import read_token
from accelbench.errors import UserError

__all__ = ["BoardClient", "BoardError", "parse_address", "read_token"]


class BoardError(RuntimeError):
    """The board refused a request or the connection failed; the message says which."""


def parse_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"--board expects HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


class BoardClient:
    """A connection to one agent. ``ca``: the CA (or self-signed certificate) file of a TLS agent."""

    def __init__(self, address: str, token: str, timeout_s: float = 60.0, limits: Limits | None = None,
                 ca: str | Path | None = None) -> None:
        from accelbench.board.tls import client_context

        self.address = address
        self.host, self.port = parse_address(address)
        self.token = token
        self.timeout_s = timeout_s
        # replies may be large: rail power samples travel in the (authenticated) header
        self.limits = limits or Limits(max_header_bytes=16 * 2**20, max_payload_bytes=2**31)
        self.tls = client_context(ca) if ca else None
        self._sock: socket.socket | None = None
        self._nonce = b""
        self._seq = 0
        self._agent_max_payload: int | None = None

    def _connect(self) -> socket.socket:
        if self._sock is not None:
            return self._sock
        deadline = Deadline(self.timeout_s, "connect")
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        except OSError as exc:
            raise BoardError(f"cannot reach the board agent at {self.address}: {exc}") from None
        try:
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_hostname=self.host)
            send_plain(sock, {"protocol": PROTOCOL, "version": VERSION, "op": "challenge"}, deadline)
            reply = read_plain(Reader(sock), deadline, 64 * 1024)
        except ssl.SSLError as exc:
            sock.close()
            hint = ("check --board-ca and the agent's --tls-cert" if self.tls else
                    "the agent may not use TLS" if "WRONG_VERSION" in str(exc).upper() else "")
            raise BoardError(f"TLS with the board agent at {self.address} failed: {exc} ({hint})") from None
        except Closed:
            sock.close()
            hint = "" if self.tls else " (an agent started with --tls-cert needs --board-ca on this side)"
            raise BoardError(f"the board agent at {self.address} closed the connection during the "
                             f"handshake{hint}") from None
        except (OSError, ProtocolError) as exc:
            sock.close()
            raise BoardError(f"handshake with the board agent at {self.address} failed: {exc}") from None
        if "version" not in reply:
            sock.close()
            raise BoardError(f"the board agent at {self.address} speaks an older board protocol (version 1): "
                             f"upgrade accelbench on the board to the host's version")
        if not reply.get("ok") or not isinstance(reply.get("nonce"), str):
            sock.close()
            raise BoardError(f"board agent at {self.address} refused the connection: {reply.get('error')}")
        try:
            self._nonce = bytes.fromhex(reply["nonce"])
        except ValueError:
            sock.close()
            raise BoardError(f"board agent at {self.address} sent a malformed challenge") from None
        self._seq = 0
        self._agent_max_payload = reply.get("max_payload_bytes")
        self._sock = sock
        return sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def call(
        self, op: str, attachments: list[bytes] | None = None, **fields: Any
    ) -> tuple[dict[str, Any], list[bytes]]:
        attachments = attachments or []
        for attempt in range(2):
            reused = self._sock is not None
            sock = self._connect()
            size = sum(len(a) for a in attachments)
            if self._agent_max_payload is not None and size > self._agent_max_payload:
                raise BoardError(f"board agent at {self.address} refused {op!r}: payload of {size} bytes "
                                 f"exceeds the limit of {self._agent_max_payload}")
            self._seq += 1
            frame = encode({"op": op, "seq": self._seq, **fields}, attachments, self.token, self._nonce, "request")
            reader = Reader(sock)
            deadline = Deadline(self.timeout_s, f"{op!r} call")
            try:
                try:
                    send_bytes(sock, frame, deadline)
                except OSError:
                    if not self._refusal_waiting(sock):
                        raise
                header, payload, verified = read_frame(reader, deadline, deadline.itself, self.limits, self.token,
                                                       self._nonce, "reply", accept_unverified_errors=True)
            except DeadlineExceeded:
                self.close()
                raise BoardError(
                    f"board agent at {self.address} did not answer {op!r} within {self.timeout_s:g} s"
                ) from None
            except (Closed, OSError) as exc:
                self.close()
                if reused and attempt == 0 and reader.bytes_read == 0:
                    continue  # the agent ended an idle or expired connection: reconnect once
                raise BoardError(f"board agent at {self.address} failed during {op!r}: {exc}") from None
            except ProtocolError as exc:
                self.close()
                raise BoardError(f"board agent at {self.address} failed during {op!r}: {exc}") from None
            return self._checked(op, header, payload, verified)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _refusal_waiting(sock: socket.socket) -> bool:
        """After a failed send: has the agent already answered (it refuses a frame before reading its payload)?"""
        try:
            sock.settimeout(0.5)
            return bool(sock.recv(1, socket.MSG_PEEK))
        except OSError:
            return False

    def _checked(self, op: str, header: dict[str, Any], payload: list[bytes],
                 verified: bool) -> tuple[dict[str, Any], list[bytes]]:
        if not verified:  # an unauthenticated error reply: the agent closes after it
            self.close()
            raise BoardError(f"board agent at {self.address} refused {op!r}: {header.get('error')}")
        if header.get("seq") != self._seq:
            self.close()
            raise BoardError(f"board agent at {self.address} answered {op!r} out of order")
        if not header.get("ok"):
            error = str(header.get("error"))
            if "connection closed" in error:
                self.close()
            raise BoardError(f"board agent at {self.address} refused {op!r}: {error}")
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
