"""The deployment engine: resources in dependency order, each resolved and handed to its
registered creator; skipped types get placeholders; Outputs resolved; `Deployment`."""

from __future__ import annotations

import contextlib
import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ParamValidationError

from embedded_aws.deployer.context import (
    CREATORS,
    DELETERS,
    Created,
    DeployContext,
    DeployError,
    logger,
)
from embedded_aws.deployer.creators.cloudformation import CUSTOM_RESOURCE_TYPE
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


class StackFailed(DeployError):
    """A create, update or delete failed; `status` is where the stack ended up
    (ROLLBACK_COMPLETE, ROLLBACK_FAILED, UPDATE_FAILED, DELETE_FAILED)."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


# -- deployment ----------------------------------------------------------------------
@dataclass
class Deployment:
    """A deployed embedded stack: outputs, resources, what was skipped, the scheduler."""

    outputs: dict[str, str]
    resources: dict[str, Created]
    skipped: dict[str, str]
    scheduler: RuleScheduler | None = None
    context: DeployContext | None = None
    status: str = "CREATE_COMPLETE"
    template_path: Path | None = None
    parameters: dict[str, str] | None = None  # the overrides it was deployed with
    order: list[str] | None = None  # logical ids in creation order

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
        stack_uuid=str(uuid.uuid4()),
        resources=lookup,
        availability_zones=_availability_zones(ctx),
    )
    ctx.stack_id = str(resolver.pseudo("AWS::StackId"))
    declared = template.get("Resources") or {}
    skipped: dict[str, str] = {}
    order: list[str] = []
    try:
        for logical_id in creation_order(declared):
            body = declared[logical_id]
            if "Condition" in body and not resolver.condition(body["Condition"]):
                continue  # not part of this stack, as on AWS
            resource_type, resolved = resolve_resource(template, resolver, logical_id)
            resources[logical_id] = _create(ctx, logical_id, resource_type, resolved)
            order.append(logical_id)
            if resources[logical_id].skipped:
                skipped[logical_id] = resource_type
    except TemplateError:
        # CloudFormation finds template errors before it creates anything: leave nothing.
        delete_resources(ctx, template, resources, order, rollback=True)
        ctx_stop_rules(ctx)
        raise
    except DeployError as exc:
        # As CloudFormation: a failed create rolls the stack back, newest resource first.
        logger.error("stack %s: CREATE_FAILED: %s; rolling back", stack_name, exc)
        failures = delete_resources(ctx, template, resources, order, rollback=True)
        ctx_stop_rules(ctx)
        status = "ROLLBACK_FAILED" if failures else "ROLLBACK_COMPLETE"
        logger.error("stack %s: %s", stack_name, status)
        raise StackFailed(status, str(exc)) from exc
    # Each skip was logged with its reason where it happened; callers get the list here.
    skipped.update(ctx.skipped_events)
    outputs = resolve_outputs(template, resolver, embedded.endpoint)
    scheduler = None
    if enable_schedules and ctx.scheduled_rules:
        scheduler = RuleScheduler(ctx, ctx.scheduled_rules).start()
    deployment = Deployment(outputs, resources, skipped, scheduler, ctx)
    deployment.template_path = template_path
    deployment.parameters = dict(overrides)
    deployment.order = order
    return deployment


def resolve_resource(
    template: Mapping[str, Any], resolver: Resolver, logical_id: str
) -> tuple[str, dict[str, Any]]:
    """A resource's type and its properties with Globals merged and intrinsics resolved."""
    body = (template.get("Resources") or {})[logical_id]
    resource_type = str(body.get("Type"))
    globals_ = template.get("Globals") or {}
    properties = _with_globals(resource_type, body.get("Properties") or {}, globals_)
    try:
        resolved = resolver.resolve(properties)
    except TemplateError as exc:
        raise TemplateError(f"{logical_id}: {exc}") from exc
    if resource_type.startswith("Custom::"):
        resolved["__Type"] = resource_type  # the request's ResourceType
    return resource_type, resolved


def resolve_outputs(
    template: Mapping[str, Any], resolver: Resolver, endpoint: str
) -> dict[str, str]:
    outputs = {"Endpoint": endpoint}
    for name, output in (template.get("Outputs") or {}).items():
        if "Condition" in output and not resolver.condition(output["Condition"]):
            continue
        try:
            value = resolver.resolve(output["Value"])
        except TemplateError as exc:
            raise TemplateError(f"output {name}: {exc}") from exc
        outputs[name] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return outputs


def ctx_stop_rules(ctx: DeployContext) -> None:
    events = ctx.client("events")
    for name, bus in ctx.rules:
        with contextlib.suppress(ClientError):
            events.disable_rule(Name=name, EventBusName=bus)


def delete_resources(
    ctx: DeployContext,
    template: Mapping[str, Any],
    resources: dict[str, Created],
    order: list[str],
    *,
    rollback: bool = False,
) -> dict[str, str]:
    """Delete in reverse creation order. DeletionPolicy Retain keeps a resource (also on
    a create rollback, as CloudFormation does); RetainExceptOnCreate keeps it except on
    the rollback of the create that made it. Returns {logical id: reason} for what could
    not be deleted (it is still there)."""
    declared = template.get("Resources") or {}
    failures: dict[str, str] = {}
    for logical_id in reversed(order):
        created = resources.get(logical_id)
        if created is None:
            continue
        policy = (declared.get(logical_id) or {}).get("DeletionPolicy", "Delete")
        if policy == "Retain" or (policy == "RetainExceptOnCreate" and not rollback):
            logger.info("%s: retained (DeletionPolicy %s)", logical_id, policy)
            resources.pop(logical_id)
            continue
        try:
            delete_resource(ctx, logical_id, created)
        except (ClientError, DeployError) as exc:
            logger.error("%s: DELETE_FAILED: %s", logical_id, exc)
            failures[logical_id] = str(exc)
            continue
        resources.pop(logical_id)
    return failures


def delete_resource(ctx: DeployContext, logical_id: str, created: Created) -> None:
    if created.skipped:
        return  # never created
    func = DELETERS.get(created.resource_type)
    if func is None:
        logger.warning(
            "%s (%s): not deleted (no deleter in the emulator)", logical_id, created.resource_type
        )
        return
    func(ctx, logical_id, created)
    logger.info("%s (%s) deleted: %s", logical_id, created.resource_type, created.physical_id)


def _create(
    ctx: DeployContext, logical_id: str, resource_type: str, props: dict[str, Any]
) -> Created:
    before = dict(ctx.implicit)
    created = _create_once(ctx, logical_id, resource_type, props)
    created.properties = props
    created.implicit = {k: v for k, v in ctx.implicit.items() if before.get(k) is not v}
    return created


def _create_once(
    ctx: DeployContext, logical_id: str, resource_type: str, props: dict[str, Any]
) -> Created:
    func = CREATORS.get(
        CUSTOM_RESOURCE_TYPE if resource_type.startswith("Custom::") else resource_type
    )
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
