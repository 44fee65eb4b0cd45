"""A small closed-loop HTTPS load generator (asyncio) for the TLS-passthrough path.

wrk takes the SNI name from the URL host and cannot pin that name to a loopback address,
so the TLS measurements use this instead: `connections` keep-alive TLS connections to
`address:port` with SNI `server_name` (certificate verified against `cafile`), each
sending GET requests back to back for `duration` seconds. Optionally a PROXY v1 line is
sent before the handshake. Absolute numbers are bounded by this Python client; compare
the targets with each other, not with wrk's HTTP figures.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    non_2xx: int = 0
    latencies: list[float] = field(default_factory=list)

    def summary(self, duration: float) -> dict[str, float | int | None]:
        ordered = sorted(self.latencies)

        def percentile(p: float) -> float | None:
            if not ordered:
                return None
            return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 3)

        return {
            "requests_per_second": round(self.requests / duration, 2),
            "requests": self.requests,
            "latency_p50_ms": percentile(0.50),
            "latency_p99_ms": percentile(0.99),
            "non_2xx": self.non_2xx,
            "errors": self.errors,
        }


async def _connection(
    address: str,
    port: int,
    server_name: str,
    context: ssl.SSLContext,
    deadline: float,
    result: LoadResult,
) -> None:
    request = f"GET / HTTP/1.1\r\nHost: {server_name}\r\n\r\n".encode()
    try:
        reader, writer = await asyncio.open_connection(
            address, port, ssl=context, server_hostname=server_name
        )
    except (OSError, ssl.SSLError):
        result.errors += 1
        return
    try:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            result.latencies.append(time.perf_counter() - started)
            result.requests += 1
            if not head.startswith(b"HTTP/1.1 2"):
                result.non_2xx += 1
    except (OSError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        result.errors += 1
    finally:
        writer.close()


async def _run(
    address: str, port: int, server_name: str, cafile: str, connections: int, duration: float
) -> LoadResult:
    context = ssl.create_default_context(cafile=cafile)
    result = LoadResult()
    deadline = time.monotonic() + duration
    await asyncio.gather(
        *(
            _connection(address, port, server_name, context, deadline, result)
            for _ in range(connections)
        )
    )
    return result


def run_tls_load(
    address: str, port: int, server_name: str, cafile: str, *, connections: int, duration: float
) -> dict[str, float | int | None]:
    """Run the load and return requests/s, p50/p99 latency (ms), errors."""
    started = time.monotonic()
    result = asyncio.run(_run(address, port, server_name, cafile, connections, duration))
    return result.summary(time.monotonic() - started)
