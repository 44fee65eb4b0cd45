"""One Logger, Tracer and Metrics for every handler (Powertools; configured by the
POWERTOOLS_* environment variables the template sets).

Metrics (EMF, namespace POWERTOOLS_METRICS_NAMESPACE, unit Count):
  PublishedServices  services in the catalog (discover)
  RejectedNames      services whose custom domain was rejected (discover, sync_dns per zone)
  InProgressServices associations still CREATE_IN_PROGRESS (discover)
  DnsChanges         record changes written (sync_dns; dimension-free, zone in the log)
  DnsConflicts       names left alone because the stack does not own them (sync_dns)
  ConfigsPublished   NGINX config versions uploaded (render_config)
  RolloutsStarted    config uploads in redeploy mode, each followed by an ECS deployment
  RolloutsFailed     failed rollouts answered by restoring the previous config
  LeaseBusy          triggers that found a run in progress and queued one more pass
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths

DEFAULT_SERVICE = "lattice-ingress"
DEFAULT_NAMESPACE = "LatticeIngress"

# The environment wins (template.yaml sets it); defaults keep imports working anywhere.
_service = os.environ.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE
logger = Logger(service=_service)
tracer = Tracer(service=_service)
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE,
    service=_service,
)

# The EventBridge event id; absent on manual and state-machine inputs (no correlation id).
CORRELATION_ID_PATH = correlation_paths.EVENT_BRIDGE


class MetricName:
    PUBLISHED_SERVICES = "PublishedServices"
    REJECTED_NAMES = "RejectedNames"
    IN_PROGRESS_SERVICES = "InProgressServices"
    DNS_CHANGES = "DnsChanges"
    DNS_CONFLICTS = "DnsConflicts"
    CONFIGS_PUBLISHED = "ConfigsPublished"
    ROLLOUTS_STARTED = "RolloutsStarted"
    ROLLOUTS_FAILED = "RolloutsFailed"
    LEASE_BUSY = "LeaseBusy"
    FLEET_TASKS_BEHIND = "FleetTasksBehind"
