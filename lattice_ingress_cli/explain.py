"""`lattice-ingress explain DOMAIN`: why a name is or is not reachable, step by step.
Exit status 0 when it is published (both zones' records and the config route in place)."""

from __future__ import annotations

import sys

import click

from lattice_ingress.adapters import route53
from lattice_ingress.adapters.clients import client
from lattice_ingress.adapters.lattice import list_service_associations
from lattice_ingress.logic.dns_records import describe_target, parse_registry_value, registry_name
from lattice_ingress.models.dns import PlannedAction
from lattice_ingress_cli.console import console, print_json
from lattice_ingress_cli.runs import recent_runs, touched
from lattice_ingress_cli.snapshot import ZONES, Snapshot, take
from lattice_ingress_cli.stack import Stack, stack_options

RUNS_SEARCHED = 10


@click.command()
@click.argument("domain")
@stack_options
def explain(stack: Stack, as_json: bool, domain: str) -> None:
    """Why DOMAIN is or is not reachable (exit 0 if published, 1 if not)."""
    domain = domain.strip().rstrip(".").lower()
    snapshot = take(stack)
    reasons = [
        *lattice_steps(snapshot, domain),
        *validation_steps(snapshot, domain),
        *zone_steps(snapshot, domain),
        config_step(snapshot, domain),
        last_run_step(stack, domain),
    ]
    published = snapshot.published(domain)
    if as_json:
        print_json({"domain": domain, "published": published, "reasons": reasons})
    else:
        out = console()
        verdict = "published" if published else "NOT published"
        out.print(f"{domain}: {verdict}", style="bold green" if published else "bold red")
        for number, reason in enumerate(reasons, start=1):
            out.print(f"  {number}. {reason}", markup=False, highlight=False)
    sys.exit(0 if published else 1)


def lattice_steps(snapshot: Snapshot, domain: str) -> list[str]:
    network = snapshot.settings.service_network_id
    matches = [
        a
        for a in list_service_associations(client("vpc-lattice"), network)
        if (a.custom_domain_name or "").rstrip(".").lower() == domain
    ]
    if not matches:
        return [f"Lattice: no service associated with {network} has the custom domain {domain}"]
    return [
        f"Lattice: service {a.service_name or '?'} ({a.service_id}) is associated with "
        f"{network}, association {a.status}"
        for a in matches
    ]


def validation_steps(snapshot: Snapshot, domain: str) -> list[str]:
    rejected = [r for r in snapshot.catalog.rejected if r.domain == domain]
    if rejected:
        return [f"validation: rejected, {r.reason} ({r.service_id})" for r in rejected]
    if any(s.domain == domain for s in snapshot.catalog.services):
        return ["validation: valid, in the catalog"]
    return ["validation: not in the catalog (no ACTIVE association with this custom domain)"]


def zone_steps(snapshot: Snapshot, domain: str) -> list[str]:
    steps = []
    for zone in ZONES:
        zone_id = snapshot.settings.zone_id(zone)
        records = [
            r
            for r in route53.list_records(client("route53"), zone_id)
            if r.name in (domain, registry_name(domain))
        ]
        found = [f"{r.type} {describe_target(r)}" for r in records if r.type != "TXT"]
        owners = [
            parse_registry_value(value).get("owner", "?")
            for r in records
            if r.type == "TXT" and r.name == registry_name(domain)
            for value in r.values
        ]
        held = ", ".join(found) or "no record"
        owner = f"owner {', '.join(owners)}" if owners else "no ownership marker"
        entry = next((e for e in snapshot.entries(domain) if e.zone == zone), None)
        verdict = _verdict(entry.action, entry.reason) if entry else "the stack plans nothing"
        steps.append(f"{zone} zone {zone_id}: {held}; {owner}; {verdict}")
    return steps


def _verdict(action: PlannedAction, reason: str | None) -> str:
    verdicts = {
        PlannedAction.UNCHANGED: "in place",
        PlannedAction.CREATE: "missing, the next pass creates it",
        PlannedAction.UPDATE: "out of date, the next pass updates it",
        PlannedAction.DELETE: "no longer wanted, the next pass deletes it",
    }
    return verdicts.get(action) or f"{action.value}: {reason}"


def config_step(snapshot: Snapshot, domain: str) -> str:
    config = snapshot.config
    if config is None:
        return "config: no config is published yet"
    version = config.version_id or "unversioned"
    current = config.routes.get(domain)
    wanted = snapshot.catalog.routes().get(domain)
    if current is None:
        return f"config version {version}: no route for {domain}"
    if wanted is None:
        return f"config version {version}: routes {domain} -> {current}, no longer wanted"
    if current != wanted:
        return f"config version {version}: routes {domain} -> {current}, wanted {wanted}"
    return f"config version {version}: routes {domain} -> {current}"


def last_run_step(stack: Stack, domain: str) -> str:
    for run in recent_runs(stack.output("StateMachineArn"), RUNS_SEARCHED):
        if touched(run.arn, domain):
            return f"last run naming it: {run.name} {run.status} at {run.stopped or run.started}"
    return f"no run among the last {RUNS_SEARCHED} names it in its output"
