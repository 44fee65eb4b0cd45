"""Data-plane benchmark on production's NGINX (scripts/install-nginx.sh): one JSON object.

Targets, all in one run, each behind the same loopback hops:

- direct:    client -> backend (a fast nginx standing in for a Lattice service)
- nlb_only:  client -> NLB stand-in (a stream hop, no PROXY header) -> backend
- ours:      client -> NLB stand-in (PROXY v2) -> THE config (render_nginx_config) -> backend
- guidance:  client -> NLB stand-in (PROXY v2) -> the guidance's config -> backend

Load generators written in C, so the proxies rather than the client are the bottleneck:
wrk for HTTP and for TLS (bench/wrk_connect.lua pins the connection to loopback while the
URL's host stays the SNI name), over kept-alive connections and with a new connection per
request (`Connection: close`; over TLS that is a full handshake each time, wrk keeps no
sessions).
Each (target, mode) runs `--repeats` times (default 3); the median run is reported.

Also measured: `--reloads` (10) graceful reloads of ours under HTTP load (new connection per
request) with every non-2xx answer and socket error counted as lost; and at `--scale`
(10,000) services: `nginx -t` time, worker RSS, the DNS queries of the start-up round and
the steady DNS query rate per task (all workers) over `--dns-window` seconds.

Usage: .venv/bin/python bench/bench_dataplane.py [--duration 5] [--connections 32]
       [--json bench/results/dataplane.json] [--table bench/results/dataplane.md]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dataplane_configs import backend_config, guidance_config, nlb_config

from embedded_aws.dataplane.backends import LocalCertificateAuthority, free_port
from embedded_aws.dataplane.dns import LocalResolver
from embedded_aws.dataplane.nginx_process import NginxProcess, find_nginx
from lattice_ingress.logic.nginx_config import ProxyOptions, render_nginx_config

CUSTOM_DOMAIN = "orders.example.com"
LATTICE_NAME = "orders-0a1b2c3d4e5f60718.7d67968.vpc-lattice-svcs.us-east-1.on.aws"
OTHER_DOMAIN = "payments.example.com"
OTHER_LATTICE_NAME = "payments-0f1e2d3c4b5a69788.7d67968.vpc-lattice-svcs.us-east-1.on.aws"
BACKEND_ADDRESS = "127.0.1.1"
OURS_ADDRESS = "127.0.0.2"
GUIDANCE_ADDRESS = "127.0.0.3"
SCALE_ADDRESS = "127.0.0.4"
TARGETS = ("direct", "nlb_only", "ours", "guidance")
WRK_CONNECT_SCRIPT = Path(__file__).resolve().parent / "wrk_connect.lua"

_UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, p50/p99 latency (ms), non-2xx and socket errors from `wrk --latency`."""

    def latency(percent: str) -> float | None:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        return round(float(match[1]) * _UNIT_SECONDS[match[2]] * 1000, 3) if match else None

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests_per_second": float(rps[1]) if rps else None,
        "requests": int(total[1]) if total else None,
        "latency_p50_ms": latency("50"),
        "latency_p99_ms": latency("99"),
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def wrk_command(url: str, *, duration: float, connections: int, threads: int, new: bool) -> list:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency"]
    command += ["-H", f"Host: {CUSTOM_DOMAIN}"]
    if new:
        command += ["-H", "Connection: close"]
    return [*command, url]


def run_wrk(url: str, *, duration: float, connections: int, threads: int, new: bool) -> dict:
    command = wrk_command(url, duration=duration, connections=connections, threads=threads, new=new)
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=True
    )
    return {"command": shlex.join(command), **parse_wrk(result.stdout)}


def run_wrk_tls(
    address: str, port: int, *, duration: float, connections: int, threads: int, new: bool
) -> dict:
    """wrk over TLS by SNI: the URL names the custom domain (SNI and Host); wrk_connect.lua
    makes wrk connect to `address`. With `new`, a new connection and a full handshake per
    request (Connection: close; wrk keeps no TLS sessions)."""
    url = f"https://{CUSTOM_DOMAIN}:{port}/"
    command = wrk_command(url, duration=duration, connections=connections, threads=threads, new=new)
    command[1:1] = ["-s", str(WRK_CONNECT_SCRIPT)]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
        env={**os.environ, "WRK_CONNECT_ADDR": address},
    )
    return {
        "command": f"WRK_CONNECT_ADDR={address} {shlex.join(command)}",
        **parse_wrk(result.stdout),
    }


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median requests/s (odd repeats), and every run's rate beside it."""
    ordered = sorted(runs, key=lambda run: run["requests_per_second"] or 0.0)
    return {
        **ordered[len(ordered) // 2],
        "repeats_requests_per_second": [run["requests_per_second"] for run in runs],
    }


def wait_ok(url: str, attempts: int = 100) -> None:
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


def scale_catalog(count: int) -> dict[str, str]:
    return {
        f"service-{i:05d}.team-{i % 37:02d}.apps.example.com": (
            f"service-{i:05d}-0{i:016x}.7d67968.vpc-lattice-svcs.us-east-1.on.aws"
        )
        for i in range(count)
    }


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure_scale(root: Path, count: int, window: float, http_port: int, tls_port: int) -> dict:
    """nginx -t time, worker RSS and DNS query rate for `count` published services."""
    routes = scale_catalog(count)
    records = {name: "127.0.9.9" for name in routes.values()}
    with LocalResolver(records, ttl=60) as resolver:
        nginx = NginxProcess(root / "scale")
        options = ProxyOptions(
            vpc_cidrs=["127.0.0.0/8"],
            allowed_client_cidrs=["127.0.0.0/8"],
            resolver=resolver.address,
            tls_ports=[tls_port],
            http_port=http_port,
            listen_address=SCALE_ADDRESS,
            worker_processes=2,  # what `auto` gives the 2-vCPU task
            **nginx.local_paths(),
        )
        text = render_nginx_config(routes, options)
        started = time.monotonic()
        validation = nginx.validate(text)
        nginx_t_seconds = round(time.monotonic() - started, 2)
        started = time.monotonic()
        nginx.start(text, timeout=300)
        start_seconds = round(time.monotonic() - started, 2)
        try:
            # The start-up round: every upstream name once per resolving worker. Wait until
            # the count stops moving (bounded), then count a steady window.
            last, stable_since = -1, time.monotonic()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and time.monotonic() - stable_since < 10:
                time.sleep(1)
                now = len(resolver.queries)
                if now != last:
                    last, stable_since = now, time.monotonic()
            startup_queries = len(resolver.queries)
            resolver.clear_queries()
            # Sampled each second: the average rate and the busiest second (the names were
            # resolved together, so they expire together).
            per_second, seen, end = [], 0, time.monotonic() + window
            while time.monotonic() < end:
                time.sleep(1)
                now = len(resolver.queries)
                per_second.append(now - seen)
                seen = now
            steady = len(resolver.queries)
            workers = sorted(nginx._workers())
            rss = [rss_kib(pid) for pid in workers]
        finally:
            nginx.stop()
    valid = re.search(r"valid=(\d+)s", text)
    return {
        "services": count,
        "config_bytes": len(text),
        "nginx_t_ok": validation.ok,
        "nginx_t_warnings": validation.warnings,
        "nginx_t_seconds": nginx_t_seconds,
        "start_seconds": start_seconds,
        "worker_processes": len(workers),
        "worker_rss_mib": [round(kib / 1024, 1) for kib in rss],
        "resolver_valid_seconds": int(valid[1]) if valid else None,
        "dns_startup_round_queries": startup_queries,
        "dns_window_seconds": window,
        "dns_steady_queries": steady,
        "dns_steady_queries_per_second": round(steady / window, 1),
        "dns_busiest_second_queries": max(per_second, default=0),
    }


def reloads_under_load(
    nginx: NginxProcess,
    configs: list[str],
    url: str,
    *,
    reloads: int,
    connections: int,
    threads: int,
) -> dict[str, Any]:
    """wrk (new connection per request) against ours while it is reloaded `reloads` times."""
    duration = reloads * 1.0 + 4
    command = wrk_command(
        url, duration=duration, connections=connections, threads=threads, new=True
    )
    load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)  # load flowing before the first reload
    for index in range(reloads):
        nginx.reload(configs[index % len(configs)], timeout=30)
        time.sleep(0.5)
    output, _ = load.communicate(timeout=duration + 60)
    result = parse_wrk(output)
    return {
        "command": shlex.join(command),
        "reloads": reloads,
        **result,
        "lost": result["non_2xx"] + result["socket_errors"],
    }


def targets_summary(http: dict, tls: dict, reload: dict) -> dict[str, Any]:
    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 3) if a and b else None

    keep, tls_new = http["kept_alive"], tls["new_connection"]
    p99_ours, p99_guidance = keep["ours"]["latency_p99_ms"], keep["guidance"]["latency_p99_ms"]
    checks = {
        "http_ours_over_guidance": ratio(
            keep["ours"]["requests_per_second"], keep["guidance"]["requests_per_second"]
        ),
        "http_p99_ours_minus_guidance_ms": round(p99_ours - p99_guidance, 3)
        if p99_ours is not None and p99_guidance is not None
        else None,
        "http_ours_over_nlb_only": ratio(
            keep["ours"]["requests_per_second"], keep["nlb_only"]["requests_per_second"]
        ),
        "tls_new_connection_ours_over_guidance": ratio(
            tls_new["ours"]["requests_per_second"], tls_new["guidance"]["requests_per_second"]
        ),
        "requests_lost_over_reloads": reload["lost"],
    }
    goals = {
        "http_ours_over_guidance": lambda v: v >= 1.0,
        "http_p99_ours_minus_guidance_ms": lambda v: v <= 1.0,
        "http_ours_over_nlb_only": lambda v: v >= 0.5,
        "tls_new_connection_ours_over_guidance": lambda v: v >= 0.9,
        "requests_lost_over_reloads": lambda v: v == 0,
    }
    return {
        name: {"value": value, "met": value is not None and goals[name](value)}
        for name, value in checks.items()
    }


def markdown_table(report: dict[str, Any]) -> str:
    """The README table, from this run's JSON."""

    def rate(result: dict) -> str:
        return f"{result['requests_per_second']:,.0f}"

    def p(result: dict, which: str) -> str:
        value = result[f"latency_{which}_ms"]
        return "n/a" if value is None else f"{value:.2f} ms"

    rows = []
    for label, section in (
        ("HTTP by Host (wrk), kept-alive", report["http"]["kept_alive"]),
        ("HTTP by Host (wrk), new connection per request", report["http"]["new_connection"]),
        ("TLS by SNI (wrk), new connection per request", report["tls"]["new_connection"]),
        ("TLS by SNI (wrk), kept-alive", report["tls"]["kept_alive"]),
    ):
        for metric, cell in (
            ("requests/s", rate),
            ("p50", lambda r: p(r, "p50")),
            ("p99", lambda r: p(r, "p99")),
        ):
            rows.append(
                f"| {label}, {metric} | " + " | ".join(cell(section[t]) for t in TARGETS) + " |"
            )
    header = (
        "| path | direct to the backend | NLB stand-in only | through our config "
        "| through the guidance's config |\n|---|---|---|---|---|\n"
    )
    return header + "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reloads", type=int, default=10)
    parser.add_argument("--scale", type=int, default=10_000, help="0 skips the scale part")
    parser.add_argument("--dns-window", type=float, default=210.0)
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    parser.add_argument("--table", type=Path, help="write the README table (markdown) here")
    args = parser.parse_args(argv)
    if find_nginx() is None or not (shutil.which("wrk") and shutil.which("curl")):
        print(json.dumps({"error": "nginx (scripts/install-nginx.sh), wrk and curl required"}))
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
            LocalResolver(
                {
                    LATTICE_NAME: BACKEND_ADDRESS,
                    OTHER_LATTICE_NAME: BACKEND_ADDRESS,
                    CUSTOM_DOMAIN: BACKEND_ADDRESS,
                },
                ttl=60,
            )
        )

        def nginx(name: str, config: Callable[[dict], str]) -> NginxProcess:
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
        ours_options: dict[str, Any] = {
            "vpc_cidrs": ["127.0.0.0/8"],
            "allowed_client_cidrs": ["127.0.0.0/8"],
            "resolver": resolver.address,
            "tls_ports": [tls_port],
            "http_port": port,
            "listen_address": OURS_ADDRESS,
            "worker_processes": 1,
            # Access logs on, as in production (stdout there, a file here).
        }

        def ours_config(paths: dict, routes: dict[str, str]) -> str:
            return render_nginx_config(routes, ProxyOptions(**ours_options, **paths))

        ours = nginx("ours", lambda p: ours_config(p, {CUSTOM_DOMAIN: LATTICE_NAME}))
        nginx(
            "guidance",
            lambda p: guidance_config(
                p, listen=GUIDANCE_ADDRESS, port=port, tls_port=tls_port, resolver=resolver.address
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
        tls_targets = {"direct": (BACKEND_ADDRESS, tls_port)}
        tls_targets |= {name: ("127.0.0.1", p) for name, p in tls_front.items()}
        for url in http_targets.values():
            wait_ok(url)

        http: dict[str, dict[str, Any]] = {"kept_alive": {}, "new_connection": {}}
        tls: dict[str, dict[str, Any]] = {"kept_alive": {}, "new_connection": {}}
        for mode, new in (("kept_alive", False), ("new_connection", True)):
            http_runs: dict[str, list] = {name: [] for name in TARGETS}
            tls_runs: dict[str, list] = {name: [] for name in TARGETS}
            # Targets interleaved within each repeat, so drift in the machine's load hits
            # every target alike.
            for _ in range(args.repeats):
                for name in TARGETS:
                    http_runs[name].append(
                        run_wrk(
                            http_targets[name],
                            duration=args.duration,
                            connections=args.connections,
                            threads=args.threads,
                            new=new,
                        )
                    )
                    address, target_port = tls_targets[name]
                    tls_runs[name].append(
                        run_wrk_tls(
                            address,
                            target_port,
                            duration=args.duration,
                            connections=args.connections,
                            threads=args.threads,
                            new=new,
                        )
                    )
            http[mode] = {name: median_run(runs) for name, runs in http_runs.items()}
            tls[mode] = {name: median_run(runs) for name, runs in tls_runs.items()}

        # Reloads alternate between two catalogs, so each one really changes the config.
        both = {CUSTOM_DOMAIN: LATTICE_NAME, OTHER_DOMAIN: OTHER_LATTICE_NAME}
        configs = [
            ours_config(ours.local_paths(), both),
            ours_config(ours.local_paths(), {CUSTOM_DOMAIN: LATTICE_NAME}),
        ]
        reload = reloads_under_load(
            ours,
            configs,
            http_targets["ours"],
            reloads=args.reloads,
            connections=args.connections,
            threads=args.threads,
        )
        scale = (
            measure_scale(root, args.scale, args.dns_window, free_port(), free_port())
            if args.scale
            else None
        )

    report: dict[str, Any] = {
        "benchmark": "dataplane_loopback",
        "nginx": subprocess.run(
            [str(find_nginx()), "-v"], capture_output=True, text=True, check=False
        ).stderr.strip(),
        "duration_seconds": args.duration,
        "connections": args.connections,
        "repeats": args.repeats,
        "reported": "the run with the median requests/s of each (target, mode)",
        "nginx_worker_processes": 1,
        "http": {"tool": "wrk", "threads": args.threads, **http},
        "tls": {"tool": "wrk + bench/wrk_connect.lua", "threads": args.threads, **tls},
        "reloads_under_load": reload,
        "scale": scale,
        "notes": [
            "every nginx runs 1 worker on the same 2-core host as the load generator; "
            "compare targets with each other, not with other machines",
            "ours and guidance are measured behind the same PROXY-protocol front "
            "(nlb_only = that front alone, without the header)",
        ],
    }
    report["goals"] = targets_summary(http, tls, reload)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    if args.table:
        args.table.parent.mkdir(parents=True, exist_ok=True)
        args.table.write_text(markdown_table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
