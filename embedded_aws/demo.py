"""`lattice-ingress local demo` (what `make demo` runs): the main job, end to end.

Starts the embedded stack from template.yaml (with the local data plane when it and nginx
are available), creates a few VPC Lattice services - two good ones, one whose custom domain
is not a valid host name, one outside the hosted zones, one whose name already has a record
the stack does not own - waits for the executions the CloudTrail events start, and prints
what was published in each zone and in the NGINX config, and what was not and why. With the
data plane it also sends requests through the proxy (PROXY protocol) and shows who answered:
plain HTTP routed by Host, and TLS passed through by SNI, the client verifying the backend's
certificate against the stand-ins' CA.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import json
import logging
import socket
import ssl
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedded_aws.dataplane.nginx_process import find_nginx
from embedded_aws.executions import run_execution, wait_idle
from embedded_aws.serve import LocalStack

EXECUTIONS_BOUND_SECONDS = 90.0
REGISTRY_PREFIX = "_lattice-ingress."
DEFAULT_LOG = Path(".local-stack/demo.log")
CLIENT_ADDRESS = "127.0.0.2"  # inside the local allow-list (127.0.0.0/8)
FOREIGN_TARGET = "old-datacenter.example.net"


Say = Callable[..., None]


class DemoError(RuntimeError):
    """The demo could not complete (the stack did not settle in time)."""


@dataclass(frozen=True)
class DemoService:
    name: str
    label: str  # left part of the custom domain, or a full domain when `absolute`
    note: str
    absolute: bool = False

    def domain(self, zone_domain: str) -> str:
        return self.label if self.absolute else f"{self.label}.{zone_domain}"


SERVICES = (
    DemoService("orders", "orders", "valid name: published"),
    DemoService("payments", "payments", "valid name: published"),
    DemoService("pay-roll", "pay_roll", "not a valid host name: rejected"),
    DemoService("inventory", "inventory.other-domain.test", "outside the zones", absolute=True),
    DemoService("legacy", "legacy", "name already has a foreign record: conflict"),
)
CONFLICTING = "legacy"


# -- waiting -----------------------------------------------------------------------------------
def _cloudtrail_flush() -> Callable[[], None]:
    try:
        from embedded_aws.compat import cloudtrail
    except ModuleNotFoundError:
        return lambda: None
    return cloudtrail.wait_for_delivery


# -- reading what was published ----------------------------------------------------------------
def zone_records(route53: Any, zone_id: str, names: set[str]) -> list[tuple[str, str, str]]:
    """(name, type, target) of the demo names in a zone, ownership TXT records left out."""
    rows: list[tuple[str, str, str]] = []
    for page in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
        for record in page["ResourceRecordSets"]:
            name = record["Name"].rstrip(".").lower()
            if name not in names or name.startswith(REGISTRY_PREFIX):
                continue
            if "AliasTarget" in record:
                rows.append((name, "ALIAS", record["AliasTarget"]["DNSName"].rstrip(".")))
            else:
                values = ", ".join(r["Value"] for r in record.get("ResourceRecords", []))
                rows.append((name, record["Type"], values.rstrip(".")))
    return sorted(rows)


def not_published(output: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, why) for every rejected name and conflict in an execution output."""
    rows = [(r["domain"], f"rejected: {r['reason']}") for r in output.get("rejected", [])]
    for zone in output.get("zones", []):
        rows += [
            (e["name"], f"{zone['zone']} zone: rejected: {e.get('reason')}")
            for e in zone.get("rejected", [])
        ]
        rows += [
            (e["name"], f"{zone['zone']} zone: conflict: {e.get('reason')}")
            for e in zone.get("conflicts", [])
        ]
    return sorted(set(rows))


# -- through the proxy ---------------------------------------------------------------------------
def proxy_header(port: int) -> bytes:
    """PROXY protocol v1 from an allowed client, as the NLB would send (v2 there)."""
    return f"PROXY TCP4 {CLIENT_ADDRESS} 127.0.0.1 50000 {port}\r\n".encode()


def http_get(host: str) -> bytes:
    return f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()


def read_all(conn: socket.socket) -> str:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def served_by(response: str) -> tuple[str, str | None]:
    """(status line, the stand-in's X-Served-By) of an HTTP response."""
    lines = response.split("\r\n")
    for line in lines:
        if line.lower().startswith("x-served-by:"):
            return lines[0], line.split(":", 1)[1].strip()
    return lines[0], None


def ask_proxy(port: int, host: str, timeout: float = 5.0) -> str:
    """One plain HTTP request behind a PROXY header; NGINX routes it by Host."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
            conn.sendall(proxy_header(port) + http_get(host))
            response = read_all(conn)
    except OSError as exc:
        return f"connection failed ({exc.__class__.__name__})"
    if not response:
        return "refused: connection closed without an answer (not published)"
    status, service = served_by(response)
    return f"answered by service '{service}' ({status})" if service else f"not forwarded ({status})"


def ask_proxy_tls(port: int, host: str, cafile: Path, timeout: float = 5.0) -> str:
    """PROXY header in clear, then TLS with SNI = host, verified against the stand-ins' CA.

    NGINX only peeks at the SNI and passes the bytes through, so a verified handshake
    proves the client reached the named backend itself, not a proxy holding its key.
    """
    context = ssl.create_default_context(cafile=str(cafile))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
            conn.sendall(proxy_header(port))
            with context.wrap_socket(conn, server_hostname=host) as tls:
                # Session details first: they are unreadable once the backend has closed.
                version = tls.version()
                certificate = certificate_name(tls.getpeercert() or {}, host)
                tls.sendall(http_get(host))
                response = read_all(tls)
    except ssl.SSLCertVerificationError as exc:
        return f"certificate NOT verified ({exc.verify_message})"
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError):
        return "refused: closed without a handshake (not published)"
    except OSError as exc:  # ssl.SSLError and timeouts included
        return f"connection failed ({exc.__class__.__name__}: {exc})"
    status, service = served_by(response)
    if service is None:
        return f"handshake verified, but not answered by a stand-in ({status})"
    version_text = (version or "TLS").replace("TLSv", "TLS ")
    return f"answered by service '{service}' ({version_text}, certificate for {certificate})"


def certificate_name(peer: dict[str, Any], host: str) -> str:
    """The certificate name that matched the SNI (verification passed, so one did)."""
    names = [value for kind, value in peer.get("subjectAltName", ()) if kind == "DNS"]
    return next((n for n in names if n.lower() == host.lower()), ", ".join(names) or "?")


def dataplane_available() -> bool:
    if find_nginx() is None:
        return False
    try:
        module = importlib.import_module("embedded_aws.dataplane")
    except ModuleNotFoundError:
        return False
    return hasattr(module, "LocalDataPlane")


# -- the demo -----------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    say: Say = functools.partial(print, file=sys.stdout, flush=True)
    with_dataplane = not args.no_dataplane and dataplane_available()
    # Request logs of the emulator and the ASL interpreter's own error lines are noise here.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    # The handlers' Tracer patches botocore process-wide; outside an X-Ray segment every
    # SDK call of this process would warn that its subsegment was discarded.
    logging.getLogger("aws_xray_sdk").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    args.log.parent.mkdir(parents=True, exist_ok=True)
    # The handlers run in this process: their JSON logs and EMF metrics go to a file, so
    # the terminal shows only the summary.
    with args.log.open("w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        stack = LocalStack(template=args.template, dataplane=with_dataplane)
        outputs = stack.start()
        try:
            print_summary(say, stack, outputs, with_dataplane)
        finally:
            stack.stop()
    say(f"\nLambda logs and metrics: {args.log}")
    say(f"Demo finished in {time.monotonic() - started:.1f}s.")
    return 0


def print_summary(
    say: Say, stack: LocalStack, outputs: dict[str, str], with_dataplane: bool
) -> None:
    if stack.fixtures is None:
        raise DemoError("the local stack has no account fixtures")
    embedded, domain = stack.embedded, stack.fixtures.domain
    lattice, route53 = embedded.client("vpc-lattice"), embedded.client("route53")
    sfn, s3 = embedded.client("stepfunctions"), embedded.client("s3")
    machine = outputs["StateMachineArn"]
    flush = _cloudtrail_flush()
    say(f"Embedded AWS at {outputs['Endpoint']} - stack deployed from template.yaml")
    say(f"Data plane: {'local NGINX' if with_dataplane else 'not started'}\n")

    # A record the stack does not own sits where one service wants its name.
    legacy = next(s for s in SERVICES if s.name == CONFLICTING).domain(domain)
    route53.change_resource_record_sets(
        HostedZoneId=outputs["ConsumerHostedZoneId"],
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": legacy,
                        "Type": "CNAME",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": FOREIGN_TARGET}],
                    },
                }
            ]
        },
    )
    say(f"Pre-existing record (not ours): {legacy} CNAME {FOREIGN_TARGET}\n")
    # The stack's own convergence pass (run at create) comes first; it is not counted below.
    wait_idle(
        sfn,
        machine,
        bound_seconds=EXECUTIONS_BOUND_SECONDS,
        flush=flush,
        timeout_error=DemoError,
    )
    before = {e["executionArn"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]}
    say(f"Creating VPC Lattice services in {outputs['ServiceNetworkId']}:")
    for service in SERVICES:
        created = lattice.create_service(name=service.name, customDomainName=service.domain(domain))
        lattice.create_service_network_service_association(
            serviceIdentifier=created["id"],
            serviceNetworkIdentifier=outputs["ServiceNetworkId"],
        )
        say(f"  {service.name:<10} {service.domain(domain):<45} ({service.note})")

    wait_idle(
        sfn,
        machine,
        bound_seconds=EXECUTIONS_BOUND_SECONDS,
        flush=flush,
        timeout_error=DemoError,
    )
    executions = [
        e
        for e in sfn.list_executions(stateMachineArn=machine)["executions"]
        if e["executionArn"] not in before
    ]
    by_status: dict[str, int] = {}
    for execution in executions:
        by_status[execution["status"]] = by_status.get(execution["status"], 0) + 1
    say(f"\nExecutions started by CloudTrail events: {len(executions)} {by_status}")

    # A manual reconcile finds nothing left to do and reports what stays unpublished.
    final = run_execution(
        sfn, machine, {}, bound_seconds=EXECUTIONS_BOUND_SECONDS, timeout_error=DemoError
    )
    if final["status"] != "SUCCEEDED":
        raise DemoError(f"manual reconcile {final['status']}: {final.get('cause')}")
    output = json.loads(final["output"])
    names = {s.domain(domain) for s in SERVICES}
    for label, key in (("Consumer", "ConsumerHostedZoneId"), ("Proxy", "ProxyHostedZoneId")):
        say(f"\n{label} zone {domain} ({outputs[key]}):")
        for name, record_type, target in zone_records(route53, outputs[key], names):
            owner = "  (foreign, left alone)" if target == FOREIGN_TARGET else ""
            say(f"  {name:<45} {record_type:<5} -> {target}{owner}")

    config = s3.get_object(Bucket=outputs["ConfigBucketName"], Key=outputs["ConfigObjectKey"])
    text = config["Body"].read().decode("utf-8")
    in_config = sorted(name for name in names if name in text)
    say(
        f"\nNGINX config s3://{outputs['ConfigBucketName']}/{outputs['ConfigObjectKey']}"
        f" (version {config.get('VersionId')}): {len(in_config)} services"
    )
    for name in in_config:
        say(f"  {name}")

    say("\nNot published, and why:")
    for name, why in not_published(output):
        say(f"  {name:<45} {why}")
    say(
        f"\nManual reconcile afterwards: {output.get('result')}; config changed: "
        f"{output.get('config', {}).get('changed')}; rollout: "
        f"{output.get('rollout', {}).get('state')}"
    )

    if with_dataplane:
        hosts = [service.domain(domain) for service in SERVICES]
        say_through_proxy(say, outputs, hosts, stack.dataplane.ca_path)


def say_through_proxy(say: Say, outputs: dict[str, str], hosts: list[str], cafile: Path) -> None:
    if outputs.get("ProxyHttpPort"):
        port = int(outputs["ProxyHttpPort"])
        say(f"\nThrough the proxy (HTTP port {port}, PROXY protocol from {CLIENT_ADDRESS}):")
        for host in hosts:
            say(f"  Host: {host:<45} {ask_proxy(port, host)}")
    if outputs.get("ProxyTlsPort"):
        port = int(outputs["ProxyTlsPort"])
        say(
            f"\nThrough the proxy (TLS port {port}, PROXY protocol from {CLIENT_ADDRESS}, "
            "by SNI, certificate verified end to end):"
        )
        for host in hosts:
            say(f"  SNI {host:<47} {ask_proxy_tls(port, host, cafile)}")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    parser = subparsers.add_parser(
        "demo",
        help="create a few Lattice services on the embedded stack and show what was published",
        description="The main job end to end on the embedded stack; finishes by itself.",
    )
    parser.add_argument(
        "--no-dataplane", action="store_true", help="skip the local NGINX data plane"
    )
    parser.add_argument("--template", type=Path, help="template (default: the repo's)")
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG, help="Lambda log file")
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    try:
        return run(args)
    except DemoError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
