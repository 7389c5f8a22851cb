"""Optional TLS for the board protocol (Python's :mod:`ssl`): agents reached over a network.

The agent loads a certificate and key (``board serve --tls-cert/--tls-key``); the host checks
the agent's certificate against a CA file (``--board-ca``), host name included. TLS 1.2 or newer.
The HMAC handshake runs inside TLS as well: TLS hides the traffic, the token still proves the peer.
"""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path

from accelbench.errors import UserError

#: Hosts that mean "every interface".
ALL_INTERFACES = ("0.0.0.0", "::", "")


def server_context(cert: str | Path, key: str | Path) -> ssl.SSLContext:
    """A server context from a PEM certificate (chain) and its private key."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError) as exc:
        raise UserError(f"cannot load TLS certificate {cert} / key {key}: {exc}") from None
    return context


def client_context(ca: str | Path) -> ssl.SSLContext:
    """A client context that trusts only the CA (or self-signed certificate) in ``ca``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_verify_locations(cafile=str(ca))
    except (OSError, ssl.SSLError) as exc:
        raise UserError(f"cannot load the board CA file {ca}: {exc}") from None
    return context


def exposure_warning(host: str, tls: bool) -> str | None:
    """The warning to log when ``host`` exposes a plain-text agent to every interface, else None."""
    if tls:
        return None
    try:
        unspecified = host in ALL_INTERFACES or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        unspecified = False
    if not unspecified:
        return None
    return (f"the board agent listens on every interface ({host or '*'}) without TLS: anyone on the "
            f"network sees the traffic (the token itself never travels); bind the bench network's "
            f"address or pass --tls-cert/--tls-key")
