"""Routes before names: a zone's plan split by when it may be applied.

Names are withdrawn before the proxies stop serving their routes, and published only after
the proxies serve them (statemachines/reconcile.asl.json: SyncZones before the
rollout, PublishNames after it). The withdraw phase applies the deletions only; the publish
phase applies the whole plan (by then only creations and updates remain). A plan with nothing
to publish is applied whole by the withdraw phase, and the publish phase is skipped: a pass
that changes nothing lists the consumer zone once (the no-op budget, README "Benchmarks")."""

from __future__ import annotations

from lattice_ingress.models.dns import PlannedAction, ZonePlan


def _withdrawn(plan: ZonePlan) -> set[str]:
    return {e.name for e in plan.entries if e.action is PlannedAction.DELETE}


def publishes(plan: ZonePlan) -> bool:
    """Whether `plan` writes anything but deletions: then it needs a publish phase."""
    withdrawn = _withdrawn(plan)
    return any(group.name not in withdrawn for group in plan.groups)


def withdrawals_only(plan: ZonePlan) -> ZonePlan:
    """The deletions of `plan`: every other verdict waits for the publish phase."""
    withdrawn = _withdrawn(plan)
    return plan.model_copy(
        update={
            "entries": tuple(e for e in plan.entries if e.name in withdrawn),
            "groups": tuple(g for g in plan.groups if g.name in withdrawn),
        }
    )
