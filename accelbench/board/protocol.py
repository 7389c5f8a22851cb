"""The board protocol (version 2): what travels and what bounds it. See docs/board-protocol.md.

A connection starts with a plain handshake (the client names the protocol and version, the agent
answers with a fresh nonce); every later frame is authenticated (:mod:`accelbench.board.auth`)
and framed by :mod:`accelbench.board.frames`. Limits (set only by the agent) bound the header,
the payload and every array; arrays travel as ``.npy`` bytes loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np

VERSION = 2
PROTOCOL = "accelbench-board"
#: Bytes an unauthenticated handshake frame may have (a version-1 request fits, to be told to upgrade).
HANDSHAKE_MAX_BYTES = 4096
UPGRADE = ("this board agent speaks board protocol version 2 and the client speaks version {client}: "
           "upgrade accelbench on the host (the same version as on the board)")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
BUNDLE_SUFFIXES = (".bit", ".hwh", ".json", ".xclbin")


class ProtocolError(RuntimeError):
    """A malformed, oversized or refused message; the text is safe to show to the peer."""


@dataclass(frozen=True)
class Limits:
    """Sizes the agent accepts (bytes, array elements, dimensions); only the agent sets them."""

    max_header_bytes: int = 64 * 1024
    max_payload_bytes: int = 256 * 2**20
    max_array_elements: int = 2**26
    max_array_dims: int = 6


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
