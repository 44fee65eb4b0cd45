"""Data-plane benchmark: requests/s and p99 latency on loopback, printed as one JSON object.

Plain HTTP is measured with wrk and TLS passthrough with bench/tls_load.py (keep-alive
clients), each target for the same bounded duration:

- direct:        wrk -> backend (an nginx "Lattice service")
- nlb_only:      wrk -> NLB stand-in (the same stream hop, no PROXY header) -> backend
- ours:          wrk -> NLB stand-in -> THE config (rendered by render_nginx_config) -> backend
- guidance:      wrk -> NLB stand-in -> the guidance's config -> backend

Both proxies resolve through the same local DNS server. wrk takes the SNI name from the
URL host and cannot pin a name to loopback (no --resolve), hence the asyncio TLS client.

Usage: .venv/bin/python bench/bench_dataplane.py [--duration 5] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dataplane_configs import backend_config, guidance_config, nlb_config
from tls_load import run_tls_load

from embedded_aws.dataplane.backends import LocalCertificateAuthority, free_port
from embedded_aws.dataplane.dns import LocalResolver
from embedded_aws.dataplane.nginx_process import NginxProcess, find_nginx
from lattice_ingress.logic.nginx_config import ProxyOptions, render_nginx_config

CUSTOM_DOMAIN = "orders.example.com"
LATTICE_NAME = "orders-0a1b2c3d4e5f60718.7d67968.vpc-lattice-svcs.us-east-1.on.aws"
BACKEND_ADDRESS = "127.0.1.1"
OURS_ADDRESS = "127.0.0.2"
GUIDANCE_ADDRESS = "127.0.0.3"

_UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, p50/p99 latency (ms) and errors from `wrk --latency` output."""

    def latency(percent: str) -> float | None:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        return round(float(match[1]) * _UNIT_SECONDS[match[2]] * 1000, 3) if match else None

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:(.*)$", output, re.MULTILINE)
    return {
        "requests_per_second": float(rps[1]) if rps else None,
        "requests": int(total[1]) if total else None,
        "latency_p50_ms": latency("50"),
        "latency_p99_ms": latency("99"),
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
        "socket_errors": socket_errors[1].strip() if socket_errors else None,
    }


def run_wrk(url: str, *, duration: int, connections: int, threads: int) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-H",
        f"Host: {CUSTOM_DOMAIN}",
        url,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=True
    )
    return {"command": shlex.join(command), **parse_wrk(result.stdout)}


def wait_ok(url: str, attempts: int = 50) -> None:
    """Bounded readiness probe through the whole chain before measuring."""
    request = urllib.request.Request(url, headers={"Host": CUSTOM_DOMAIN})
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no 200 from {url}")  # pragma: no cover


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if find_nginx() is None or shutil.which("wrk") is None:
        print(json.dumps({"error": "nginx and wrk are required"}))
        return 1

    port, tls_port = free_port(), free_port()
    fronts = ("nlb_only", "ours", "guidance")
    front = {name: free_port() for name in fronts}
    tls_front = {name: free_port() for name in fronts}
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-dataplane-") as tmp:
        root = Path(tmp)
        ca = LocalCertificateAuthority(root / "ca")
        certificate = tuple(str(p) for p in ca.issue([CUSTOM_DOMAIN, LATTICE_NAME], "orders"))
        # The local VPC resolver: the Lattice name (ours) and, as the guidance's proxy zone
        # would via CNAME, the custom domain itself (guidance) both resolve to the backend.
        resolver = stack.enter_context(
            LocalResolver({LATTICE_NAME: BACKEND_ADDRESS, CUSTOM_DOMAIN: BACKEND_ADDRESS}, ttl=60)
        )

        def nginx(name: str, config: Any) -> NginxProcess:
            process = stack.enter_context(NginxProcess(root / name))
            process.start(config(process.local_paths()))
            return process

        nginx(
            "backend",
            lambda p: backend_config(
                p,
                listen=BACKEND_ADDRESS,
                port=port,
                tls_port=tls_port,
                certificate=certificate,
                name="orders",
            ),
        )
        ours_options = {
            "vpc_cidrs": ["127.0.0.0/8"],
            "allowed_client_cidrs": ["127.0.0.0/8"],
            "resolver": resolver.address,
            "tls_ports": [tls_port],
            "http_port": port,
            "listen_address": OURS_ADDRESS,
            "worker_processes": 1,
        }
        nginx(
            "ours",
            lambda p: render_nginx_config(
                {CUSTOM_DOMAIN: LATTICE_NAME}, ProxyOptions(**ours_options, **p)
            ),
        )
        nginx(
            "guidance",
            lambda p: guidance_config(
                p,
                listen=GUIDANCE_ADDRESS,
                port=port,
                tls_port=tls_port,
                resolver=resolver.address,
            ),
        )
        # The backend speaks no PROXY protocol: nlb_only is the same hop without the header.
        upstreams = {
            "nlb_only": BACKEND_ADDRESS,
            "ours": OURS_ADDRESS,
            "guidance": GUIDANCE_ADDRESS,
        }
        routes: dict[int, tuple[str, bool]] = {}
        for name, address in upstreams.items():
            routes[front[name]] = (f"{address}:{port}", name != "nlb_only")
            routes[tls_front[name]] = (f"{address}:{tls_port}", name != "nlb_only")
        nginx("nlb", lambda p: nlb_config(p, routes))

        http_targets = {"direct": f"http://{BACKEND_ADDRESS}:{port}/"}
        http_targets |= {name: f"http://127.0.0.1:{p}/" for name, p in front.items()}
        http_results: dict[str, Any] = {}
        for name, url in http_targets.items():
            wait_ok(url)
            http_results[name] = run_wrk(
                url, duration=args.duration, connections=args.connections, threads=args.threads
            )

        tls_targets = {"direct": (BACKEND_ADDRESS, tls_port)}
        tls_targets |= {name: ("127.0.0.1", p) for name, p in tls_front.items()}
        tls_results: dict[str, Any] = {}
        for name, (address, target_port) in tls_targets.items():
            tls_results[name] = {
                "command": (
                    f"tls_load.run_tls_load({address!r}, {target_port}, {CUSTOM_DOMAIN!r}, "
                    f"cafile, connections={args.connections}, duration={args.duration})"
                ),
                **run_tls_load(
                    address,
                    target_port,
                    CUSTOM_DOMAIN,
                    str(ca.ca_path),
                    connections=args.connections,
                    duration=args.duration,
                ),
            }

    print(
        json.dumps(
            {
                "benchmark": "dataplane_loopback",
                "duration_seconds": args.duration,
                "connections": args.connections,
                "nginx_worker_processes": 1,
                "http": {"tool": "wrk", "threads": args.threads, "results": http_results},
                "tls_passthrough": {"tool": "bench/tls_load.py (asyncio)", "results": tls_results},
                "notes": [
                    "every nginx runs 1 worker on the same host as the load generator; "
                    "compare targets with each other, not with other machines",
                    "ours and guidance are measured behind the same PROXY-protocol front "
                    "(nlb_only = that front alone, without the header)",
                    "TLS uses a Python client (wrk cannot pin an SNI name to loopback): its "
                    "absolute rates are client-bound; keep-alive TLS connections, so the "
                    "proxies' per-connection routing is paid once per connection",
                ],
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
