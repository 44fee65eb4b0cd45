"""Routes before names: a zone's plan split by when it may be applied.

Names are withdrawn before the proxies stop serving their routes, and published only after
the proxies serve them (statemachines/reconcile.asl.json: WithdrawAndProxyZone before the
rollout, PublishNames after it). The withdraw phase applies the deletions only; the publish
phase applies the whole plan (by then only creations and updates remain)."""

from __future__ import annotations

from lattice_ingress.models.dns import PlannedAction, ZonePlan


def withdrawals_only(plan: ZonePlan) -> ZonePlan:
    """The deletions of `plan`: every other verdict waits for the publish phase."""
    withdrawn = {e.name for e in plan.entries if e.action is PlannedAction.DELETE}
    return plan.model_copy(
        update={
            "entries": tuple(e for e in plan.entries if e.name in withdrawn),
            "groups": tuple(g for g in plan.groups if g.name in withdrawn),
        }
    )
