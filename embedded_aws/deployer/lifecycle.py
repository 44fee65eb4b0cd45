"""A deployed stack's life after its create: update with new parameter values (or a new
template), and delete.

Update, as CloudFormation: resources are visited in dependency order and their properties
resolved with the new parameters and the (possibly new) physical ids of what they refer
to. Unchanged -> left alone. Changed -> updated in place when the type has an updater that
accepts the change, else replaced: the new one is created first and the old one deleted
in the cleanup phase, after every other resource was updated. Resources that left the
stack (a condition turned false) are deleted in the cleanup too, newest first.

Delete: the scheduler stops, then every resource is deleted newest first; DeletionPolicy
Retain keeps one. A resource AWS refuses to delete (a bucket that still holds object
versions) leaves the stack DELETE_FAILED, with the resources that remain.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from embedded_aws.deployer.context import UPDATERS, Created, DeployContext, DeployError, logger
from embedded_aws.deployer.creators.cloudformation import CUSTOM_RESOURCE_TYPE
from embedded_aws.deployer.engine import (
    Deployment,
    StackFailed,
    _availability_zones,
    _create,
    ctx_stop_rules,
    delete_resources,
    resolve_outputs,
    resolve_resource,
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


def update_stack(
    deployment: Deployment,
    overrides: Mapping[str, str],
    *,
    template_path: str | Path | None = None,
) -> Deployment:
    """Update in place: `deployment` afterwards describes the updated stack (and is
    returned). `overrides` are the new parameter values; parameters not named keep their
    previous value (UsePreviousValue)."""
    ctx = _context(deployment)
    path = Path(template_path) if template_path else deployment.template_path
    if path is None:
        raise DeployError("the deployment does not record its template")
    template = load_template(path)
    undeclared = undeclared_references(template)
    if undeclared:
        raise TemplateError(f"the template refers to undeclared {', '.join(sorted(undeclared))}")
    merged = {**(deployment.parameters or {}), **overrides}
    parameters = resolve_parameters(template.get("Parameters") or {}, merged)
    old_resources = dict(deployment.resources)
    old_order = list(deployment.order or [])
    resources: dict[str, Created] = {}

    def lookup(logical_id: str, attribute: str | None) -> Any:
        created = resources.get(logical_id) or ctx.implicit.get(logical_id)
        if created is None:
            raise KeyError(logical_id)
        return created.physical_id if attribute is None else created.attribute(attribute)

    resolver = Resolver(
        template,
        parameters,
        region=ctx.region,
        account_id=ctx.account_id,
        stack_name=ctx.stack_name,
        stack_uuid=ctx.stack_id.rsplit("/", 1)[-1] or Resolver.stack_uuid,
        resources=lookup,
        availability_zones=_availability_zones(ctx),
    )
    declared = template.get("Resources") or {}
    order: list[str] = []
    replaced: dict[str, Created] = {}  # old resources to delete in the cleanup
    try:
        for logical_id in creation_order(declared):
            body = declared[logical_id]
            if "Condition" in body and not resolver.condition(body["Condition"]):
                continue
            resource_type, props = resolve_resource(template, resolver, logical_id)
            old = old_resources.get(logical_id)
            if old is None:
                resources[logical_id] = _create(ctx, logical_id, resource_type, props)
            elif old.properties == props and not old.skipped:
                resources[logical_id] = old
            else:
                updated = _update_or_replace(ctx, logical_id, resource_type, old, props)
                if updated.physical_id != old.physical_id and not old.skipped:
                    replaced[logical_id] = old
                resources[logical_id] = updated
            order.append(logical_id)
    except (DeployError, TemplateError) as exc:
        # No update rollback here (a difference that docs/emulator.md lists): the stack
        # keeps what was done so far.
        deployment.resources = {**old_resources, **resources}
        deployment.status = "UPDATE_FAILED"
        raise StackFailed("UPDATE_FAILED", str(exc)) from exc

    # Cleanup: replaced resources and those no longer in the stack, newest first.
    removed = [lid for lid in old_order if lid not in resources]
    cleanup = {**{lid: old_resources[lid] for lid in removed}, **replaced}
    failures = delete_resources(
        ctx, template, cleanup, [lid for lid in old_order if lid in cleanup]
    )
    for logical_id, reason in failures.items():
        logger.warning("%s: old resource not cleaned up: %s", logical_id, reason)
    deployment.resources = resources
    deployment.order = order
    deployment.parameters = merged
    deployment.template_path = path
    deployment.outputs = resolve_outputs(template, resolver, ctx.embedded.endpoint)
    deployment.status = "UPDATE_COMPLETE"
    _restart_scheduler(deployment, ctx)
    logger.info("stack %s: UPDATE_COMPLETE", ctx.stack_name)
    return deployment


def delete_stack(deployment: Deployment) -> None:
    """Delete every resource, newest first; StackFailed(DELETE_FAILED) names what remains."""
    ctx = _context(deployment)
    if deployment.scheduler is not None:
        deployment.scheduler.stop()
        deployment.scheduler = None
    template = load_template(deployment.template_path) if deployment.template_path else {}
    failures = delete_resources(ctx, template, deployment.resources, list(deployment.order or []))
    if failures:
        deployment.status = "DELETE_FAILED"
        reasons = "; ".join(f"{lid}: {reason}" for lid, reason in failures.items())
        raise StackFailed("DELETE_FAILED", reasons)
    ctx_stop_rules(ctx)
    deployment.status = "DELETE_COMPLETE"
    deployment.outputs = {}
    logger.info("stack %s: DELETE_COMPLETE", ctx.stack_name)


def _update_or_replace(
    ctx: DeployContext, logical_id: str, resource_type: str, old: Created, props: dict[str, Any]
) -> Created:
    kind = CUSTOM_RESOURCE_TYPE if resource_type.startswith("Custom::") else resource_type
    func = UPDATERS.get(kind)
    if func is not None and not old.skipped:
        try:
            updated = func(ctx, logical_id, old, props)
        except NotImplementedError as exc:
            logger.info("%s (%s): %s", logical_id, resource_type, exc)
        except ClientError as exc:
            raise DeployError(f"{logical_id} ({resource_type}): {exc}") from exc
        except ParamValidationError as exc:
            raise DeployError(f"{logical_id} ({resource_type}): {exc}") from exc
        else:
            updated.properties = props
            updated.implicit = updated.implicit or dict(old.implicit)
            logger.info("%s (%s) updated in place", logical_id, resource_type)
            return updated
    logger.info("%s (%s): replacing", logical_id, resource_type)
    return _create(ctx, logical_id, resource_type, props)


def _context(deployment: Deployment) -> DeployContext:
    if deployment.context is None:
        raise DeployError("the deployment has no context (was it created by deploy_stack?)")
    if deployment.status.startswith("DELETE_COMPLETE"):
        raise DeployError(f"stack {deployment.context.stack_name} does not exist")
    return deployment.context


def _restart_scheduler(deployment: Deployment, ctx: DeployContext) -> None:
    if deployment.scheduler is not None:
        deployment.scheduler.stop()
        deployment.scheduler = None
    if ctx.enable_schedules and ctx.scheduled_rules:
        deployment.scheduler = RuleScheduler(ctx, ctx.scheduled_rules).start()


__all__ = ["delete_stack", "update_stack"]
