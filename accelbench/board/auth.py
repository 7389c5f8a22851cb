"""Challenge-response authentication of board protocol frames (HMAC-SHA256 under the shared token).

The agent sends a fresh random nonce on every connection. Every later frame carries
``HMAC-SHA256(token, label || nonce || header)`` where ``label`` says the direction (a reply can
never pass as a request) and the header holds a per-connection sequence number and the SHA-256
of every attachment. So the token never travels, a frame captured on one connection fails on
any other (other nonce), and a frame replayed on its own connection fails the sequence check.
MACs are compared with :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Literal

MAC_BYTES = 32
NONCE_BYTES = 32
Direction = Literal["request", "reply"]
_LABELS = {"request": b"accelbench-board/2 request\0", "reply": b"accelbench-board/2 reply\0"}


def new_nonce() -> bytes:
    """A fresh per-connection challenge (32 random bytes)."""
    return secrets.token_bytes(NONCE_BYTES)


def sign(token: str, nonce: bytes, direction: Direction, header: bytes) -> bytes:
    """The 32-byte MAC of one frame header."""
    return hmac.new(token.encode(), _LABELS[direction] + nonce + header, hashlib.sha256).digest()


def verify(token: str, nonce: bytes, direction: Direction, header: bytes, mac: bytes) -> bool:
    """True when ``mac`` is the MAC of ``header`` (constant-time comparison)."""
    return hmac.compare_digest(sign(token, nonce, direction, header), mac)


def digest(data: bytes) -> str:
    """SHA-256 of an attachment, hex: listed in the (authenticated) header."""
    return hashlib.sha256(data).hexdigest()
