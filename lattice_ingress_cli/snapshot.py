"""What a pass would see and do right now, computed with the control plane's own code
(desired_catalog, build_plan, the renderer) and read-only calls: nothing is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lattice_ingress.adapters.clients import client
from lattice_ingress.logic.config_routes import routes_in_config
from lattice_ingress.logic.nginx_config import ProxyOptions, render_nginx_config
from lattice_ingress.logic.render import RenderedConfig, render_catalog
from lattice_ingress.models.catalog import Catalog
from lattice_ingress.models.dns import PlanEntry, PlannedAction, ZonePlan
from lattice_ingress.reconcile.discover import desired_catalog
from lattice_ingress.reconcile.sync_dns import build_plan
from lattice_ingress.settings import Settings
from lattice_ingress_cli.stack import Stack, StackError

ZONES = ("consumer", "proxy")
CHANGES = (PlannedAction.CREATE, PlannedAction.UPDATE, PlannedAction.DELETE)


@dataclass(frozen=True)
class PublishedConfig:
    """The config object the proxies load now."""

    text: str
    version_id: str | None

    @property
    def routes(self) -> dict[str, str]:
        return routes_in_config(self.text)


@dataclass(frozen=True)
class Snapshot:
    settings: Settings
    catalog: Catalog
    plans: dict[str, ZonePlan]
    config: PublishedConfig | None
    rendered: RenderedConfig

    def entries(self, domain: str | None = None) -> list[PlanEntry]:
        """Plan entries of both zones (of one domain when given)."""
        return [
            entry
            for zone in ZONES
            for entry in self.plans[zone].entries
            if domain is None or entry.name == domain
        ]

    def records_in_place(self, domain: str) -> bool:
        """Both zones hold this stack's records for `domain`, as the catalog wants them."""
        actions = {entry.zone: entry.action for entry in self.entries(domain)}
        return all(actions.get(zone) is PlannedAction.UNCHANGED for zone in ZONES)

    def route_in_place(self, domain: str) -> bool:
        wanted = self.catalog.routes().get(domain)
        routes = self.config.routes if self.config else {}
        return wanted is not None and routes.get(domain) == wanted

    def published(self, domain: str) -> bool:
        return self.records_in_place(domain) and self.route_in_place(domain)

    def config_changes(self) -> list[dict[str, str | None]]:
        """Route differences between the published config and the one a pass would render."""
        current = self.config.routes if self.config else {}
        wanted = self.catalog.routes()
        changes = []
        for domain in sorted(set(current) | set(wanted)):
            if domain not in current:
                action = "create"
            elif domain not in wanted:
                action = "delete"
            elif current[domain] != wanted[domain]:
                action = "update"
            else:
                continue
            changes.append({"domain": domain, "action": action, "target": wanted.get(domain)})
        return changes


def take(stack: Stack) -> Snapshot:
    settings = stack.settings()
    catalog = desired_catalog(settings)
    plans = {zone: build_plan(settings, zone, settings.zone_id(zone), catalog) for zone in ZONES}
    options = ProxyOptions(**settings.render_options())
    rendered = render_catalog(catalog, lambda routes: render_nginx_config(routes, options))
    return Snapshot(settings, catalog, plans, published_config(settings), rendered)


def published_config(settings: Settings) -> PublishedConfig | None:
    try:
        response: dict[str, Any] = client("s3").get_object(
            Bucket=settings.config_bucket, Key=settings.config_key
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise StackError(f"cannot read the published config: {exc}") from exc
    except BotoCoreError as exc:
        raise StackError(f"cannot read the published config: {exc}") from exc
    version = response.get("VersionId")
    return PublishedConfig(
        text=response["Body"].read().decode("utf-8"),
        version_id=None if version in (None, "null") else str(version),
    )
