"""`lattice-ingress plan`: what the next pass would change, per zone and in the config."""

from __future__ import annotations

import click

from lattice_ingress.models.dns import PlannedAction
from lattice_ingress_cli.console import console, print_json, table
from lattice_ingress_cli.snapshot import CHANGES, ZONES, take
from lattice_ingress_cli.stack import Stack, stack_options

SIGNS = {"create": "+", "update": "~", "delete": "-"}


@click.command()
@stack_options
def plan(stack: Stack, as_json: bool) -> None:
    """A dry run: the changes a pass would make now, without making them."""
    snapshot = take(stack)
    config_name = f"s3://{snapshot.settings.config_bucket}/{snapshot.settings.config_key}"
    changes: list[dict[str, str | None]] = [
        {"domain": e.name, "zone": e.zone, "action": e.action.value, "target": e.target}
        for e in snapshot.entries()
        if e.action in CHANGES
    ]
    changes += [{**change, "config": config_name} for change in snapshot.config_changes()]
    skipped = [
        {"domain": e.name, "zone": e.zone, "action": e.action.value, "reason": e.reason}
        for e in snapshot.entries()
        if e.action in (PlannedAction.CONFLICT, PlannedAction.REJECTED)
    ]
    if as_json:
        print_json({"changes": changes, "notPublished": skipped})
        return
    out = console()
    for where in (*ZONES, "config"):
        rows = [
            (SIGNS[c["action"] or ""], c["domain"], c["target"])
            for c in changes
            if c.get("zone") == where or (where == "config" and "config" in c)
        ]
        title = config_name if where == "config" else f"{where} zone"
        if rows:
            out.print(table(title, ("", "domain", "target"), rows))
        else:
            out.print(f"{title}: no changes", markup=False)
    if skipped:
        out.print(
            table(
                "Not published",
                ("domain", "zone", "why"),
                ((s["domain"], s["zone"], f"{s['action']}: {s['reason']}") for s in skipped),
            )
        )
