"""The stack's life cycle, run by two custom resources of template.yaml.

- ConfigBootstrap (before the proxy service): the fleet's first tasks need a config, and
  the first reconcile has not run yet. When the config object does not exist, publish the
  deny-all config: the renderer's output for an empty catalog (every name refused).
- StackConvergence (after everything else): every create and update of the stack ends
  with a reconcile execution, so records, allow-list and config follow new parameters
  without a manual step. When a zone id changed, the records the stack owns in the old
  zone are withdrawn first. On stack deletion, running executions are stopped and the
  owned records withdrawn from both zones (unless RetainRecordsOnDelete is "true").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lattice_ingress.adapters import route53
from lattice_ingress.adapters.clients import client
from lattice_ingress.adapters.s3_store import ConfigStore
from lattice_ingress.adapters.secrets import stack_ownership
from lattice_ingress.logic.batching import batch_changes
from lattice_ingress.logic.dns_plan import plan_zone
from lattice_ingress.logic.nginx_config import ProxyOptions, render_nginx_config
from lattice_ingress.logic.render import render_catalog
from lattice_ingress.models.catalog import Catalog
from lattice_ingress.models.errors import SettingsError
from lattice_ingress.observability import logger
from lattice_ingress.settings import Settings

_ZONE_KEYS = ("ConsumerHostedZoneId", "ProxyHostedZoneId")
_ZONE_ID = re.compile(r"^(/hostedzone/)?[A-Z0-9]{1,32}$")


def bootstrap_config(settings: Settings) -> tuple[str, dict[str, str]]:
    """Publish the deny-all config unless a config exists (an update keeps the live one;
    the convergence pass re-renders it). Returns (physical id, Data)."""
    settings.require("config_bucket", "config_key")
    store = ConfigStore(client("s3"), settings.config_bucket, settings.config_key)
    physical_id = f"s3://{settings.config_bucket}/{settings.config_key}"
    current = store.current()
    if current is not None:
        logger.info("config exists; bootstrap leaves it", extra={"versionId": current.version_id})
        return physical_id, {"Published": "false", "VersionId": current.version_id or ""}
    options = ProxyOptions(**settings.render_options())
    config = render_catalog(
        Catalog(service_network=settings.service_network_id or "none"),
        lambda routes: render_nginx_config(routes, options),
    )
    version_id = store.publish(config)
    logger.info("deny-all config published", extra={"versionId": version_id})
    return physical_id, {"Published": "true", "VersionId": version_id or ""}


def converge(event: Mapping[str, Any], settings: Settings) -> tuple[str, dict[str, str]]:
    """Create/Update: withdraw from zones that are no longer the stack's, then start a
    reconcile execution. Delete: stop executions, withdraw everything owned."""
    props = event.get("ResourceProperties") or {}
    physical_id = str(event.get("PhysicalResourceId") or f"{settings.owner_id}-convergence")
    state_machine = str(props.get("StateMachineArn") or "")
    if not state_machine:
        raise SettingsError("StateMachineArn property is required")
    request_type = event.get("RequestType")
    if request_type == "Delete":
        stopped = _stop_executions(state_machine)
        if str(props.get("RetainRecordsOnDelete", "false")).lower() == "true":
            logger.info("records retained on delete (RetainRecordsOnDelete)")
            return physical_id, {"Withdrawn": "0", "Stopped": str(stopped)}
        withdrawn = sum(withdraw_owned(_zone(props, key), settings) for key in _ZONE_KEYS)
        return physical_id, {"Withdrawn": str(withdrawn), "Stopped": str(stopped)}
    withdrawn = 0
    if request_type == "Update":
        old = event.get("OldResourceProperties") or {}
        current = {_zone(props, key) for key in _ZONE_KEYS}
        for key in _ZONE_KEYS:
            old_zone = _zone(old, key) if old.get(key) else ""
            if old_zone and old_zone not in current:
                withdrawn += withdraw_owned(old_zone, settings)
    execution = client("stepfunctions").start_execution(
        stateMachineArn=state_machine,
        input="{}",  # a full reconcile, as a manual run
    )["executionArn"]
    logger.info("convergence pass started", extra={"executionArn": execution})
    return physical_id, {"ExecutionArn": execution, "Withdrawn": str(withdrawn)}


def withdraw_owned(zone_id: str, settings: Settings) -> int:
    """Delete every record this stack provably holds in the zone (records and their
    ownership TXT), nothing else; returns the number of changes applied."""
    existing = route53.list_records(client("route53"), zone_id)
    plan = plan_zone(zone_id, stack_ownership(settings), [], existing)
    batches = batch_changes(plan.groups)
    if batches:
        comment = f"lattice-ingress {settings.owner_id}"
        route53.apply_batches(client("route53"), zone_id, batches, comment)
    changes = sum(len(batch) for batch in batches)
    logger.info("owned records withdrawn", extra={"zoneId": zone_id, "changes": changes})
    return changes


def _stop_executions(state_machine: str) -> int:
    """A run still in flight would write records again after the withdrawal."""
    sfn = client("stepfunctions")
    stopped = 0
    paginator = sfn.get_paginator("list_executions")
    for page in paginator.paginate(stateMachineArn=state_machine, statusFilter="RUNNING"):
        for execution in page.get("executions", []):
            sfn.stop_execution(
                executionArn=execution["executionArn"],
                error="StackDeleted",
                cause="the stack is being deleted",
            )
            stopped += 1
    return stopped


def _zone(props: Mapping[str, Any], key: str) -> str:
    value = str(props.get(key) or "")
    if not _ZONE_ID.match(value):
        raise SettingsError(f"{key} must be a hosted zone id, got {value!r}")
    return value.removeprefix("/hostedzone/")
