"""The client's address: where it comes from, what the limits count and what the audit log keeps.

Behind CloudFront the socket address is CloudFront's, so the viewer's address comes from the
``cloudfront-viewer-address`` header ("ip:port", which CloudFront sets itself). The header is only
believed when the caller says so (``trust_viewer``): in production when the request carried the
origin secret (origin.py), so it came through CloudFront and nobody else can have set it. Otherwise
(an unverified request, the header missing) it is the event's ``sourceIp``.

* Limits count per IPv4 address and per IPv6 /64 (one household or office gets a whole /64 and can
  change the low 64 bits at will, so a per-address limit on IPv6 would limit nothing). The counter
  key is a hash of that, not the address itself.
* The audit log keeps only the network: IPv4 /24, IPv6 /48. Enough to see that a burst came from one
  provider, not enough to name a person.
"""

from __future__ import annotations

import hashlib
import ipaddress

__all__ = ["ClientAddress", "client_address"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(text: str) -> IPAddress | None:
    try:
        addr = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return addr.ipv4_mapped
    return addr


def _from_viewer_header(value: str) -> IPAddress | None:
    """``203.0.113.5:443``, ``2001:db8::1:443`` or ``[2001:db8::1]:443`` → the address without port."""
    value = value.strip()
    if not value or ":" not in value:
        return None
    host = value.rsplit(":", 1)[0]
    return _parse(host)


def _network(addr: IPAddress, prefix: int) -> str:
    bits = addr.max_prefixlen
    masked = int(addr) >> (bits - prefix) << (bits - prefix)
    return f"{type(addr)(masked)}/{prefix}"


class ClientAddress:
    """A client's address, reduced to what each use needs."""

    __slots__ = ("address",)

    def __init__(self, address: IPAddress | None):
        self.address = address

    @property
    def limit_subject(self) -> str:
        """Pseudonymous counter key: a hash of the IPv4 address or IPv6 /64."""
        if self.address is None:
            basis = "unknown"
        elif self.address.version == 4:
            basis = str(self.address)
        else:
            basis = _network(self.address, 64)
        return hashlib.sha256(b"esurety-client/v1\x00" + basis.encode()).hexdigest()[:32]

    @property
    def audit_network(self) -> str:
        """What the audit log keeps: ``203.0.113.0/24`` or ``2001:db8:1::/48``."""
        if self.address is None:
            return "unknown"
        return _network(self.address, 24 if self.address.version == 4 else 48)


def client_address(headers: dict[str, str], source_ip: str | None, *, trust_viewer: bool = True) -> ClientAddress:
    """The viewer's address from CloudFront's header when it is trusted, else the connection's source address."""
    viewer = headers.get("cloudfront-viewer-address") if trust_viewer else None
    addr = _from_viewer_header(viewer) if viewer else None
    if addr is None and source_ip:
        addr = _parse(source_ip)
    return ClientAddress(addr)
