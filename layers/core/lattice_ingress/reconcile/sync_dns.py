"""Converge one zone's owned records to the catalog (or, in a dry run, only plan it)."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from lattice_ingress.adapters import route53
from lattice_ingress.adapters.clients import client
from lattice_ingress.adapters.s3_store import get_catalog, put_json
from lattice_ingress.adapters.secrets import stack_ownership
from lattice_ingress.logic.batching import batch_groups, flatten, isolate_refused
from lattice_ingress.logic.dns_phases import publishes, withdrawals_only
from lattice_ingress.logic.dns_plan import plan_zone
from lattice_ingress.logic.dns_records import RecordMode, consumer_records, proxy_records
from lattice_ingress.logic.names import normalise_zone_name
from lattice_ingress.models.catalog import Catalog, S3ObjectRef
from lattice_ingress.models.dns import ChangeGroup, PlannedAction, ZonePlan
from lattice_ingress.models.errors import InvalidChangeBatchError, SettingsError
from lattice_ingress.models.requests import SyncDnsRequest
from lattice_ingress.models.results import SyncDnsResult
from lattice_ingress.observability import MetricName, logger, metrics
from lattice_ingress.reconcile.fencing import fence
from lattice_ingress.settings import Settings

INLINE_CONFLICTS = 100
_CHANGES = (PlannedAction.CREATE, PlannedAction.UPDATE, PlannedAction.DELETE)


def sync_dns(request: SyncDnsRequest, settings: Settings, invocation_id: str) -> SyncDnsResult:
    """`invocation_id` names the S3 object of a plan too large to return inline."""
    settings.require(
        "consumer_zone_id",
        "proxy_zone_id",
        "consumer_target_dns",
        "owner_id",
        "ownership_secret_arn",
    )
    zone_id = settings.zone_id(request.zone)
    catalog = get_catalog(client("s3"), request.catalog)
    plan = build_plan(settings, request.zone, zone_id, catalog)
    # `complete`: this result is the zone's whole plan (no publish phase needed).
    complete = not (request.withdraw_only and publishes(plan))
    if not complete:
        plan = withdrawals_only(plan)
    batches = batch_groups(plan.groups)
    if not request.dry_run and batches:
        comment = f"lattice-ingress {settings.owner_id}"
        refused: dict[str, str] = {}
        for batch in batches:
            fence(settings, request.holder)  # a run that lost the lease writes no batch
            refused.update(isolate_refused(batch, lambda groups: _apply(zone_id, groups, comment)))
        plan = without_refused(plan, refused)
    return report(settings, request, zone_id, plan, len(batches), invocation_id, complete)


def _apply(zone_id: str, groups: list[ChangeGroup], comment: str) -> str | None:
    """One ChangeResourceRecordSets; Route 53's reason if it refused the batch (then nothing
    of it was applied). Every other failure propagates to the state machine."""
    try:
        route53.apply_batches(client("route53"), zone_id, [flatten(groups)], comment)
    except InvalidChangeBatchError as exc:
        logger.warning(
            "change batch refused",
            extra={"zoneId": zone_id, "names": len(groups), "detail": exc.detail},
        )
        return exc.detail
    return None


def without_refused(plan: ZonePlan, refused: dict[str, str]) -> ZonePlan:
    """The plan as applied: each name Route 53 refused becomes a rejected entry with its
    reason, and its changes leave the plan (nothing of them was written)."""
    if not refused:
        return plan
    entries = tuple(
        entry.model_copy(
            update={
                "action": PlannedAction.REJECTED,
                "reason": f"Route 53 refused the change: {refused[entry.name]}",
            }
        )
        if entry.name in refused and entry.action in _CHANGES
        else entry
        for entry in plan.entries
    )
    groups = tuple(group for group in plan.groups if group.name not in refused)
    return plan.model_copy(update={"entries": entries, "groups": groups})


def build_plan(settings: Settings, zone: str, zone_id: str, catalog: Catalog) -> ZonePlan:
    existing = route53.list_records(client("route53"), zone_id)
    # The listing starts at the zone's apex SOA, which names the zone: no GetHostedZone call
    # (part of the no-op budget, README "Benchmarks").
    zone_name = route53.zone_name_from_records(existing) or route53.zone_name(
        client("route53"), zone_id
    )
    configured = normalise_zone_name(settings.zone_name(zone))
    if configured and configured != zone_name:
        # IAM only allows writes under the configured name: fail naming the parameter
        # rather than with an AccessDenied on the first batch.
        raise SettingsError(
            f"hosted zone {zone_id} is {zone_name!r}, but the stack's {zone} zone name "
            f"parameter says {configured!r}"
        )
    mode = RecordMode(settings.record_type)
    if zone == "consumer":
        desired, rejects = consumer_records(
            catalog.services,
            zone_name,
            settings.consumer_target_dns,
            settings.consumer_target_zone_id,
            mode,
            dualstack=settings.nlb_dualstack,
        )
    else:
        desired, rejects = proxy_records(catalog.services, zone_name, mode)
    return plan_zone(zone, stack_ownership(settings), desired, existing, rejects)


def report(
    settings: Settings,
    request: SyncDnsRequest,
    zone_id: str,
    plan: ZonePlan,
    batches: int,
    invocation_id: str,
    complete: bool,
) -> SyncDnsResult:
    """Changes, conflicts and rejections, logged and counted; the plan inline when small,
    otherwise in S3 next to the catalog (a Lambda result must stay far below 256 KB)."""
    summary = {action.value: len(plan.entries_with(action)) for action in PlannedAction}
    changes = [entry for entry in plan.entries if entry.action in _CHANGES]
    conflicts = plan.entries_with(PlannedAction.CONFLICT)
    rejected = plan.entries_with(PlannedAction.REJECTED)
    for entry in conflicts + rejected:
        logger.warning("name not published", extra={"entry": entry.model_dump(by_alias=True)})
    written = 0 if request.dry_run else sum(len(group.changes) for group in plan.groups)
    metrics.add_metric(MetricName.DNS_CHANGES, MetricUnit.Count, written)
    metrics.add_metric(MetricName.DNS_CONFLICTS, MetricUnit.Count, len(conflicts))
    metrics.add_metric(MetricName.REJECTED_NAMES, MetricUnit.Count, len(rejected))
    logger.info("zone synced", extra={"zone": request.zone, "dryRun": request.dry_run, **summary})

    listed = changes + conflicts + rejected
    plan_ref = None
    if len(listed) > settings.plan_inline_limit:
        plan_ref = S3ObjectRef(
            bucket=request.catalog.bucket,
            # Catalogs are shared by every run that sees the same desired state; the plan
            # is this run's, so its key names this invocation.
            key=request.catalog.key.removesuffix(".json")
            + f".{request.zone}-plan-{invocation_id}.json",
        )
        put_json(client("s3"), plan_ref, [e.model_dump(mode="json", by_alias=True) for e in listed])
    return SyncDnsResult(
        zone=request.zone,
        zone_id=zone_id,
        dry_run=request.dry_run,
        summary=summary,
        plan=None if plan_ref else listed,
        plan_ref=plan_ref,
        changed=0 if request.dry_run else len(changes),
        batches=batches,
        conflicts=conflicts[:INLINE_CONFLICTS],
        conflict_count=len(conflicts),
        rejected=rejected[:INLINE_CONFLICTS],
        complete=complete,
    )
