"""The board protocol (version 1): length-prefixed JSON headers with raw binary attachments over TCP.

A frame is ``!I`` header length, the UTF-8 JSON header, then the attachments whose byte sizes the
header lists in ``sizes``. Every request carries ``token`` (compared in constant time), ``op``
and ``version``. Limits bound the header, every attachment and their total, and arrays travel as
``.npy`` bytes loaded with ``allow_pickle=False``. See docs/board-protocol.md.
"""

from __future__ import annotations

import io
import json
import re
import socket
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

VERSION = 1
_LENGTH = struct.Struct("!I")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
BUNDLE_SUFFIXES = (".bit", ".hwh", ".json", ".xclbin")


class ProtocolError(RuntimeError):
    """A malformed, oversized or refused message; the text is safe to show to the peer."""


@dataclass(frozen=True)
class Limits:
    max_header_bytes: int = 64 * 1024
    max_payload_bytes: int = 256 * 2**20
    max_array_elements: int = 2**26
    max_array_dims: int = 6


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise ProtocolError("connection closed mid-message")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def send(sock: socket.socket, header: dict[str, Any], attachments: list[bytes] | None = None) -> None:
    attachments = attachments or []
    body = json.dumps({**header, "sizes": [len(a) for a in attachments]}).encode()
    sock.sendall(_LENGTH.pack(len(body)) + body + b"".join(attachments))


def receive(sock: socket.socket, limits: Limits) -> tuple[dict[str, Any], list[bytes]]:
    (length,) = _LENGTH.unpack(_recv_exact(sock, _LENGTH.size))
    if length > limits.max_header_bytes:
        raise ProtocolError(f"header of {length} bytes exceeds the limit of {limits.max_header_bytes}")
    try:
        header = json.loads(_recv_exact(sock, length))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProtocolError("header is not JSON") from None
    if not isinstance(header, dict):
        raise ProtocolError("header is not a JSON object")
    sizes = header.get("sizes", [])
    if not isinstance(sizes, list) or not all(isinstance(s, int) and s >= 0 for s in sizes):
        raise ProtocolError("`sizes` must be a list of byte counts")
    if sum(sizes) > limits.max_payload_bytes:
        raise ProtocolError(f"payload of {sum(sizes)} bytes exceeds the limit of {limits.max_payload_bytes}")
    return header, [_recv_exact(sock, size) for size in sizes]


def array_to_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def array_from_bytes(data: bytes, limits: Limits) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ProtocolError(f"attachment is not a .npy array ({exc})") from None
    if array.dtype.kind not in "fiu":
        raise ProtocolError(f"array dtype {array.dtype} is not numeric")
    if array.ndim > limits.max_array_dims or array.size > limits.max_array_elements:
        raise ProtocolError(f"array of shape {array.shape} exceeds the limits "
                            f"({limits.max_array_dims} dims, {limits.max_array_elements} elements)")
    return array


def check_name(name: str) -> str:
    """A bundle file name: no directories, no traversal, an allowed suffix."""
    if not SAFE_NAME.match(name) or ".." in name or not name.endswith(BUNDLE_SUFFIXES):
        raise ProtocolError(f"bundle file name {name!r} is not allowed (plain names ending in "
                            f"{', '.join(BUNDLE_SUFFIXES)})")
    return name
