"""The deployment engine: resources in dependency order, each resolved and handed to its
registered creator; skipped types get placeholders; Outputs resolved; `Deployment`."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ParamValidationError

from embedded_aws.deployer.context import (
    CREATORS,
    Created,
    DeployContext,
    DeployError,
    logger,
)
from embedded_aws.deployer.scheduler import RuleScheduler
from embedded_aws.intrinsics import (
    Resolver,
    TemplateError,
    creation_order,
    load_template,
    resolve_parameters,
    undeclared_references,
)

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

DEFAULT_STACK_NAME = "lattice-ingress"


# -- deployment ----------------------------------------------------------------------
@dataclass
class Deployment:
    """A deployed embedded stack: outputs, resources, what was skipped, the scheduler."""

    outputs: dict[str, str]
    resources: dict[str, Created]
    skipped: dict[str, str]
    scheduler: RuleScheduler | None = None
    context: DeployContext | None = None

    def stop(self) -> None:
        """Stop triggering: the scheduler ends and the stack's rules are disabled, so a
        stack left in a shared emulator (tests) no longer reacts to others' events."""
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.context is not None:
            events = self.context.client("events")
            for name, bus in self.context.rules:
                with contextlib.suppress(ClientError):
                    events.disable_rule(Name=name, EventBusName=bus)


def deploy(
    embedded: EmbeddedAws, template_path: str | Path, overrides: Mapping[str, str]
) -> dict[str, str]:
    """Deploy the template; returns its Outputs (resolved) plus "Endpoint"."""
    return deploy_stack(embedded, template_path, overrides).outputs


def deploy_stack(
    embedded: EmbeddedAws,
    template_path: str | Path,
    overrides: Mapping[str, str],
    *,
    stack_name: str = DEFAULT_STACK_NAME,
    enable_schedules: bool = False,
) -> Deployment:
    template_path = Path(template_path)
    template = load_template(template_path)
    undeclared = undeclared_references(template)
    if undeclared:
        raise TemplateError(f"the template refers to undeclared {', '.join(sorted(undeclared))}")
    parameters = resolve_parameters(template.get("Parameters") or {}, overrides)
    resources: dict[str, Created] = {}
    ctx = DeployContext(embedded, stack_name, template_path.parent, enable_schedules)

    def lookup(logical_id: str, attribute: str | None) -> Any:
        created = resources.get(logical_id) or ctx.implicit.get(logical_id)
        if created is None:
            raise KeyError(logical_id)
        return created.physical_id if attribute is None else created.attribute(attribute)

    resolver = Resolver(
        template,
        parameters,
        region=embedded.region,
        account_id=embedded.account_id,
        stack_name=stack_name,
        resources=lookup,
        availability_zones=_availability_zones(ctx),
    )
    declared = template.get("Resources") or {}
    globals_ = template.get("Globals") or {}
    skipped: dict[str, str] = {}
    for logical_id in creation_order(declared):
        body = declared[logical_id]
        if "Condition" in body and not resolver.condition(body["Condition"]):
            continue  # not part of this stack, as on AWS
        resource_type = str(body.get("Type"))
        properties = _with_globals(resource_type, body.get("Properties") or {}, globals_)
        try:
            resolved = resolver.resolve(properties)
        except TemplateError as exc:
            raise TemplateError(f"{logical_id}: {exc}") from exc
        resources[logical_id] = _create(ctx, logical_id, resource_type, resolved)
        if resources[logical_id].skipped:
            skipped[logical_id] = resource_type
    # Each skip was logged with its reason where it happened; callers get the list here.
    skipped.update(ctx.skipped_events)
    outputs = {"Endpoint": embedded.endpoint}
    for name, output in (template.get("Outputs") or {}).items():
        if "Condition" in output and not resolver.condition(output["Condition"]):
            continue
        try:
            value = resolver.resolve(output["Value"])
        except TemplateError as exc:
            raise TemplateError(f"output {name}: {exc}") from exc
        outputs[name] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    scheduler = None
    if enable_schedules and ctx.scheduled_rules:
        scheduler = RuleScheduler(ctx, ctx.scheduled_rules).start()
    return Deployment(outputs, resources, skipped, scheduler, ctx)


def _create(
    ctx: DeployContext, logical_id: str, resource_type: str, props: dict[str, Any]
) -> Created:
    func = CREATORS.get(resource_type)
    if func is None:
        logger.warning("%s (%s): skipped (not emulated): no creator", logical_id, resource_type)
        return _placeholder(ctx, logical_id, resource_type)
    try:
        created = func(ctx, logical_id, props)
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = exc.response.get("Error", {}).get("Code", "")
        if status >= 500 or code in ("NotImplemented", "InternalFailure"):
            logger.warning("%s (%s): skipped (not emulated): %s", logical_id, resource_type, exc)
            return _placeholder(ctx, logical_id, resource_type)
        raise DeployError(f"{logical_id} ({resource_type}): {exc}") from exc
    except ParamValidationError as exc:
        raise DeployError(f"{logical_id} ({resource_type}): {exc}") from exc
    except KeyError as exc:
        raise DeployError(f"{logical_id} ({resource_type}): missing property {exc}") from exc
    except NotImplementedError as exc:
        logger.warning("%s (%s): skipped (not emulated): %s", logical_id, resource_type, exc)
        return _placeholder(ctx, logical_id, resource_type)
    logger.info("%s (%s) created: %s", logical_id, resource_type, created.physical_id)
    return created


SKIPPED_MARK = ":skipped/"


def _placeholder(ctx: DeployContext, logical_id: str, resource_type: str) -> Created:
    """ARN-shaped, so IAM policies and ARN-typed properties of dependants still validate."""
    arn = f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}{SKIPPED_MARK}{logical_id}"
    return Created(resource_type, arn, skipped=True)


def _availability_zones(ctx: DeployContext) -> list[str]:
    zones = ctx.client("ec2").describe_availability_zones()["AvailabilityZones"]
    return sorted(zone["ZoneName"] for zone in zones)


def _with_globals(
    resource_type: str, properties: dict[str, Any], globals_: Mapping[str, Any]
) -> dict[str, Any]:
    """SAM Globals: maps merge key by key, lists concatenate, scalars yield to the resource."""
    if not resource_type.startswith("AWS::Serverless::"):
        return properties
    section = globals_.get(resource_type.split("::")[-1]) or {}
    return _merge(copy.deepcopy(section), properties)


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return base + override
    return override
