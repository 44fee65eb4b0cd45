"""Why HTTP through our config costs what it costs: bench/bench_dataplane.py's HTTP part,
kept-alive and new connection per request, once per variant of OUR config (one change
each, the other nginx configs untouched), with the CPU time each nginx spent per 1,000
requests. CPU per request, unlike requests/s, hardly moves with the load other processes
put on a shared machine, so it tells a config defect from noise.

Variants: `pool16` (the pool size main had), `default` (the config as rendered today),
`logbuffer` (access log `buffer=64k flush=1s`), `nolog` (access log off),
`keepalive_requests` (100000 on the client side and the upstream pools).

Usage: .venv/bin/python bench/bench_dataplane_experiments.py [--repeats 3] [--duration 4]
       [variant ...]; prints one JSON object (the median of the repeats per variant).
TLS runs are skipped (stubbed): this script studies the HTTP path only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_dataplane as bench

VARIANTS: dict[str, Callable[[str], str]] = {
    "pool16": lambda text: re.sub(r"keepalive \d+;", "keepalive 16;", text),
    "default": lambda text: text,
    "logbuffer": lambda text: text.replace(
        " lattice_http;\n", " lattice_http buffer=64k flush=1s;\n"
    ),
    "nolog": lambda text: re.sub(r"access_log \S+ lattice_http;", "access_log off;", text),
    "keepalive_requests": lambda text: text.replace(
        "keepalive_timeout 65s;", "keepalive_timeout 65s;\n    keepalive_requests 100000;"
    ).replace(
        "keepalive_timeout 50s;", "keepalive_timeout 50s;\n        keepalive_requests 100000;"
    ),
}


def cpu_ms(pid: int) -> float:
    """utime + stime of an nginx master and its workers, in ms."""
    pids = [pid]
    with contextlib.suppress(OSError):  # no workers listed: the master alone
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    ticks = 0
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def run_variant(name: str, repeats: int, duration: float) -> dict[str, Any]:
    processes: dict[str, Any] = {}
    render, start, run_wrk = bench.render_nginx_config, bench.NginxProcess.start, bench.run_wrk
    runs: dict[str, list[dict[str, Any]]] = {}

    def started(self: Any, text: str, *args: Any, **kwargs: Any) -> Any:
        result = start(self, text, *args, **kwargs)
        processes[Path(self.prefix).name] = self
        return result

    def measured(url: str, **kwargs: Any) -> dict[str, Any]:
        before = {k: cpu_ms(p.pid) for k, p in processes.items() if p.pid}
        result = run_wrk(url, **kwargs)
        after = {k: cpu_ms(p.pid) for k, p in processes.items() if p.pid}
        per_1k = {
            k: round((after[k] - before.get(k, after[k])) * 1000 / max(result["requests"], 1), 1)
            for k in after
        }
        key = f"{url} {'new_connection' if kwargs['new'] else 'kept_alive'}"
        runs.setdefault(key, []).append({**result, "cpu_ms_per_1k_requests": per_1k})
        return result

    bench.render_nginx_config = lambda routes, options: VARIANTS[name](render(routes, options))
    bench.NginxProcess.start = started  # type: ignore[method-assign]
    bench.run_wrk = measured
    bench.run_wrk_tls = lambda *a, **k: {  # TLS is not studied here
        "requests_per_second": 0.0,
        "requests": 0,
        "latency_p50_ms": None,
        "latency_p99_ms": None,
        "non_2xx": 0,
        "socket_errors": 0,
    }
    try:
        with open(os.devnull, "w") as sink:
            stdout, sys.stdout = sys.stdout, sink
            try:
                bench.main(
                    [
                        "--scale",
                        "0",
                        "--repeats",
                        str(repeats),
                        "--duration",
                        str(duration),
                        "--reloads",
                        "1",
                    ]
                )
            finally:
                sys.stdout = stdout
    finally:
        bench.render_nginx_config, bench.NginxProcess.start, bench.run_wrk = render, start, run_wrk
    summary: dict[str, Any] = {}
    for key, results in runs.items():
        middle = sorted(results, key=lambda r: r["requests_per_second"])[len(results) // 2]
        summary[key] = {
            "requests_per_second": middle["requests_per_second"],
            "latency_p99_ms": middle["latency_p99_ms"],
            "cpu_ms_per_1k_requests_median": {
                k: statistics.median(r["cpu_ms_per_1k_requests"].get(k, 0.0) for r in results)
                for k in results[0]["cpu_ms_per_1k_requests"]
            },
        }
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--duration", type=float, default=4)
    parser.add_argument("variants", nargs="*", default=list(VARIANTS))
    args = parser.parse_args()
    report = {v: run_variant(v, args.repeats, args.duration) for v in args.variants}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
