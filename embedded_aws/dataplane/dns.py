"""A tiny authoritative DNS server for the local data plane (dnslib).

It plays the VPC resolver: each emulated Lattice DNS name answers with the loopback
address of its stand-in backend; every other name is NXDOMAIN. It records every question
it receives, so tests can prove that NGINX never resolved an unpublished name.

    resolver = LocalResolver({"orders-0a1.7d6.vpc-lattice-svcs.us-east-1.on.aws": "127.0.1.1"})
    resolver.start()            # 127.0.0.1:<ephemeral>, UDP and TCP on the same port
    resolver.address            # "127.0.0.1:53211" -> ProxyOptions(resolver=...)
    resolver.set_records({...}) # replace the records while running (a new catalog)
    resolver.queries            # [("orders-0a1....on.aws", "A"), ...]
    resolver.stop()
"""

from __future__ import annotations

import ipaddress
import threading
from collections import deque
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from dnslib import QTYPE, RCODE, RR, A, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer

__all__ = ["LocalResolver", "LocalResolverError"]

_BIND_ATTEMPTS = 20  # tries to find a port free for both UDP and TCP
_POLL_INTERVAL_SECONDS = 0.05
_QUERY_HISTORY = 10_000


class LocalResolverError(RuntimeError):
    """The resolver could not start."""


class _SilentLogger(DNSLogger):
    """dnslib logs every packet to stdout by default; the tests read `queries` instead."""

    def __init__(self) -> None:
        super().__init__(log="-request,-reply,-truncated,-error,-recv,-send,-data")


class _CatalogResolver(BaseResolver):
    def __init__(self, records: Mapping[str, str], ttl: int) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, str] = {}
        # Bounded: a long `local serve` must not grow without limit.
        self.queries: deque[tuple[str, str]] = deque(maxlen=_QUERY_HISTORY)
        self.ttl = ttl
        self.replace(records)

    def replace(self, records: Mapping[str, str]) -> None:
        normalized = {}
        for name, address in records.items():
            ipaddress.IPv4Address(address)  # raises ValueError on a bad address
            normalized[name.lower().rstrip(".")] = address
        with self._lock:
            self._records = normalized

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        qname = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        with self._lock:
            self.queries.append((qname, qtype))
            address = self._records.get(qname)
        reply = request.reply()
        if address is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif qtype in ("A", "ANY"):
            reply.add_answer(RR(qname, QTYPE.A, rdata=A(address), ttl=self.ttl))
        # A known name asked for another type (AAAA): NOERROR with no answer (NODATA).
        return reply


class LocalResolver:
    """DNS server on 127.0.0.1 answering configured names with A records, else NXDOMAIN."""

    def __init__(self, records: Mapping[str, str] | None = None, *, ttl: int = 5) -> None:
        self._resolver = _CatalogResolver(records or {}, ttl)
        self._servers: list[DNSServer] = []
        self.host = "127.0.0.1"
        self.port = 0

    @property
    def address(self) -> str:
        """`host:port`, the form nginx's `resolver` directive takes."""
        return f"{self.host}:{self.port}"

    @property
    def queries(self) -> list[tuple[str, str]]:
        """A copy of the (name, type) questions asked so far (the last 10,000), in order."""
        with self._resolver._lock:
            return list(self._resolver.queries)

    def clear_queries(self) -> None:
        with self._resolver._lock:
            self._resolver.queries.clear()

    def set_records(self, records: Mapping[str, str]) -> None:
        """Replace all records (name -> IPv4 address) while running."""
        self._resolver.replace(records)

    def start(self) -> LocalResolver:
        logger = _SilentLogger()
        last_error: OSError | None = None
        for _ in range(_BIND_ATTEMPTS):
            udp = DNSServer(self._resolver, address=self.host, port=0, logger=logger)
            port = udp.server.server_address[1]
            try:
                tcp = DNSServer(
                    self._resolver, address=self.host, port=port, tcp=True, logger=logger
                )
            except OSError as exc:  # the TCP side of that port is taken: pick another
                udp.server.server_close()
                last_error = exc
                continue
            self._servers = [udp, tcp]
            self.port = port
            for server in self._servers:
                threading.Thread(
                    target=server.server.serve_forever,
                    kwargs={"poll_interval": _POLL_INTERVAL_SECONDS},  # fast, bounded stop()
                    name=f"local-resolver-{port}",
                    daemon=True,
                ).start()
            return self
        raise LocalResolverError("no port free for both UDP and TCP") from last_error

    def stop(self) -> None:
        for server in self._servers:
            server.server.shutdown()
            server.server.server_close()
        self._servers = []

    def lookup(self, name: str, qtype: str = "A") -> DNSRecord:
        """Ask this server directly (over UDP); handy in tests and demos."""
        question = DNSRecord.question(name, qtype)
        return DNSRecord.parse(question.send(self.host, self.port, timeout=2))

    def __enter__(self) -> LocalResolver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
