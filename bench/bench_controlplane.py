"""Control-plane benchmark on the embedded stack; prints one JSON document.

Scenarios (each measured from the first Lattice call until no execution runs), on a stack
that has already reconciled once:
- onboarding: one new service, published by the executions its CloudTrail events start;
- burst: 100 services created back to back;
  for both, `first_event_to_published_seconds`: from the first Lattice call until every new
  name is published (its record in both zones and its route in the current config);
- noop_reconcile: a manual reconcile `{}` of 5,000 already-published services, which must
  write nothing (publishing them first is reported as `initial_reconcile`).

AWS API calls are counted where AWS would count them: at the emulator, by a WSGI
middleware that names each request's operation from the botocore model. Calls the benchmark
itself makes (creating Lattice services, reading results) use their own access key and are
left out, so the numbers are what the stack spends.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from embedded_aws.compat import cloudtrail
from embedded_aws.compat.faults import (
    buffered_request,
    credential_scope,
    match_operation,
)
from embedded_aws.executions import run_execution, wait_idle
from embedded_aws.serve import LocalStack
from embedded_aws.server import EmbeddedAws

DRIVER_ACCESS_KEY = "AKIABENCHMARKDRIVER0"
WRITE_PREFIXES = ("Create", "Put", "Change", "Update", "Delete", "Copy", "Publish", "Start")
NOT_WRITES = ("StartExecution",)  # counted apart: executions are the unit of work
# SigV4 signing name -> botocore service
SIGNING_NAMES = {"states": "stepfunctions", "tagging": "resourcegroupstaggingapi"}
IDLE_BOUND_SECONDS = 1800.0
PUBLISHED_POLL_SECONDS = 0.5
_CREDENTIAL = re.compile(r"Credential=([^/]+)/")


class BenchmarkError(RuntimeError):
    """The stack did not settle within the bound."""


class ApiCallCounter:
    """WSGI middleware: operation name -> calls, for every request not made by the driver."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.calls)

    def middleware(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            key = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
            if key is None or key.group(1) != DRIVER_ACCESS_KEY:
                name = self._operation(environ)
                if name is not None:
                    with self._lock:
                        self.calls[name] += 1
            return app(environ, start_response)

        return counted

    @staticmethod
    def _operation(environ: dict[str, Any]) -> str | None:
        scope = credential_scope(environ)  # (region, signing name)
        if scope is None:
            return None  # unsigned: local control endpoints, not AWS calls
        service = SIGNING_NAMES.get(scope[1], scope[1])
        try:
            request, _ = buffered_request(environ)
            operation, _ = match_operation(service, request)
        except Exception:  # noqa: BLE001 - an unnamed call is still a call
            return f"{service}:{environ.get('REQUEST_METHOD', '?')}"
        return f"{service}:{operation.name}"


def is_write(operation: str) -> bool:
    name = operation.split(":", 1)[1]
    return name.startswith(WRITE_PREFIXES) and name not in NOT_WRITES


class Driver:
    """The benchmark's own calls, under their own access key."""

    def __init__(self, embedded: EmbeddedAws, outputs: dict[str, str]) -> None:
        self.embedded = embedded
        self.outputs = outputs

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name=self.embedded.region,
            endpoint_url=self.embedded.endpoint,
            aws_access_key_id=DRIVER_ACCESS_KEY,
            aws_secret_access_key="benchmark",
            config=Config(retries={"mode": "standard"}, max_pool_connections=32),
        )

    def create_services(self, names: list[str], domain: str) -> None:
        lattice = self.client("vpc-lattice")
        for name in names:
            service_id = lattice.create_service(name=name, customDomainName=f"{name}.{domain}")[
                "id"
            ]
            lattice.create_service_network_service_association(
                serviceIdentifier=service_id,
                serviceNetworkIdentifier=self.outputs["ServiceNetworkId"],
            )

    def wait_idle(self) -> None:
        wait_idle(
            self.client("stepfunctions"),
            self.outputs["StateMachineArn"],
            bound_seconds=IDLE_BOUND_SECONDS,
            flush=cloudtrail.wait_for_delivery,
            timeout_error=BenchmarkError,
        )

    def reconcile(self) -> dict[str, Any]:
        description = run_execution(
            self.client("stepfunctions"),
            self.outputs["StateMachineArn"],
            {},
            bound_seconds=IDLE_BOUND_SECONDS,
            timeout_error=BenchmarkError,
        )
        if description["status"] != "SUCCEEDED":
            arn = description["executionArn"]
            raise BenchmarkError(f"{arn}: {description.get('error')} {description.get('cause')}")
        return dict(json.loads(description["output"]))

    def executions(self) -> int:
        pages = (
            self.client("stepfunctions")
            .get_paginator("list_executions")
            .paginate(stateMachineArn=self.outputs["StateMachineArn"])
        )
        return sum(len(page["executions"]) for page in pages)

    def config_versions(self) -> int:
        pages = (
            self.client("s3")
            .get_paginator("list_object_versions")
            .paginate(
                Bucket=self.outputs["ConfigBucketName"], Prefix=self.outputs["ConfigObjectKey"]
            )
        )
        return sum(
            1
            for page in pages
            for version in page.get("Versions", [])
            if version["Key"] == self.outputs["ConfigObjectKey"]
        )

    def published(self, domains: list[str]) -> bool:
        """Every domain has its record in both zones and its route in the current config."""
        wanted = {domain.lower() for domain in domains}
        route53 = self.client("route53")
        for zone in ("ConsumerHostedZoneId", "ProxyHostedZoneId"):
            names = {
                record["Name"].rstrip(".").lower()
                for page in route53.get_paginator("list_resource_record_sets").paginate(
                    HostedZoneId=self.outputs[zone]
                )
                for record in page["ResourceRecordSets"]
                if record["Type"] in ("CNAME", "A")
            }
            if not wanted <= names:
                return False
        try:
            body = self.client("s3").get_object(
                Bucket=self.outputs["ConfigBucketName"], Key=self.outputs["ConfigObjectKey"]
            )["Body"]
        except self.client("s3").exceptions.NoSuchKey:
            return False
        config = body.read().decode("utf-8")
        return all(domain in config for domain in wanted)

    def wait_published(self, domains: list[str]) -> None:
        deadline = time.monotonic() + IDLE_BOUND_SECONDS
        while not self.published(domains):
            if time.monotonic() > deadline:
                bound = IDLE_BOUND_SECONDS
                raise BenchmarkError(f"{len(domains)} names not published within {bound} s")
            time.sleep(PUBLISHED_POLL_SECONDS)

    def set_event_rule(self, enabled: bool) -> None:
        """Turn the CloudTrail rule off while seeding thousands of services."""
        events = self.client("events")
        for name in events.list_rule_names_by_target(TargetArn=self.outputs["StateMachineArn"])[
            "RuleNames"
        ]:
            rule = events.describe_rule(Name=name)
            if "EventPattern" in rule:
                (events.enable_rule if enabled else events.disable_rule)(Name=name)


def measure(
    counter: ApiCallCounter,
    driver: Driver,
    action: Callable[[], Any],
    published: list[str] | None = None,
) -> tuple[dict[str, Any], Any]:
    """Run `action` and wait until no execution runs; with `published` (domains), also time
    the first call until all of them are published (polled every PUBLISHED_POLL_SECONDS)."""
    calls_before, executions_before = counter.snapshot(), driver.executions()
    versions_before = driver.config_versions()
    started = time.monotonic()
    result = action()
    action_seconds = round(time.monotonic() - started, 2)
    latency = None
    if published is not None:
        driver.wait_published(published)
        latency = round(time.monotonic() - started, 2)
    driver.wait_idle()
    wall = time.monotonic() - started
    calls = counter.snapshot() - calls_before
    report = {
        "wall_seconds": round(wall, 2),
        "first_event_to_published_seconds": latency,
        # How long the Lattice calls themselves took (the last event is at most this late).
        "action_seconds": action_seconds,
        "aws_api_calls": sum(calls.values()),
        # The no-op budget (at most 130) counts every call but the Lambda invokes.
        "aws_api_calls_without_lambda_invoke": sum(calls.values()) - calls.get("lambda:Invoke", 0),
        # Writes to what clients see (records, config, fleet) vs the run's own bookkeeping
        # (lease item, catalog object, notifications).
        "published_state_writes": calls.get("route53:ChangeResourceRecordSets", 0)
        + (driver.config_versions() - versions_before)
        + calls.get("ecs:UpdateService", 0),
        "writes": sum(n for op, n in calls.items() if is_write(op)),
        "writes_by_operation": {op: n for op, n in sorted(calls.items()) if is_write(op)},
        "route53_change_batches": calls.get("route53:ChangeResourceRecordSets", 0),
        "config_versions": driver.config_versions() - versions_before,
        "rollouts": calls.get("ecs:UpdateService", 0),
        "executions": driver.executions() - executions_before,
        "calls_by_operation": dict(sorted(calls.items())),
    }
    return report, result


def run(template: Path | None, services: int, burst: int, noop_runs: int = 3) -> dict[str, Any]:
    counter = ApiCallCounter()
    embedded = EmbeddedAws()
    embedded.add_middleware(counter.middleware)
    embedded.start()
    stack = LocalStack(template=template, embedded=embedded)
    try:
        outputs = stack.start()
        assert stack.fixtures is not None
        domain = stack.fixtures.domain
        driver = Driver(embedded, outputs)
        driver.wait_idle()
        # Settle first, as a deployed stack would be: the first run on a fresh stack also
        # publishes the initial (empty) config, which is not part of onboarding a service.
        driver.reconcile()
        driver.wait_idle()
        results: dict[str, Any] = {}

        results["onboarding"], _ = measure(
            counter,
            driver,
            lambda: driver.create_services(["bench-onboard"], domain),
            published=[f"bench-onboard.{domain}"],
        )
        burst_names = [f"bench-burst-{i:03d}" for i in range(burst)]
        results[f"burst_{burst}"], _ = measure(
            counter,
            driver,
            lambda: driver.create_services(burst_names, domain),
            published=[f"{name}.{domain}" for name in burst_names],
        )

        driver.set_event_rule(enabled=False)
        seeded = services - 1 - burst
        started = time.monotonic()
        driver.create_services([f"bench-bulk-{i:05d}" for i in range(seeded)], domain)
        seed_seconds = round(time.monotonic() - started, 2)
        cloudtrail.wait_for_delivery()  # the seeding's events must meet the disabled rule
        driver.set_event_rule(enabled=True)
        results["initial_reconcile"], output = measure(counter, driver, driver.reconcile)
        results["initial_reconcile"]["service_count"] = output.get("serviceCount")
        results["initial_reconcile"]["seed_seconds"] = seed_seconds
        runs = []
        for _ in range(noop_runs):
            run_report, output = measure(counter, driver, driver.reconcile)
            run_report["service_count"] = output.get("serviceCount")
            runs.append(run_report)
        # The median run by calls (the counts of a no-op pass do not depend on timing).
        results["noop_reconcile"] = sorted(runs, key=lambda r: r["aws_api_calls"])[len(runs) // 2]
        results["noop_reconcile"]["runs"] = [
            {k: r[k] for k in ("aws_api_calls_without_lambda_invoke", "writes", "wall_seconds")}
            for r in runs
        ]
        return {"benchmark": "controlplane", "services": services, "scenarios": results}
    finally:
        stack.stop()
        embedded.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=5000, help="catalog size for the no-op")
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--template", type=Path, help="template (default: the repo's)")
    parser.add_argument("--noop-runs", type=int, default=3, help="no-op passes (median reported)")
    args = parser.parse_args(argv)
    if args.services < args.burst + 1:
        parser.error("--services must exceed --burst")
    # The handlers run in this process and log to stdout: keep stdout for the JSON alone.
    with contextlib.redirect_stdout(sys.stderr):
        result = run(args.template, args.services, args.burst, args.noop_runs)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
