"""Fleet feedback latency (reload mode): from a new config version in S3 to the task's
report that it serves it, on the embedded S3 with real NGINX running nginx/entrypoint.sh.

One proxy task (ConfigPollSeconds 1 s, serve's check every 1 s, as the local stack runs
it); `--versions` (5) configs published one after another, each timed from PutObject to
the moment fleet/<task id>.json names that version as served. Repeated `--repeats` (3)
times; the median of the runs' medians is reported, with every run's figures, as JSON.
The figure bounds what a reload-mode run waits for the fleet beyond its own steps; in AWS
add `ConfigPollSeconds` (default 15 s) instead of 1 s.

Usage: .venv/bin/python bench/bench_fleet.py [--versions 5] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "dataplane_runtime"))

from runtime_helpers import simple_config  # noqa: E402

from embedded_aws.dataplane.backends import free_port  # noqa: E402
from embedded_aws.dataplane.runner import ProxyTask, ProxyTaskSettings  # noqa: E402
from embedded_aws.server import EmbeddedAws  # noqa: E402

TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/bench/00000000000000000000000000000001"
KEY = "nginx/nginx.conf"
BOUND_SECONDS = 60.0


def served(s3: Any, bucket: str) -> str | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=f"fleet/{TASK_ARN.rsplit('/', 1)[-1]}.json")
    except s3.exceptions.NoSuchKey:
        return None
    return str(json.loads(body["Body"].read()).get("servingVersionId"))


def one_run(embedded: Any, versions: int) -> list[float]:
    s3 = embedded.client("s3")
    bucket = f"bench-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as workdir:
        port = free_port()
        s3.put_object(
            Bucket=bucket, Key=KEY, Body=simple_config(Path(workdir), port, "v0").encode()
        )
        settings = ProxyTaskSettings(
            endpoint=embedded.endpoint,
            region=embedded.region,
            bucket=bucket,
            key=KEY,
            rollout_mode="reload",
            global_directives=f"pid {workdir}/task/nginx.pid;",
            task_arn=TASK_ARN,
        )
        task = ProxyTask(settings, Path(workdir) / "task").start()
        try:
            task.wait_until_listening(port)
            latencies = []
            for n in range(1, versions + 1):
                text = simple_config(Path(workdir), port, f"v{n}")
                started = time.monotonic()
                version = s3.put_object(Bucket=bucket, Key=KEY, Body=text.encode())["VersionId"]
                while served(s3, bucket) != version:
                    if time.monotonic() - started > BOUND_SECONDS:
                        raise SystemExit(f"version {n} not reported within {BOUND_SECONDS}s")
                    time.sleep(0.05)
                latencies.append(time.monotonic() - started)
            return latencies
        finally:
            task.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    embedded = EmbeddedAws().start()
    try:
        runs = [one_run(embedded, args.versions) for _ in range(args.repeats)]
    finally:
        embedded.stop()
    medians = [statistics.median(run) for run in runs]
    print(
        json.dumps(
            {
                "command": "bench/bench_fleet.py "
                f"--versions {args.versions} --repeats {args.repeats}",
                "pollSeconds": 1,
                "watchSeconds": 1,
                "publishToReportedSeconds": {
                    "median": round(statistics.median(medians), 2),
                    "runMedians": [round(m, 2) for m in medians],
                    "max": round(max(max(run) for run in runs), 2),
                },
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
