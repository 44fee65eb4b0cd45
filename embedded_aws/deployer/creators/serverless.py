"""Serverless: Lambda layers and functions, Step Functions state machines, EventBridge
rules, and SAM `Events` (rules and schedules) on functions and state machines."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from embedded_aws.deployer.context import (
    Created,
    DeployContext,
    DeployError,
    creator,
    logger,
)
from embedded_aws.deployer.creators.iam import implicit_role
from embedded_aws.deployer.helpers import (
    ensure_log_group,
    json_text,
    pick,
    tag_list,
    zip_directory,
)

_SAM_EVENT_RULE_TYPES = ("EventBridgeRule", "CloudWatchEvent", "Schedule")


# -- Lambda ----------------------------------------------------------------------------
@creator("AWS::Serverless::LayerVersion")
def _layer(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    content_dir = ctx.path(str(props["ContentUri"]))
    arn = ctx.client("lambda").publish_layer_version(
        LayerName=props.get("LayerName") or logical_id,
        Description=props.get("Description", ""),
        Content={"ZipFile": zip_directory(content_dir)},
        CompatibleRuntimes=props.get("CompatibleRuntimes") or [],
    )["LayerVersionArn"]
    ctx.layer_dirs[arn] = content_dir
    return Created("AWS::Serverless::LayerVersion", arn, {"Arn": arn})


@creator("AWS::Serverless::Function")
def _function(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    code_dir = ctx.path(str(props["CodeUri"]))
    name = props.get("FunctionName") or ctx.name(logical_id)
    role = props.get("Role") or implicit_role(
        ctx, logical_id, "lambda.amazonaws.com", props.get("Policies")
    )
    variables = (props.get("Environment") or {}).get("Variables") or {}
    layers = [str(arn) for arn in props.get("Layers") or []]
    function = ctx.client("lambda").create_function(
        FunctionName=name,
        Runtime=props.get("Runtime", "python3.13"),
        Role=role,
        Handler=props["Handler"],
        Code={"ZipFile": zip_directory(code_dir)},
        Timeout=int(props.get("Timeout", 3)),
        MemorySize=int(props.get("MemorySize", 128)),
        Environment={"Variables": {k: _env_value(v) for k, v in variables.items()}},
        Layers=layers,
        Architectures=props.get("Architectures") or ["x86_64"],
        Description=props.get("Description", ""),
    )
    ensure_log_group(ctx, f"/aws/lambda/{name}")  # moto's in-process invoke writes here
    _register_code(name, code_dir, [ctx.layer_dirs[arn] for arn in layers if arn in ctx.layer_dirs])
    arn = function["FunctionArn"]
    _sam_event_rules(ctx, logical_id, props.get("Events") or {}, arn, role_arn=None)
    return Created("AWS::Serverless::Function", name, {"Arn": arn})


def _env_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _register_code(name: str, code_dir: Path, layer_dirs: list[Path]) -> None:
    """Tell the in-process Lambda runtime where the handler's code lives (if installed)."""
    try:
        from embedded_aws.compat import lambda_runtime
    except ModuleNotFoundError as exc:
        if not (exc.name or "").endswith("lambda_runtime"):
            raise
        logger.warning("%s: compat.lambda_runtime missing; invocations use moto's backend", name)
        return
    lambda_runtime.register_code(name, code_dir, list(layer_dirs))


# -- Step Functions --------------------------------------------------------------------
@creator("AWS::Serverless::StateMachine")
def _sam_state_machine(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    if "DefinitionUri" in props:
        if not isinstance(props["DefinitionUri"], str):
            raise DeployError(f"{logical_id}: only local DefinitionUri files are supported")
        text = ctx.path(props["DefinitionUri"]).read_text(encoding="utf-8")
    else:
        text = json.dumps(props["Definition"])
    role = props.get("Role") or implicit_role(
        ctx, logical_id, "states.amazonaws.com", props.get("Policies")
    )
    created = _create_state_machine(
        ctx,
        name=props.get("Name") or ctx.name(logical_id, 80),
        definition=_substitute(text, props.get("DefinitionSubstitutions") or {}),
        role_arn=role,
        machine_type=props.get("Type", "STANDARD"),
        tags=tag_list(props, "key", "value"),
    )
    events_role = implicit_role(ctx, f"{logical_id}Events", "events.amazonaws.com", None)
    _sam_event_rules(
        ctx, logical_id, props.get("Events") or {}, created.physical_id, role_arn=events_role
    )
    return created


@creator("AWS::StepFunctions::StateMachine")
def _state_machine(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    if "DefinitionS3Location" in props:
        raise DeployError(f"{logical_id}: DefinitionS3Location is not supported locally")
    text = props.get("DefinitionString") or json.dumps(props["Definition"])
    return _create_state_machine(
        ctx,
        name=props.get("StateMachineName") or ctx.name(logical_id, 80),
        definition=_substitute(text, props.get("DefinitionSubstitutions") or {}),
        role_arn=props["RoleArn"],
        machine_type=props.get("StateMachineType", "STANDARD"),
        tags=tag_list(props, "key", "value"),
    )


def _substitute(text: str, substitutions: Mapping[str, Any]) -> str:
    """DefinitionSubstitutions: `${Key}` placeholders, then the result must be JSON."""
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", str(value))
    try:
        return json.dumps(json.loads(text))
    except json.JSONDecodeError as exc:
        raise DeployError(
            f"state machine definition is not JSON after substitution: {exc}"
        ) from exc


def _create_state_machine(
    ctx: DeployContext,
    *,
    name: str,
    definition: str,
    role_arn: str,
    machine_type: str,
    tags: list[dict[str, str]],
) -> Created:
    arn = ctx.client("stepfunctions").create_state_machine(
        name=name, definition=definition, roleArn=role_arn, type=machine_type, tags=tags
    )["stateMachineArn"]
    return Created("AWS::StepFunctions::StateMachine", arn, {"Arn": arn, "Name": name})


# -- EventBridge -----------------------------------------------------------------------
@creator("AWS::Events::Rule")
def _rule(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("Name") or ctx.name(logical_id)
    targets = [
        pick(
            t,
            "Id",
            "Arn",
            "RoleArn",
            "Input",
            "InputPath",
            "InputTransformer",
            "SqsParameters",
            "DeadLetterConfig",
            "RetryPolicy",
        )
        for t in props.get("Targets") or []
    ]
    arn = _put_rule(ctx, name, props, targets)
    return Created("AWS::Events::Rule", name, {"Arn": arn})


def _put_rule(
    ctx: DeployContext, name: str, props: Mapping[str, Any], targets: list[dict[str, Any]]
) -> str:
    """Create a rule; schedules stay DISABLED locally unless schedules were asked for."""
    events = ctx.client("events")
    state = props.get("State", "ENABLED")
    schedule = props.get("ScheduleExpression")
    request: dict[str, Any] = {"Name": name, "State": state}
    if schedule:
        request["ScheduleExpression"] = schedule
        if not ctx.enable_schedules:
            request["State"] = "DISABLED"
            logger.info("rule %s: schedule %s created DISABLED (schedules off)", name, schedule)
        elif state == "ENABLED":
            ctx.scheduled_rules.append((name, str(schedule)))
    if props.get("EventPattern") is not None:
        request["EventPattern"] = json_text(props["EventPattern"])
    for key in ("EventBusName", "Description"):
        if props.get(key):
            request[key] = props[key]
    arn = events.put_rule(**request)["RuleArn"]
    ctx.rules.append((name, props.get("EventBusName", "default")))
    if targets:
        events.put_targets(
            Rule=name, EventBusName=props.get("EventBusName", "default"), Targets=targets
        )
    return str(arn)


def _sam_event_rules(
    ctx: DeployContext,
    logical_id: str,
    events: Mapping[str, Any],
    target_arn: str,
    role_arn: str | None,
) -> None:
    """SAM `Events` of rule kinds become rules targeting the function or state machine."""
    for event_id, event in events.items():
        kind, props = event.get("Type"), event.get("Properties") or {}
        if kind not in _SAM_EVENT_RULE_TYPES:
            logger.warning(
                "%s event %s: type %s skipped (not emulated)", logical_id, event_id, kind
            )
            ctx.skipped_events[f"{logical_id}.Events.{event_id}"] = f"SAM event {kind}"
            continue
        target: dict[str, Any] = {
            "Id": (props.get("Target") or {}).get("Id") or f"{logical_id}{event_id}"[:64],
            "Arn": target_arn,
            **pick(
                props, "Input", "InputPath", "InputTransformer", "DeadLetterConfig", "RetryPolicy"
            ),
        }
        if role_arn:
            target["RoleArn"] = role_arn
        rule: dict[str, Any] = {
            "EventBusName": props.get("EventBusName", "default"),
            **pick(props, "Description"),
        }
        if kind == "Schedule":
            rule["ScheduleExpression"] = props["Schedule"]
            enabled = props.get("Enabled", True)
            rule["State"] = props.get("State") or ("ENABLED" if enabled else "DISABLED")
        else:
            rule["EventPattern"] = props["Pattern"]
            rule["State"] = props.get("State", "ENABLED")
        name = props.get("RuleName") or props.get("Name") or ctx.name(f"{logical_id}{event_id}")
        arn = _put_rule(ctx, name, rule, [target])
        ctx.implicit[f"{logical_id}{event_id}"] = Created("AWS::Events::Rule", name, {"Arn": arn})


@creator("AWS::Events::EventBus")
def _event_bus(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("Name") or ctx.name(logical_id)
    arn = ctx.client("events").create_event_bus(Name=name)["EventBusArn"]
    return Created("AWS::Events::EventBus", name, {"Arn": arn, "Name": name})


@creator("AWS::Events::EventBusPolicy")
def _event_bus_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    """One statement added to the bus's policy (several EventBusPolicy resources may share
    a bus, so the existing statements are kept)."""
    events = ctx.client("events")
    bus = props.get("EventBusName", "default")
    current = events.describe_event_bus(Name=bus).get("Policy")
    statements = json.loads(current)["Statement"] if current else []
    statement = {"Sid": props["StatementId"], **props["Statement"]}
    statements = [s for s in statements if s.get("Sid") != statement["Sid"]] + [statement]
    events.put_permission(
        EventBusName=bus, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements})
    )
    return Created("AWS::Events::EventBusPolicy", props["StatementId"], {})
