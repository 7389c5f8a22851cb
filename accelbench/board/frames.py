"""Board protocol framing: total deadlines, counted reads, plain and authenticated frames.

A plain frame (the handshake only) is ``!I`` length + UTF-8 JSON header. An authenticated frame is
``!I`` length + 32-byte MAC + header + attachments, the attachments' sizes and SHA-256 listed in
the header. The reader checks the MAC over the raw header bytes before parsing it and before
reading one byte of payload. Every read runs against a :class:`Deadline` (a total time budget),
never a per-``recv`` timeout that a slow sender could renew forever.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accelbench.board import auth
from accelbench.board.protocol import Limits, ProtocolError

_LENGTH = struct.Struct("!I")
_CHUNK = 1 << 20
_NO_MAC = bytes(auth.MAC_BYTES)


class DeadlineExceeded(ProtocolError):
    """A frame or a connection ran out of its total time budget."""


class Unauthorized(ProtocolError):
    """A frame's MAC did not verify (wrong token, other connection, tampering)."""


class Closed(ProtocolError):
    """The peer closed the connection."""


class Deadline:
    """A point in time (``time.monotonic``) that reads must finish by; ``what`` names it in errors."""

    def __init__(self, seconds: float, what: str) -> None:
        self.at = time.monotonic() + seconds
        self.what = what

    def remaining_s(self) -> float:
        return self.at - time.monotonic()

    def itself(self) -> Deadline:
        """This deadline (for a frame that shares its caller's budget)."""
        return self

    def sooner(self, other: Deadline) -> Deadline:
        return self if self.at <= other.at else other


@dataclass
class Reader:
    """Reads from a socket against deadlines, counting every byte it takes (``bytes_read``)."""

    sock: socket.socket
    bytes_read: int = 0
    payload_bytes_read: int = 0

    def read_exact(self, n: int, deadline: Deadline) -> bytes:
        chunks, got = [], 0
        while got < n:
            remaining = deadline.remaining_s()
            if remaining <= 0:
                raise DeadlineExceeded(f"{deadline.what} deadline passed")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(min(n - got, _CHUNK))
            except TimeoutError:
                raise DeadlineExceeded(f"{deadline.what} deadline passed") from None
            if not chunk:
                raise Closed("connection closed" if got == 0 and n == 1 else "connection closed mid-message")
            chunks.append(chunk)
            got += len(chunk)
            self.bytes_read += len(chunk)
        return b"".join(chunks)

    def read_length(self, first_byte: Deadline, rest: Callable[[], Deadline], limit: int) -> tuple[int, Deadline]:
        """A frame's header length; the frame's own deadline starts with its first byte."""
        head = self.read_exact(1, first_byte)
        deadline = rest()
        (length,) = _LENGTH.unpack(head + self.read_exact(_LENGTH.size - 1, deadline))
        if length > limit:
            raise ProtocolError(f"header of {length} bytes exceeds the limit of {limit}")
        return length, deadline


def _json(data: bytes) -> dict[str, Any]:
    try:
        header = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProtocolError("header is not JSON") from None
    if not isinstance(header, dict):
        raise ProtocolError("header is not a JSON object")
    return header


def send_bytes(sock: socket.socket, data: bytes, deadline: Deadline) -> None:
    remaining = deadline.remaining_s()
    if remaining <= 0:
        raise DeadlineExceeded(f"{deadline.what} deadline passed")
    sock.settimeout(remaining)  # sendall's timeout is the total for the call (Python >= 3.5)
    try:
        sock.sendall(data)
    except TimeoutError:
        raise DeadlineExceeded(f"{deadline.what} deadline passed while sending") from None


def send_plain(sock: socket.socket, header: dict[str, Any], deadline: Deadline) -> None:
    body = json.dumps(header).encode()
    send_bytes(sock, _LENGTH.pack(len(body)) + body, deadline)


def read_plain(reader: Reader, deadline: Deadline, limit: int) -> dict[str, Any]:
    """A handshake frame (no MAC, no attachments read even if a v1 peer announced some)."""
    length, _ = reader.read_length(deadline, lambda: deadline, limit)
    return _json(reader.read_exact(length, deadline))


def encode(header: dict[str, Any], attachments: list[bytes], token: str, nonce: bytes,
           direction: auth.Direction) -> bytes:
    """One authenticated frame, ready to send."""
    body = json.dumps({**header, "sizes": [len(a) for a in attachments],
                       "digests": [auth.digest(a) for a in attachments]}).encode()
    mac = auth.sign(token, nonce, direction, body)
    return b"".join([_LENGTH.pack(len(body)), mac, body, *attachments])


def send_frame(sock: socket.socket, header: dict[str, Any], attachments: list[bytes], token: str, nonce: bytes,
               direction: auth.Direction, deadline: Deadline) -> None:
    send_bytes(sock, encode(header, attachments, token, nonce, direction), deadline)


def send_unauthenticated_error(sock: socket.socket, message: str, deadline: Deadline) -> None:
    """An error reply that carries no valid MAC (the peer proved nothing: it is told nothing more)."""
    body = json.dumps({"ok": False, "error": message, "sizes": [], "digests": []}).encode()
    send_bytes(sock, _LENGTH.pack(len(body)) + _NO_MAC + body, deadline)


def read_frame(reader: Reader, idle: Deadline, frame_deadline: Callable[[], Deadline], limits: Limits,
               token: str, nonce: bytes, direction: auth.Direction,
               accept_unverified_errors: bool = False) -> tuple[dict[str, Any], list[bytes], bool]:
    """One authenticated frame: (header, attachments, verified).

    The MAC is checked on the raw header bytes before the header is parsed and before any
    attachment is read: a wrong MAC raises :class:`Unauthorized` having read only the length,
    MAC and header. ``accept_unverified_errors`` (the client) returns an unverified frame when it
    is an error reply without attachments, which can only make the caller fail.
    """
    length, deadline = reader.read_length(idle, frame_deadline, limits.max_header_bytes)
    mac = reader.read_exact(auth.MAC_BYTES, deadline)
    body = reader.read_exact(length, deadline)
    verified = auth.verify(token, nonce, direction, body, mac)
    if not verified:
        header = _json(body) if accept_unverified_errors else {}
        if header.get("ok") is False and not header.get("sizes"):
            return header, [], False
        raise Unauthorized("unauthorized: wrong token (or a frame replayed from another connection)")
    header = _json(body)
    sizes, digests = header.get("sizes", []), header.get("digests", [])
    if (not isinstance(sizes, list) or not all(isinstance(s, int) and s >= 0 for s in sizes)
            or not isinstance(digests, list) or len(digests) != len(sizes)):
        raise ProtocolError("`sizes` and `digests` must list each attachment's byte count and SHA-256")
    if sum(sizes) > limits.max_payload_bytes:
        raise ProtocolError(f"payload of {sum(sizes)} bytes exceeds the limit of {limits.max_payload_bytes}")
    attachments = []
    for size, expected in zip(sizes, digests, strict=True):
        data = reader.read_exact(size, deadline)
        reader.payload_bytes_read += size
        if auth.digest(data) != expected:
            raise Unauthorized("unauthorized: an attachment does not match its authenticated digest")
        attachments.append(data)
    return header, attachments, True
