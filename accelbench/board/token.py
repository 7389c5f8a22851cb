"""The board agent's shared token: how it is made, stored and checked.

The token is the HMAC key of the board protocol (it never travels). A token file must be private
to its owner (no group or other permission bits) and hold at least :data:`MIN_TOKEN_BITS` bits of
entropy, estimated from its length and alphabet (hex: 4 bits a character, base64: 6, other
printable text: log2(95)); a token whose characters repeat (Shannon entropy of its characters
below 2.5 bits each) is refused whatever its length. ``accelbench board token new FILE`` writes
64 hex characters (256 bits from :mod:`secrets`) with mode 600.
"""

from __future__ import annotations

import math
import os
import secrets
import stat
import string
from collections import Counter
from pathlib import Path

from accelbench.errors import UserError

#: Minimum estimated entropy of a token, bits (32 bytes).
MIN_TOKEN_BITS = 256
_HEX = frozenset(string.hexdigits)
_BASE64 = frozenset(string.ascii_letters + string.digits + "+/-_")
_MIN_BITS_PER_CHAR = 2.5


def new_token() -> str:
    """A fresh token: 32 random bytes as 64 hex characters."""
    return secrets.token_hex(MIN_TOKEN_BITS // 8)


def entropy_bits(token: str) -> float:
    """Estimated entropy of ``token`` in bits: length x bits per character of its alphabet.

    An estimate, not a proof: it catches short, repetitive and low-alphabet tokens, not a
    memorable phrase of the right length.
    """
    text = token.rstrip("=")
    if not text:
        return 0.0
    counts = Counter(text)
    shannon = -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
    if shannon < _MIN_BITS_PER_CHAR:
        return shannon * len(text)
    chars = set(text)
    per_char = 4.0 if chars <= _HEX else 6.0 if chars <= _BASE64 else math.log2(95)
    return per_char * len(text)


def check_token(token: str, source: str) -> str:
    """``token`` when it is strong enough; a UserError naming ``source`` otherwise."""
    bits = entropy_bits(token)
    if bits < MIN_TOKEN_BITS:
        raise UserError(f"board token in {source} is too weak (~{bits:.0f} bits, {MIN_TOKEN_BITS} needed): "
                        f"make one with `accelbench board token new FILE`")
    return token


def read_token(path: str | Path) -> str:
    """The token in ``path`` after checking the file's permissions and the token's strength."""
    path = Path(path)
    try:
        info = path.stat()
        text = path.read_text()
    except OSError as exc:
        raise UserError(f"cannot read board token file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UserError(f"board token file {path} is not text") from None
    if os.name == "posix" and info.st_mode & 0o077:
        raise UserError(f"board token file {path} is open to group or others "
                        f"(mode {stat.S_IMODE(info.st_mode):03o}): run `chmod 600 {path}`")
    token = text.strip()
    if not token:
        raise UserError(f"board token file {path} is empty")
    return check_token(token, str(path))


def write_token(path: str | Path) -> str:
    """Write a new token to ``path`` (created with mode 600, never overwritten); returns it."""
    path = Path(path)
    token = new_token()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UserError(f"{path} exists: choose a new file (a token is never overwritten)") from None
    except OSError as exc:
        raise UserError(f"cannot create token file {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)  # the umask cannot widen it, but a filesystem might ignore the mode
    return token
