"""Deploy template.yaml into the embedded AWS stack, generically over resource types.

template.yaml is the only description of the stack: resources are created in dependency
order, each by the creator registered for its type (`CREATORS`), through boto3 against the
emulator. A type without a creator, or one moto cannot serve, is recorded as skipped
(not emulated) with a placeholder physical id and logged; it is never dropped silently.

Scheduled rules are created DISABLED unless `enable_schedules=True`; then a bounded
scheduler thread fires `rate(...)` rules for as long as the deployment runs.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import re
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ParamValidationError

from lattice_ingress.local.intrinsics import (
    Resolver,
    TemplateError,
    creation_order,
    load_template,
    resolve_parameters,
    undeclared_references,
)

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from lattice_ingress.local.server import EmbeddedAws

logger = logging.getLogger(__name__)

DEFAULT_STACK_NAME = "lattice-ingress"
_SAM_EVENT_RULE_TYPES = ("EventBridgeRule", "CloudWatchEvent", "Schedule")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_RATE_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class DeployError(RuntimeError):
    """A resource could not be created (for a reason other than a gap in the emulator)."""


@dataclass
class Created:
    """A resource in the embedded stack: what `Ref` and `Fn::GetAtt` return."""

    resource_type: str
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False

    def attribute(self, name: str) -> Any:
        if name in self.attributes:
            return self.attributes[name]
        if self.skipped:  # placeholders keep dependants deployable
            return f"{self.physical_id}/{name}"
        raise KeyError(name)


@dataclass
class DeployContext:
    """What a creator needs: emulator clients, names, paths and implicit resources."""

    embedded: EmbeddedAws
    stack_name: str
    template_dir: Path
    enable_schedules: bool
    layer_dirs: dict[str, Path] = field(default_factory=dict)
    implicit: dict[str, Created] = field(default_factory=dict)
    scheduled_rules: list[tuple[str, str]] = field(default_factory=list)
    skipped_events: dict[str, str] = field(default_factory=dict)
    rules: list[tuple[str, str]] = field(default_factory=list)  # (name, event bus)
    _clients: dict[str, BaseClient] = field(default_factory=dict)

    @property
    def region(self) -> str:
        return self.embedded.region

    @property
    def account_id(self) -> str:
        return self.embedded.account_id

    def client(self, service: str) -> BaseClient:
        if service not in self._clients:
            client = self.embedded.client(service)
            client.meta.events.register("provide-client-params.*.*", _coerce_params)
            self._clients[service] = client
        return self._clients[service]

    def name(self, logical_id: str, max_length: int = 64, lower: bool = False) -> str:
        """A physical name shaped like CloudFormation's: stack-logical-suffix, bounded."""
        suffix = uuid.uuid4().hex[:12].upper()
        room = max_length - len(suffix) - 2
        # Short limits (ELB: 32) keep a part of both names, as CloudFormation does.
        stack = self.stack_name[: max(room // 2, room - len(logical_id))].strip("-")
        value = f"{stack}-{logical_id[: room - len(stack)]}-{suffix}"
        return value.lower() if lower else value

    def path(self, relative: str) -> Path:
        path = (self.template_dir / relative).resolve()
        if not path.exists():
            raise DeployError(f"{relative} does not exist next to the template")
        return path


def _coerce_params(params: dict[str, Any], model: Any, **_: Any) -> dict[str, Any]:
    """CloudFormation converts property values to the API's types ("443" -> 443,
    "true" -> True, 443 -> "443"); boto3 does not, so creators' calls get the same
    conversion, driven by the operation's input shape."""
    return dict(_coerce(params, model.input_shape)) if model.input_shape is not None else params


def _coerce(value: Any, shape: Any) -> Any:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: _coerce(v, members[k]) if k in members else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_coerce(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _coerce(v, shape.value) for k, v in value.items()}
    if kind in ("integer", "long") and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if kind in ("float", "double") and isinstance(value, str | int):
        return float(value)
    if kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind == "string" and isinstance(value, bool):
        return str(value).lower()
    if kind == "string" and isinstance(value, int | float):
        return str(value)
    return value


Creator = Callable[[DeployContext, str, dict[str, Any]], Created]
CREATORS: dict[str, Creator] = {}


def creator(*resource_types: str) -> Callable[[Creator], Creator]:
    def register(func: Creator) -> Creator:
        for resource_type in resource_types:
            CREATORS[resource_type] = func
        return func

    return register


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
    skipped.update(ctx.skipped_events)
    if skipped:
        logger.warning(
            "skipped (not emulated): %s",
            ", ".join(f"{lid} ({rtype})" for lid, rtype in skipped.items()),
        )
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


# -- helpers for creators --------------------------------------------------------------
def _json(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def _tags(props: Mapping[str, Any], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    tags = props.get("Tags") or []
    if isinstance(tags, dict):  # SAM resources take a plain map
        return [{key: str(k), value: str(v)} for k, v in tags.items()]
    return [{key: str(t["Key"]), value: str(t["Value"])} for t in tags]


def _pick(props: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: props[k] for k in keys if k in props}


def _camel(value: Any, keep: frozenset[str] = frozenset({"Options", "DockerLabels"})) -> Any:
    """CloudFormation's PascalCase ECS shapes -> the API's camelCase (user maps untouched)."""
    if isinstance(value, list):
        return [_camel(v, keep) for v in value]
    if not isinstance(value, dict):
        return value
    return {k[:1].lower() + k[1:]: (v if k in keep else _camel(v, keep)) for k, v in value.items()}


def _zip_dir(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(directory.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                archive.write(file, file.relative_to(directory).as_posix())
    return buffer.getvalue()


def _ensure_log_group(ctx: DeployContext, name: str) -> None:
    with contextlib.suppress(ctx.client("logs").exceptions.ResourceAlreadyExistsException):
        ctx.client("logs").create_log_group(logGroupName=name)


def _implicit_role(ctx: DeployContext, logical_id: str, principal: str, policies: Any) -> str:
    """The role SAM generates (`<LogicalId>Role`) when a resource names no Role."""
    role_id = f"{logical_id}Role"
    props: dict[str, Any] = {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}
            ],
        },
        "Policies": [],
    }
    if policies is not None:
        for index, policy in enumerate(policies if isinstance(policies, list) else [policies]):
            if isinstance(policy, dict) and "Statement" in policy:
                props["Policies"].append(
                    {"PolicyName": f"{role_id}Policy{index}", "PolicyDocument": policy}
                )
            else:  # SAM policy templates and managed names: no IAM evaluation locally anyway
                logger.info(
                    "%s: policy %r recorded, not expanded (IAM not enforced)", role_id, policy
                )
    created = _iam_role(ctx, role_id, props)
    ctx.implicit[role_id] = created
    return str(created.attributes["Arn"])


# -- CloudFormation-only constructs -----------------------------------------------------
@creator("AWS::CloudFormation::WaitConditionHandle", "AWS::CloudFormation::WaitCondition")
def _wait_condition(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    """Nothing to create: templates use handles to order resources (their Metadata refers
    to conditional ones), which the dependency graph already honours."""
    url = (
        f"https://cloudformation-waitcondition-{ctx.region}.s3.amazonaws.com/{ctx.name(logical_id)}"
    )
    return Created("AWS::CloudFormation::WaitConditionHandle", url, {"Data": "{}"})


# -- IAM -------------------------------------------------------------------------------
@creator("AWS::IAM::Role")
def _iam_role(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    iam = ctx.client("iam")
    name = props.get("RoleName") or ctx.name(logical_id)
    role = iam.create_role(
        RoleName=name,
        Path=props.get("Path", "/"),
        AssumeRolePolicyDocument=_json(props["AssumeRolePolicyDocument"]),
        Tags=_tags(props),
    )["Role"]
    for policy in props.get("Policies") or []:
        iam.put_role_policy(
            RoleName=name,
            PolicyName=policy["PolicyName"],
            PolicyDocument=_json(policy["PolicyDocument"]),
        )
    for arn in props.get("ManagedPolicyArns") or []:
        try:
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        except ClientError as exc:  # moto knows only some AWS managed policies
            logger.info("%s: managed policy %s not attached locally: %s", logical_id, arn, exc)
    return Created("AWS::IAM::Role", name, {"Arn": role["Arn"], "RoleId": role["RoleId"]})


@creator("AWS::IAM::Policy", "AWS::IAM::RolePolicy")
def _iam_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    roles = props.get("Roles") or ([props["RoleName"]] if "RoleName" in props else [])
    for role in roles:
        ctx.client("iam").put_role_policy(
            RoleName=role,
            PolicyName=props["PolicyName"],
            PolicyDocument=_json(props["PolicyDocument"]),
        )
    return Created("AWS::IAM::Policy", f"{props['PolicyName']}-{uuid.uuid4().hex[:8]}")


@creator("AWS::IAM::ManagedPolicy")
def _iam_managed_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    iam = ctx.client("iam")
    arn = iam.create_policy(
        PolicyName=props.get("ManagedPolicyName") or ctx.name(logical_id, 128),
        PolicyDocument=_json(props["PolicyDocument"]),
    )["Policy"]["Arn"]
    for role in props.get("Roles") or []:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    return Created("AWS::IAM::ManagedPolicy", arn, {"PolicyArn": arn})


# -- Lambda and logs -------------------------------------------------------------------
@creator("AWS::Logs::LogGroup")
def _log_group(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("LogGroupName") or ctx.name(logical_id, 512)
    _ensure_log_group(ctx, name)
    if "RetentionInDays" in props:
        ctx.client("logs").put_retention_policy(
            logGroupName=name, retentionInDays=int(props["RetentionInDays"])
        )
    arn = f"arn:aws:logs:{ctx.region}:{ctx.account_id}:log-group:{name}:*"
    return Created("AWS::Logs::LogGroup", name, {"Arn": arn})


@creator("AWS::Serverless::LayerVersion")
def _layer(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    content_dir = ctx.path(str(props["ContentUri"]))
    arn = ctx.client("lambda").publish_layer_version(
        LayerName=props.get("LayerName") or logical_id,
        Description=props.get("Description", ""),
        Content={"ZipFile": _zip_dir(content_dir)},
        CompatibleRuntimes=props.get("CompatibleRuntimes") or [],
    )["LayerVersionArn"]
    ctx.layer_dirs[arn] = content_dir
    return Created("AWS::Serverless::LayerVersion", arn, {"Arn": arn})


@creator("AWS::Serverless::Function")
def _function(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    code_dir = ctx.path(str(props["CodeUri"]))
    name = props.get("FunctionName") or ctx.name(logical_id)
    role = props.get("Role") or _implicit_role(
        ctx, logical_id, "lambda.amazonaws.com", props.get("Policies")
    )
    variables = (props.get("Environment") or {}).get("Variables") or {}
    layers = [str(arn) for arn in props.get("Layers") or []]
    function = ctx.client("lambda").create_function(
        FunctionName=name,
        Runtime=props.get("Runtime", "python3.13"),
        Role=role,
        Handler=props["Handler"],
        Code={"ZipFile": _zip_dir(code_dir)},
        Timeout=int(props.get("Timeout", 3)),
        MemorySize=int(props.get("MemorySize", 128)),
        Environment={"Variables": {k: _env_value(v) for k, v in variables.items()}},
        Layers=layers,
        Architectures=props.get("Architectures") or ["x86_64"],
        Description=props.get("Description", ""),
    )
    _ensure_log_group(ctx, f"/aws/lambda/{name}")  # moto's in-process invoke writes here
    _register_code(name, code_dir, [ctx.layer_dirs[arn] for arn in layers if arn in ctx.layer_dirs])
    arn = function["FunctionArn"]
    _sam_event_rules(ctx, logical_id, props.get("Events") or {}, arn, role_arn=None)
    return Created("AWS::Serverless::Function", name, {"Arn": arn})


def _env_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _register_code(name: str, code_dir: Path, layer_dirs: list[Path]) -> None:
    """Tell the in-process Lambda runtime where the handler's code lives (if installed)."""
    try:
        from lattice_ingress.local.compat import lambda_runtime
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
    role = props.get("Role") or _implicit_role(
        ctx, logical_id, "states.amazonaws.com", props.get("Policies")
    )
    created = _create_state_machine(
        ctx,
        name=props.get("Name") or ctx.name(logical_id, 80),
        definition=_substitute(text, props.get("DefinitionSubstitutions") or {}),
        role_arn=role,
        machine_type=props.get("Type", "STANDARD"),
        tags=_tags(props, "key", "value"),
    )
    events_role = _implicit_role(ctx, f"{logical_id}Events", "events.amazonaws.com", None)
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
        tags=_tags(props, "key", "value"),
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
        _pick(
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
        request["EventPattern"] = _json(props["EventPattern"])
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
            **_pick(
                props, "Input", "InputPath", "InputTransformer", "DeadLetterConfig", "RetryPolicy"
            ),
        }
        if role_arn:
            target["RoleArn"] = role_arn
        rule: dict[str, Any] = {
            "EventBusName": props.get("EventBusName", "default"),
            **_pick(props, "Description"),
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


# -- storage and messaging -------------------------------------------------------------
@creator("AWS::S3::Bucket")
def _bucket(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    s3 = ctx.client("s3")
    name = props.get("BucketName") or ctx.name(logical_id, 63, lower=True)
    request: dict[str, Any] = {"Bucket": name}
    if ctx.region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
    s3.create_bucket(**request)
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(
            Bucket=name,
            VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]},
        )
    encryption = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration")
    if encryption:
        rules = [  # CloudFormation drops the API's "Apply" prefix
            {
                "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                **_pick(rule, "BucketKeyEnabled"),
            }
            for rule in encryption
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if (props.get("NotificationConfiguration") or {}).get("EventBridgeConfiguration") is not None:
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
    if props.get("OwnershipControls"):
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    if props.get("LifecycleConfiguration"):
        logger.info("%s: lifecycle rules not applied locally (nothing expires here)", logical_id)
    if props.get("Tags"):
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tags(props)})
    return Created(
        "AWS::S3::Bucket",
        name,
        {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
        },
    )


@creator("AWS::S3::BucketPolicy")
def _bucket_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    document = props["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    applicable = _without_conditional_denies(logical_id, document)
    if applicable["Statement"]:
        ctx.client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(applicable))
    return Created("AWS::S3::BucketPolicy", ctx.name(logical_id))


def _without_conditional_denies(logical_id: str, document: dict[str, Any]) -> dict[str, Any]:
    """moto evaluates bucket policies ignoring `Condition`, so a conditional Deny (such as
    TLS-only: aws:SecureTransport=false) would deny every request to the emulator, which
    speaks plain HTTP. Such statements are left out locally, and logged."""
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    kept = []
    for statement in statements:
        if statement.get("Effect") == "Deny" and statement.get("Condition"):
            logger.info(
                "%s: conditional Deny %s not applied (moto ignores conditions)",
                logical_id,
                statement.get("Sid", ""),
            )
            continue
        kept.append(statement)
    return {**document, "Statement": kept}


@creator("AWS::DynamoDB::Table")
def _table(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    dynamodb = ctx.client("dynamodb")
    name = props.get("TableName") or ctx.name(logical_id, 255)
    request: dict[str, Any] = {
        "TableName": name,
        **_pick(
            props,
            "AttributeDefinitions",
            "KeySchema",
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "ProvisionedThroughput",
        ),
        "BillingMode": props.get(
            "BillingMode", "PROVISIONED" if "ProvisionedThroughput" in props else "PAY_PER_REQUEST"
        ),
    }
    if "StreamSpecification" in props:
        request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    if "SSESpecification" in props:
        request["SSESpecification"] = {"Enabled": bool(props["SSESpecification"].get("SSEEnabled"))}
    if props.get("Tags"):
        request["Tags"] = _tags(props)
    table = dynamodb.create_table(**request)["TableDescription"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "Enabled": bool(ttl.get("Enabled")),
                "AttributeName": ttl["AttributeName"],
            },
        )
    attributes = {"Arn": table["TableArn"]}
    if "LatestStreamArn" in table:
        attributes["StreamArn"] = table["LatestStreamArn"]
    return Created("AWS::DynamoDB::Table", name, attributes)


@creator("AWS::SNS::Topic")
def _topic(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    sns = ctx.client("sns")
    name = props.get("TopicName") or ctx.name(logical_id, 256)
    attributes = {k: str(v) for k, v in _pick(props, "DisplayName", "KmsMasterKeyId").items()}
    if props.get("FifoTopic"):
        attributes["FifoTopic"] = "true"
    arn = sns.create_topic(Name=name, Attributes=attributes, Tags=_tags(props))["TopicArn"]
    for subscription in props.get("Subscription") or []:
        sns.subscribe(
            TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"]
        )
    return Created("AWS::SNS::Topic", arn, {"TopicArn": arn, "TopicName": name})


@creator("AWS::SNS::Subscription")
def _subscription(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    arn = ctx.client("sns").subscribe(
        TopicArn=props["TopicArn"],
        Protocol=props["Protocol"],
        Endpoint=props.get("Endpoint", ""),
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return Created("AWS::SNS::Subscription", arn, {"Arn": arn})


@creator("AWS::SNS::TopicPolicy")
def _topic_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    for topic in props.get("Topics") or []:
        ctx.client("sns").set_topic_attributes(
            TopicArn=topic, AttributeName="Policy", AttributeValue=_json(props["PolicyDocument"])
        )
    return Created("AWS::SNS::TopicPolicy", ctx.name(logical_id))


@creator("AWS::SQS::Queue")
def _queue(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    sqs = ctx.client("sqs")
    name = props.get("QueueName") or ctx.name(logical_id, 80)
    attributes = {
        key: _json(value) if isinstance(value, dict) else str(value)
        for key, value in props.items()
        if key not in ("QueueName", "Tags")
    }
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return Created("AWS::SQS::Queue", url, {"Arn": arn, "QueueName": name, "QueueUrl": url})


# -- EC2 -------------------------------------------------------------------------------
def _ec2_tags(resource_type: str, props: Mapping[str, Any]) -> list[dict[str, Any]]:
    tags = _tags(props)
    return [{"ResourceType": resource_type, "Tags": tags}] if tags else []


@creator("AWS::EC2::VPC")
def _vpc(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ec2 = ctx.client("ec2")
    vpc = ec2.create_vpc(CidrBlock=props["CidrBlock"], TagSpecifications=_ec2_tags("vpc", props))[
        "Vpc"
    ]
    vpc_id = vpc["VpcId"]
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        if attribute in props:
            ec2.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": bool(props[attribute])}})
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    return Created(
        "AWS::EC2::VPC",
        vpc_id,
        {
            "VpcId": vpc_id,
            "CidrBlock": vpc["CidrBlock"],
            "CidrBlockAssociations": [
                a["AssociationId"] for a in vpc.get("CidrBlockAssociationSet", [])
            ],
            "DefaultSecurityGroup": groups[0]["GroupId"] if groups else "",
            "Ipv6CidrBlocks": [],
        },
    )


@creator("AWS::EC2::Subnet")
def _subnet(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    request = {
        "VpcId": props["VpcId"],
        "CidrBlock": props["CidrBlock"],
        **_pick(props, "AvailabilityZone", "AvailabilityZoneId"),
        "TagSpecifications": _ec2_tags("subnet", props),
    }
    subnet = ctx.client("ec2").create_subnet(**request)["Subnet"]
    if props.get("MapPublicIpOnLaunch"):
        ctx.client("ec2").modify_subnet_attribute(
            SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True}
        )
    return Created(
        "AWS::EC2::Subnet",
        subnet["SubnetId"],
        {
            "SubnetId": subnet["SubnetId"],
            "AvailabilityZone": subnet["AvailabilityZone"],
            "VpcId": subnet["VpcId"],
            "CidrBlock": subnet["CidrBlock"],
        },
    )


def _ip_permission(rule: Mapping[str, Any]) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": str(rule.get("IpProtocol", "-1"))}
    if "FromPort" in rule:
        permission["FromPort"] = int(rule["FromPort"])
    if "ToPort" in rule:
        permission["ToPort"] = int(rule["ToPort"])
    description = {"Description": rule["Description"]} if "Description" in rule else {}
    if "CidrIp" in rule:
        permission["IpRanges"] = [{"CidrIp": rule["CidrIp"], **description}]
    if "CidrIpv6" in rule:
        permission["Ipv6Ranges"] = [{"CidrIpv6": rule["CidrIpv6"], **description}]
    group = rule.get("SourceSecurityGroupId") or rule.get("DestinationSecurityGroupId")
    if group:
        permission["UserIdGroupPairs"] = [{"GroupId": group, **description}]
    prefix = rule.get("SourcePrefixListId") or rule.get("DestinationPrefixListId")
    if prefix:
        permission["PrefixListIds"] = [{"PrefixListId": prefix, **description}]
    return permission


@creator("AWS::EC2::SecurityGroup")
def _security_group(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ec2 = ctx.client("ec2")
    request = {
        "GroupName": props.get("GroupName") or ctx.name(logical_id, 255),
        "Description": props.get("GroupDescription", logical_id),
        **_pick(props, "VpcId"),
        "TagSpecifications": _ec2_tags("security-group", props),
    }
    group_id = ec2.create_security_group(**request)["GroupId"]
    if props.get("SecurityGroupIngress"):
        ec2.authorize_security_group_ingress(
            GroupId=group_id,
            IpPermissions=[_ip_permission(r) for r in props["SecurityGroupIngress"]],
        )
    if props.get("SecurityGroupEgress"):
        ec2.authorize_security_group_egress(
            GroupId=group_id,
            IpPermissions=[_ip_permission(r) for r in props["SecurityGroupEgress"]],
        )
    return Created(
        "AWS::EC2::SecurityGroup",
        group_id,
        {"GroupId": group_id, "VpcId": props.get("VpcId", "")},
    )


@creator("AWS::EC2::SecurityGroupIngress")
def _security_group_ingress(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ctx.client("ec2").authorize_security_group_ingress(
        GroupId=props["GroupId"], IpPermissions=[_ip_permission(props)]
    )
    return Created("AWS::EC2::SecurityGroupIngress", ctx.name(logical_id))


@creator("AWS::EC2::SecurityGroupEgress")
def _security_group_egress(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ctx.client("ec2").authorize_security_group_egress(
        GroupId=props["GroupId"], IpPermissions=[_ip_permission(props)]
    )
    return Created("AWS::EC2::SecurityGroupEgress", ctx.name(logical_id))


@creator("AWS::EC2::InternetGateway")
def _internet_gateway(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    gateway = ctx.client("ec2").create_internet_gateway(
        TagSpecifications=_ec2_tags("internet-gateway", props)
    )["InternetGateway"]["InternetGatewayId"]
    return Created("AWS::EC2::InternetGateway", gateway, {"InternetGatewayId": gateway})


@creator("AWS::EC2::VPCGatewayAttachment")
def _gateway_attachment(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ctx.client("ec2").attach_internet_gateway(
        InternetGatewayId=props["InternetGatewayId"], VpcId=props["VpcId"]
    )
    return Created("AWS::EC2::VPCGatewayAttachment", ctx.name(logical_id))


@creator("AWS::EC2::RouteTable")
def _route_table(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    table = ctx.client("ec2").create_route_table(
        VpcId=props["VpcId"], TagSpecifications=_ec2_tags("route-table", props)
    )["RouteTable"]["RouteTableId"]
    return Created("AWS::EC2::RouteTable", table, {"RouteTableId": table})


@creator("AWS::EC2::Route")
def _route(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    ctx.client("ec2").create_route(
        **_pick(
            props,
            "RouteTableId",
            "DestinationCidrBlock",
            "DestinationIpv6CidrBlock",
            "GatewayId",
            "NatGatewayId",
            "VpcEndpointId",
        )
    )
    return Created("AWS::EC2::Route", ctx.name(logical_id))


@creator("AWS::EC2::SubnetRouteTableAssociation")
def _route_association(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    association = ctx.client("ec2").associate_route_table(
        RouteTableId=props["RouteTableId"], SubnetId=props["SubnetId"]
    )["AssociationId"]
    return Created("AWS::EC2::SubnetRouteTableAssociation", association, {"Id": association})


@creator("AWS::EC2::EIP")
def _eip(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    address = ctx.client("ec2").allocate_address(Domain="vpc")
    return Created(
        "AWS::EC2::EIP",
        address["PublicIp"],
        {"AllocationId": address["AllocationId"], "PublicIp": address["PublicIp"]},
    )


@creator("AWS::EC2::NatGateway")
def _nat_gateway(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    gateway = ctx.client("ec2").create_nat_gateway(
        **_pick(props, "SubnetId", "AllocationId", "ConnectivityType"),
        TagSpecifications=_ec2_tags("natgateway", props),
    )["NatGateway"]["NatGatewayId"]
    return Created("AWS::EC2::NatGateway", gateway, {"NatGatewayId": gateway})


@creator("AWS::EC2::VPCEndpoint")
def _vpc_endpoint(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    endpoint = ctx.client("ec2").create_vpc_endpoint(
        **_pick(
            props,
            "VpcId",
            "ServiceName",
            "VpcEndpointType",
            "SubnetIds",
            "SecurityGroupIds",
            "RouteTableIds",
            "PrivateDnsEnabled",
            "ServiceNetworkArn",
        ),
        **({"PolicyDocument": _json(props["PolicyDocument"])} if "PolicyDocument" in props else {}),
    )["VpcEndpoint"]
    entries = [
        f"{e.get('HostedZoneId', '')}:{e.get('DnsName', '')}"
        for e in endpoint.get("DnsEntries", [])
    ]
    return Created(
        "AWS::EC2::VPCEndpoint",
        endpoint["VpcEndpointId"],
        {
            "Id": endpoint["VpcEndpointId"],
            "DnsEntries": entries,
            "NetworkInterfaceIds": endpoint.get("NetworkInterfaceIds", []),
            "CreationTimestamp": str(endpoint.get("CreationTimestamp", "")),
        },
    )


# -- load balancing --------------------------------------------------------------------
@creator("AWS::ElasticLoadBalancingV2::LoadBalancer")
def _load_balancer(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    elbv2 = ctx.client("elbv2")
    name = props.get("Name") or ctx.name(logical_id, 32)
    request = {
        "Name": name,
        **_pick(
            props, "Subnets", "SubnetMappings", "SecurityGroups", "Scheme", "Type", "IpAddressType"
        ),
    }
    if props.get("Tags"):
        request["Tags"] = _tags(props)
    balancer = elbv2.create_load_balancer(**request)["LoadBalancers"][0]
    arn = balancer["LoadBalancerArn"]
    attributes = props.get("LoadBalancerAttributes") or []
    if attributes:
        elbv2.modify_load_balancer_attributes(
            LoadBalancerArn=arn,
            Attributes=[{"Key": a["Key"], "Value": str(a["Value"])} for a in attributes],
        )
    return Created(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        arn,
        {
            "DNSName": balancer["DNSName"],
            "CanonicalHostedZoneID": balancer["CanonicalHostedZoneId"],
            "LoadBalancerArn": arn,
            "LoadBalancerName": name,
            "LoadBalancerFullName": arn.split(":loadbalancer/", 1)[-1],
            "SecurityGroups": balancer.get("SecurityGroups", []),
        },
    )


@creator("AWS::ElasticLoadBalancingV2::TargetGroup")
def _target_group(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    elbv2 = ctx.client("elbv2")
    name = props.get("Name") or ctx.name(logical_id, 32)
    request: dict[str, Any] = {
        "Name": name,
        **_pick(
            props,
            "Protocol",
            "VpcId",
            "TargetType",
            "HealthCheckProtocol",
            "HealthCheckPort",
            "HealthCheckPath",
            "HealthCheckEnabled",
        ),
    }
    for key in (
        "Port",
        "HealthCheckIntervalSeconds",
        "HealthCheckTimeoutSeconds",
        "HealthyThresholdCount",
        "UnhealthyThresholdCount",
    ):
        if key in props:
            request[key] = int(props[key])
    group = elbv2.create_target_group(**request)["TargetGroups"][0]
    arn = group["TargetGroupArn"]
    attributes = props.get("TargetGroupAttributes") or []
    if attributes:
        elbv2.modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[{"Key": a["Key"], "Value": str(a["Value"]).lower()} for a in attributes],
        )
    return Created(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        arn,
        {
            "TargetGroupArn": arn,
            "TargetGroupName": name,
            "TargetGroupFullName": arn.split(":", 5)[-1].split("/", 1)[-1],
            "LoadBalancerArns": group.get("LoadBalancerArns", []),
        },
    )


@creator("AWS::ElasticLoadBalancingV2::Listener")
def _listener(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    request = {
        "LoadBalancerArn": props["LoadBalancerArn"],
        "Port": int(props["Port"]),
        **_pick(props, "Protocol", "Certificates", "SslPolicy", "AlpnPolicy"),
        "DefaultActions": props["DefaultActions"],
    }
    arn = ctx.client("elbv2").create_listener(**request)["Listeners"][0]["ListenerArn"]
    return Created("AWS::ElasticLoadBalancingV2::Listener", arn, {"ListenerArn": arn})


# -- ECS and scaling -------------------------------------------------------------------
@creator("AWS::ECS::Cluster")
def _cluster(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("ClusterName") or ctx.name(logical_id, 255)
    request: dict[str, Any] = {"clusterName": name}
    if props.get("ClusterSettings"):
        request["settings"] = _camel(props["ClusterSettings"])
    if props.get("Tags"):
        request["tags"] = _tags(props, "key", "value")
    arn = ctx.client("ecs").create_cluster(**request)["cluster"]["clusterArn"]
    return Created("AWS::ECS::Cluster", name, {"Arn": arn})


@creator("AWS::ECS::TaskDefinition")
def _task_definition(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    request = _camel(
        _pick(
            props,
            "ContainerDefinitions",
            "Cpu",
            "Memory",
            "NetworkMode",
            "RequiresCompatibilities",
            "ExecutionRoleArn",
            "TaskRoleArn",
            "RuntimePlatform",
            "Volumes",
        )
    )
    request["family"] = props.get("Family") or ctx.name(logical_id, 255)
    for key in ("cpu", "memory"):
        if key in request:
            request[key] = str(request[key])
    if props.get("Tags"):
        request["tags"] = _tags(props, "key", "value")
    arn = ctx.client("ecs").register_task_definition(**request)["taskDefinition"][
        "taskDefinitionArn"
    ]
    return Created("AWS::ECS::TaskDefinition", arn, {"TaskDefinitionArn": arn})


@creator("AWS::ECS::Service")
def _service(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    request = _camel(
        _pick(
            props,
            "Cluster",
            "TaskDefinition",
            "LaunchType",
            "NetworkConfiguration",
            "LoadBalancers",
            "DeploymentConfiguration",
            "PlatformVersion",
            "PropagateTags",
            "EnableExecuteCommand",
            "HealthCheckGracePeriodSeconds",
            "CapacityProviderStrategy",
        )
    )
    name = props.get("ServiceName") or ctx.name(logical_id, 255)
    request["serviceName"] = name
    request["desiredCount"] = int(props.get("DesiredCount", 1))
    if props.get("Tags"):
        request["tags"] = _tags(props, "key", "value")
    arn = ctx.client("ecs").create_service(**request)["service"]["serviceArn"]
    return Created("AWS::ECS::Service", arn, {"Name": name, "ServiceArn": arn})


@creator("AWS::ApplicationAutoScaling::ScalableTarget")
def _scalable_target(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    request = {
        **_pick(props, "ServiceNamespace", "ResourceId", "ScalableDimension"),
        "MinCapacity": int(props["MinCapacity"]),
        "MaxCapacity": int(props["MaxCapacity"]),
        **({"RoleARN": props["RoleARN"]} if "RoleARN" in props else {}),
    }
    ctx.client("application-autoscaling").register_scalable_target(**request)
    # CloudFormation's Ref is "resource|dimension|namespace"; scaling policies parse it back.
    physical = "|".join(
        (props["ResourceId"], props["ScalableDimension"], props["ServiceNamespace"])
    )
    return Created("AWS::ApplicationAutoScaling::ScalableTarget", physical)


@creator("AWS::ApplicationAutoScaling::ScalingPolicy")
def _scaling_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    if "ScalingTargetId" in props:
        resource_id, dimension, namespace = str(props["ScalingTargetId"]).split("|")
    else:
        resource_id = props["ResourceId"]
        dimension = props["ScalableDimension"]
        namespace = props["ServiceNamespace"]
    request = {
        "PolicyName": props["PolicyName"],
        "ServiceNamespace": namespace,
        "ResourceId": resource_id,
        "ScalableDimension": dimension,
        "PolicyType": props.get("PolicyType", "TargetTrackingScaling"),
        **_pick(
            props,
            "TargetTrackingScalingPolicyConfiguration",
            "StepScalingPolicyConfiguration",
        ),
    }
    arn = ctx.client("application-autoscaling").put_scaling_policy(**request)["PolicyARN"]
    return Created("AWS::ApplicationAutoScaling::ScalingPolicy", arn, {"Arn": arn})


# -- CloudWatch ------------------------------------------------------------------------
_ALARM_KEYS = (
    "AlarmDescription",
    "ActionsEnabled",
    "OKActions",
    "AlarmActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Unit",
    "ComparisonOperator",
    "TreatMissingData",
    "Metrics",
    "ThresholdMetricId",
)


@creator("AWS::CloudWatch::Alarm")
def _alarm(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("AlarmName") or ctx.name(logical_id, 255)
    request: dict[str, Any] = {"AlarmName": name, **_pick(props, *_ALARM_KEYS)}
    for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if key in props:
            request[key] = int(props[key])
    if "Threshold" in props:
        request["Threshold"] = float(props["Threshold"])
    ctx.client("cloudwatch").put_metric_alarm(**request)
    arn = f"arn:aws:cloudwatch:{ctx.region}:{ctx.account_id}:alarm:{name}"
    return Created("AWS::CloudWatch::Alarm", name, {"Arn": arn})


@creator("AWS::CloudWatch::Dashboard")
def _dashboard(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("DashboardName") or ctx.name(logical_id, 255)
    ctx.client("cloudwatch").put_dashboard(
        DashboardName=name, DashboardBody=_json(props["DashboardBody"])
    )
    return Created("AWS::CloudWatch::Dashboard", name)


# -- Route 53 --------------------------------------------------------------------------
@creator("AWS::Route53::HostedZone")
def _hosted_zone(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    vpcs = props.get("VPCs") or []
    request: dict[str, Any] = {"Name": props["Name"], "CallerReference": uuid.uuid4().hex}
    if vpcs:
        request["VPC"] = {"VPCId": vpcs[0]["VPCId"], "VPCRegion": vpcs[0]["VPCRegion"]}
    comment = (props.get("HostedZoneConfig") or {}).get("Comment")
    if comment:
        request["HostedZoneConfig"] = {"Comment": comment, "PrivateZone": bool(vpcs)}
    zone = ctx.client("route53").create_hosted_zone(**request)
    zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
    return Created(
        "AWS::Route53::HostedZone",
        zone_id,
        {"Id": zone_id, "NameServers": zone.get("DelegationSet", {}).get("NameServers", [])},
    )


def _record_change(record: Mapping[str, Any]) -> dict[str, Any]:
    change: dict[str, Any] = {
        **_pick(record, "Name", "Type", "SetIdentifier", "Weight", "Region"),
    }
    if "TTL" in record:
        change["TTL"] = int(record["TTL"])
    if "ResourceRecords" in record:
        change["ResourceRecords"] = [{"Value": str(v)} for v in record["ResourceRecords"]]
    if "AliasTarget" in record:
        alias = record["AliasTarget"]
        change["AliasTarget"] = {
            "DNSName": alias["DNSName"],
            "HostedZoneId": alias["HostedZoneId"],
            "EvaluateTargetHealth": bool(alias.get("EvaluateTargetHealth", False)),
        }
    return {"Action": "UPSERT", "ResourceRecordSet": change}


def _zone_id(ctx: DeployContext, props: Mapping[str, Any]) -> str:
    if "HostedZoneId" in props:
        return str(props["HostedZoneId"])
    wanted = str(props["HostedZoneName"]).rstrip(".") + "."
    paginator = ctx.client("route53").get_paginator("list_hosted_zones")
    for page in paginator.paginate():
        for zone in page["HostedZones"]:
            if zone["Name"] == wanted:
                return str(zone["Id"]).rsplit("/", 1)[-1]
    raise DeployError(f"no hosted zone named {wanted}")


@creator("AWS::Route53::RecordSet", "AWS::Route53::RecordSetGroup")
def _record_sets(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    records = props.get("RecordSets") or [props]
    ctx.client("route53").change_resource_record_sets(
        HostedZoneId=_zone_id(ctx, props),
        ChangeBatch={"Changes": [_record_change(r) for r in records]},
    )
    return Created("AWS::Route53::RecordSet", str(records[0]["Name"]))


# -- VPC Lattice -----------------------------------------------------------------------
@creator("AWS::VpcLattice::ServiceNetwork")
def _service_network(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    network = ctx.client("vpc-lattice").create_service_network(
        name=props.get("Name") or ctx.name(logical_id, 63, lower=True),
        authType=props.get("AuthType", "NONE"),
    )
    return Created(
        "AWS::VpcLattice::ServiceNetwork",
        network["arn"],
        {"Arn": network["arn"], "Id": network["id"]},
    )


@creator("AWS::VpcLattice::ServiceNetworkVpcAssociation")
def _service_network_vpc(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    association = ctx.client("vpc-lattice").create_service_network_vpc_association(
        serviceNetworkIdentifier=props["ServiceNetworkIdentifier"],
        vpcIdentifier=props["VpcIdentifier"],
        **(
            {"securityGroupIds": props["SecurityGroupIds"]} if props.get("SecurityGroupIds") else {}
        ),
    )
    return Created(
        "AWS::VpcLattice::ServiceNetworkVpcAssociation",
        association["arn"],
        {"Arn": association["arn"], "Id": association["id"]},
    )


# -- scheduled rules -------------------------------------------------------------------
def rate_seconds(expression: str) -> int | None:
    """Seconds between firings of a `rate(...)` expression; None for cron and others."""
    match = _RATE.match(expression.strip())
    if match is None:
        return None
    unit = match.group(2).rstrip("s")
    return int(match.group(1)) * _RATE_SECONDS[unit]


class RuleScheduler:
    """Fires enabled `rate(...)` rules to their targets while the local stack runs.

    EventBridge's own scheduler has no API to drive, so each firing sends the "Scheduled
    Event" to the rule's targets the way EventBridge would (Input / InputPath honoured).
    """

    def __init__(
        self, ctx: DeployContext, rules: list[tuple[str, str]], time_scale: float = 1.0
    ) -> None:
        self._ctx = ctx
        self._periods: dict[str, float] = {}
        for name, expression in rules:
            seconds = rate_seconds(expression)
            if seconds is None:
                logger.warning("rule %s: %s is not fired locally (rate() only)", name, expression)
            else:
                self._periods[name] = seconds * time_scale
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rule-scheduler", daemon=True)

    def start(self) -> RuleScheduler:
        if self._periods:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        due = dict.fromkeys(self._periods, 0.0)
        elapsed = 0.0
        tick = min(self._periods.values())
        while not self._stop.wait(tick):  # ends as soon as stop() is called
            elapsed += tick
            for name, period in self._periods.items():
                if elapsed - due[name] >= period:
                    due[name] = elapsed
                    try:
                        self.fire(name)
                    except Exception:  # one bad firing must not stop the scheduler
                        logger.exception("scheduled rule %s failed to fire", name)

    def fire(self, rule_name: str) -> int:
        """Deliver one Scheduled Event to the rule's targets; returns how many got it.

        Delivery goes through moto's own target dispatch (extended by compat.events), so a
        scheduled firing reaches every target kind an event-pattern match would.
        """
        from moto.events.models import events_backends

        backend = events_backends[self._ctx.account_id][self._ctx.region]
        rule = backend.describe_rule(rule_name, None)
        if rule.state != "ENABLED":
            return 0
        now = time.time()
        event: dict[str, Any] = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self._ctx.account_id,
            "time": now,  # moto's own events carry epoch seconds; targets see ISO-8601
            "region": self._ctx.region,
            "resources": [rule.arn],
            "detail": {},
            "ingestion-time": now,
        }
        rule.send_to_targets(event)  # type: ignore[arg-type]  # moto types it as a TypedDict
        return len(rule.targets)
