"""`lattice-ingress status`: parameters, last runs, what is published, rejected, in conflict,
and the config version each proxy task serves (`fleet`)."""

from __future__ import annotations

from typing import Any

import click

from lattice_ingress.models.dns import PlannedAction
from lattice_ingress_cli.console import console, print_json, table
from lattice_ingress_cli.fleet import fleet_state
from lattice_ingress_cli.runs import recent_runs
from lattice_ingress_cli.snapshot import Snapshot, take
from lattice_ingress_cli.stack import Stack, stack_options
from lattice_ingress_cli.trail import trail_warnings


@click.command()
@click.option("--runs", "run_count", default=5, show_default=True, help="How many runs to show.")
@stack_options
def status(stack: Stack, as_json: bool, run_count: int) -> None:
    """What the stack publishes now, what it rejects and why, what conflicts."""
    warnings = trail_warnings(stack.region)
    snapshot = take(stack)
    report: dict[str, Any] = {
        "warnings": warnings,
        "parameters": parameters(snapshot),
        "runs": [run.summary() for run in recent_runs(stack.output("StateMachineArn"), run_count)],
        "config": config_state(snapshot),
        "fleet": fleet_state(
            stack,
            snapshot.settings.config_bucket,
            snapshot.config.version_id if snapshot.config else None,
        ),
        **names(snapshot),
    }
    if as_json:
        print_json(report)
        return
    out = console()
    for warning in warnings:
        out.print(f"WARNING: {warning}", style="bold yellow", markup=False)
    out.print(table("Parameters", ("parameter", "value"), report["parameters"].items()))
    out.print(
        table(
            "Last runs",
            ("name", "status", "started", "stopped", "error"),
            (run.values() for run in report["runs"]),
        )
    )
    out.print(table("Config", ("item", "value"), report["config"].items()))
    out.print(
        table(
            "Fleet (config version each proxy task serves)",
            ("task", "started by", "serving version", "current", "last decision", "reported at"),
            (
                (
                    t["taskId"],
                    t["startedBy"],
                    t["servingVersionId"],
                    "yes" if t["current"] else "NO",
                    f"{t['lastDecision']} {t['lastVersionId'] or ''}".strip(),
                    t["reportedAt"],
                )
                for t in report["fleet"]
            ),
        )
    )
    out.print(
        table(
            "Published",
            ("domain", "service", "upstream"),
            ((p["domain"], p["serviceId"], p["upstream"]) for p in report["published"]),
        )
    )
    out.print(
        table(
            "Pending",
            ("domain", "service", "waiting for"),
            ((p["domain"], p["serviceId"], p["waitingFor"]) for p in report["pending"]),
        )
    )
    out.print(
        table(
            "Rejected",
            ("domain", "service", "reason"),
            ((r["domain"], r["serviceId"], r["reason"]) for r in report["rejected"]),
        )
    )
    out.print(
        table(
            "Conflicts",
            ("domain", "zone", "reason"),
            ((c["domain"], c["zone"], c["reason"]) for c in report["conflicts"]),
        )
    )


def parameters(snapshot: Snapshot) -> dict[str, Any]:
    settings = snapshot.settings
    return {
        "service network": settings.service_network_id,
        "consumer zone": settings.consumer_zone_id,
        "proxy zone": settings.proxy_zone_id,
        "record type": settings.record_type,
        "consumer target": settings.consumer_target_dns,
        "service network endpoint": settings.service_network_endpoint_id or "",
        "allowed client CIDRs": ",".join(settings.allowed_client_cidrs),
        "rollout mode": settings.rollout_mode,
        "owner id": settings.owner_id,
    }


def config_state(snapshot: Snapshot) -> dict[str, Any]:
    config = snapshot.config
    return {
        "object": f"s3://{snapshot.settings.config_bucket}/{snapshot.settings.config_key}",
        "version": config.version_id if config else None,
        "routes": len(config.routes) if config else 0,
        "upToDate": config is not None and not snapshot.config_changes(),
    }


def names(snapshot: Snapshot) -> dict[str, list[dict[str, Any]]]:
    published: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    for service in snapshot.catalog.services:
        entry = {
            "domain": service.domain,
            "serviceId": service.service_id,
            "serviceName": service.service_name,
            "upstream": service.upstream,
        }
        if snapshot.published(service.domain):
            published.append(entry)
            continue
        waiting = [
            f"{e.zone} zone: {e.action.value}"
            for e in snapshot.entries(service.domain)
            if e.action is not PlannedAction.UNCHANGED
        ]
        if not snapshot.route_in_place(service.domain):
            waiting.append("config route")
        pending.append({**entry, "waitingFor": "; ".join(waiting)})
    rejected: list[dict[str, str | None]] = [
        {"domain": r.domain, "serviceId": r.service_id, "reason": r.reason}
        for r in snapshot.catalog.rejected
    ]
    rejected += [
        {"domain": e.name, "serviceId": e.service_id, "reason": f"{e.zone} zone: {e.reason}"}
        for e in snapshot.entries()
        if e.action is PlannedAction.REJECTED
    ]
    conflicts = [
        {"domain": e.name, "zone": e.zone, "serviceId": e.service_id, "reason": e.reason}
        for e in snapshot.entries()
        if e.action is PlannedAction.CONFLICT
    ]
    return {
        "published": published,
        "pending": pending,
        "rejected": rejected,
        "conflicts": conflicts,
    }
