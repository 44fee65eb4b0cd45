"""Step Functions: `aws-sdk:` tasks and JSONPath evaluated as AWS evaluates them.

moto's ASL interpreter (a port of LocalStack's) passes aws-sdk task parameters straight to
boto3 and its results straight back. AWS instead binds both through the Java SDK v2 model:

* service names are the SDK v2 module names (`vpclattice`, not boto's `vpc-lattice`);
* parameters are PascalCase (`Cluster`, `ServiceNetworkIdentifier`, `TTL`/`Ttl`) whatever
  case the API model uses, and results come back PascalCase the same way (`Services`,
  `Deployments`, `Ttl`), with timestamps as ISO-8601 strings and bodies as strings;
* errors are named `<SdkClientPrefix>.<ExceptionName>` (`Route53.NoSuchHostedZoneException`,
  `VpcLattice.ResourceNotFoundException`), or `<Prefix>.<Prefix>Exception` when the error
  code is not modelled;
* a definite JSONPath (`$.Services[0].Deployments`) selects one value, not a list.

Everything below is derived from the botocore service model, never listed per operation.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
import sys
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import botocore.session
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    ServiceModel,
    Shape,
    StructureShape,
)
from botocore.response import StreamingBody

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

logger = logging.getLogger(__name__)

# Step Functions' own names for services whose SDK v2 module differs from the serviceId rule.
_SFN_SERVICE_ALIASES = {"states": "stepfunctions", "sfn": "stepfunctions"}
# Splits "DynamoDB" -> Dynamo, DB; "EC2" -> EC, 2; "VPC Lattice" -> VPC, Lattice.
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_INSTALLED_MARK = "_lattice_ingress_compat"


class AwsSdkTaskError(RuntimeError):
    """An aws-sdk task names a service or action the SDK model does not have."""


# -- service and operation resolution ---------------------------------------------------------
@functools.cache
def _botocore_session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def service_model(boto_service: str) -> ServiceModel:
    return _botocore_session().get_service_model(boto_service)


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@functools.cache
def _boto_names_by_sdk_module() -> dict[str, str]:
    """SDK v2 module name (serviceId, lower-cased, no spaces) -> boto service name.

    Loads every service model once; only reached for names that are not boto names already.
    """
    session = _botocore_session()
    names: dict[str, str] = {}
    for boto_name in session.get_available_services():
        service_id = session.get_service_model(boto_name).metadata.get("serviceId", "")
        names.setdefault(_squash(service_id), boto_name)
    return names


@functools.cache
def boto_service_name(sfn_service: str) -> str:
    """`vpclattice` -> `vpc-lattice`, `sfn` -> `stepfunctions`, `route53` -> `route53`."""
    if sfn_service in _SFN_SERVICE_ALIASES:
        return _SFN_SERVICE_ALIASES[sfn_service]
    available = _botocore_session().get_available_services()
    if sfn_service in available:
        return sfn_service
    by_squashed = {_squash(name): name for name in available}
    squashed = _squash(sfn_service)
    if squashed in by_squashed:
        return by_squashed[squashed]
    try:
        return _boto_names_by_sdk_module()[squashed]
    except KeyError as exc:
        raise AwsSdkTaskError(f"unknown aws-sdk service {sfn_service!r}") from exc


@functools.cache
def operation_model(boto_service: str, sfn_action: str) -> OperationModel:
    """`changeResourceRecordSets` -> the ChangeResourceRecordSets operation model."""
    model = service_model(boto_service)
    by_lower = {name.lower(): name for name in model.operation_names}
    try:
        return model.operation_model(by_lower[sfn_action.lower()])
    except KeyError as exc:
        raise AwsSdkTaskError(f"{boto_service} has no action {sfn_action!r}") from exc


@functools.cache
def sdk_client_prefix(boto_service: str) -> str:
    """The SDK v2 client name prefix AWS uses in error names: `Route53`, `VpcLattice`, `Ecs`,
    `DynamoDb`, `S3`, `Sns`, `Ec2` (each word of the serviceId capitalised, acronyms too)."""
    service_id = service_model(boto_service).metadata.get("serviceId", boto_service)
    return "".join(word[0].upper() + word[1:].lower() for word in _WORD.findall(service_id))


# -- request and response translation ---------------------------------------------------------
def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def to_boto_params(value: Any, shape: Shape | None) -> Any:
    """Bind PascalCase ASL parameters to the model's member names, recursively.

    Keys are matched case-insensitively (so `Ttl`, `TTL` and `ttl` all bind to `TTL`); a key
    the model does not know is passed on unchanged so that botocore reports it.
    """
    if shape is None:
        return value
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        members = {_key(name): name for name in shape.members}
        if "equals" in members:
            # Step Functions spells a member named `Equals` as `EqualsValue`.
            members["equalsvalue"] = members["equals"]
        bound = {}
        for key, item in value.items():
            member = members.get(_key(key))
            if member is None:
                bound[key] = item
            else:
                bound[member] = to_boto_params(item, shape.members[member])
        return bound
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [to_boto_params(item, shape.member) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: to_boto_params(item, shape.value) for key, item in value.items()}
    # JSON given where the model wants text or bytes (an S3 Body, an SNS Message) is
    # sent as its compact JSON text, as Step Functions does.
    if shape.type_name == "blob" and not isinstance(value, bytes | str):
        return json.dumps(value, separators=(",", ":")).encode()
    if shape.type_name == "string" and isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return value


def sfn_key(member: str) -> str:
    """The SDK v2 bean name Step Functions prints: `serviceName` -> `ServiceName`,
    `TTL` -> `Ttl`, `ETag` -> `Etag`, `ResourceRecordSets` unchanged."""
    words = re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", member).lower()
    return "".join(word.title() for word in words.split("_") if word)


def iso8601(value: dt.datetime) -> str:
    """As Java's Instant.toString() prints it: UTC, `Z`, fraction only when non-zero."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    spec = "seconds" if not value.microsecond else "milliseconds"
    if value.microsecond % 1000:
        spec = "microseconds"
    return value.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def from_boto_result(value: Any, shape: Shape | None) -> Any:
    """boto3's result -> the JSON Step Functions hands to the next state."""
    if isinstance(value, StreamingBody):
        return value.read().decode("utf-8", errors="replace")
    if isinstance(value, dt.datetime):
        return iso8601(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        if isinstance(shape, StructureShape):
            return {
                sfn_key(key) if key in shape.members else key: from_boto_result(
                    item, shape.members.get(key)
                )
                for key, item in value.items()
            }
        item_shape = shape.value if isinstance(shape, MapShape) else None
        return {key: from_boto_result(item, item_shape) for key, item in value.items()}
    if isinstance(value, list):
        member = shape.member if isinstance(shape, ListShape) else None
        return [from_boto_result(item, member) for item in value]
    return value


def sdk_error_name(boto_service: str, exc: ClientError) -> str:
    """`Route53.NoSuchHostedZoneException`; unmodelled codes -> `Route53.Route53Exception`."""
    prefix = sdk_client_prefix(boto_service)
    # botocore raises a subclass named after the modelled error shape, plain ClientError else.
    name = type(exc).__name__ if type(exc) is not ClientError else prefix
    if not name.endswith("Exception"):
        name += "Exception"
    return f"{prefix}.{name}"


# -- JSONPath ---------------------------------------------------------------------------------
def is_definite_path(expr: Any) -> bool:
    """True when a parsed JSONPath can select at most one node (no wildcard, slice, filter,
    union or recursive descent): AWS then returns that node itself, never a list."""
    from jsonpath_ng import jsonpath

    if isinstance(expr, jsonpath.Child):
        return is_definite_path(expr.left) and is_definite_path(expr.right)
    if isinstance(expr, jsonpath.Root | jsonpath.This):
        return True
    if isinstance(expr, jsonpath.Fields):
        return len(expr.fields) == 1 and expr.fields[0] != "*"
    if isinstance(expr, jsonpath.Index):
        return len(expr.indices) == 1
    return False


def extract_json(path: str, data: Any) -> Any:
    from jsonpath_ng.ext import parse
    from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

    expr = parse(path)
    matches = expr.find(data)
    definite = is_definite_path(expr)
    if not matches:
        if not definite:
            return []
        raise NoSuchJsonPathError(json_path=path, data=data)
    if definite:
        return matches[0].value
    return [match.value for match in matches]


# -- patches ----------------------------------------------------------------------------------
def _aws_sdk_patches() -> dict[str, Callable[..., Any]]:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    base = aws_sdk.StateTaskServiceAwsSdk
    original_from_error = base._from_error

    def boto_service(self: Any) -> str:
        return boto_service_name(self.resource.api_name)

    def _get_boto_service_name(self: Any, boto_service_name_: str | None = None) -> str:
        return boto_service(self)

    def _get_boto_service_action(self: Any, service_action_name: str | None = None) -> str:
        action = service_action_name or self.resource.api_action
        return xform_name(operation_model(boto_service(self), action).name)

    def _normalise_parameters(self: Any, parameters: dict[str, Any], *_: Any) -> None:
        operation = operation_model(boto_service(self), self.resource.api_action)
        bound = to_boto_params(parameters, operation.input_shape)
        parameters.clear()
        parameters.update(bound)

    def _normalise_response(self: Any, response: Any, *_: Any) -> None:
        if not isinstance(response, dict):
            return
        operation = operation_model(boto_service(self), self.resource.api_action)
        converted = from_boto_result(response, operation.output_shape)
        response.clear()
        response.update(converted)

    def _from_error(self: Any, env: Any, ex: Exception) -> Any:
        if not isinstance(ex, ClientError):
            return original_from_error(self, env, ex)
        service = boto_service(self)
        prefix = sdk_client_prefix(service)
        metadata = ex.response.get("ResponseMetadata", {})
        details = [
            f"Service: {prefix}",
            f"Status Code: {metadata.get('HTTPStatusCode')}",
            f"Request ID: {metadata.get('RequestId')}",
        ]
        cause = f"{ex.response.get('Error', {}).get('Message', '')} ({', '.join(details)})"
        return self._get_task_failure_event(env=env, error=sdk_error_name(service, ex), cause=cause)

    return {
        "_get_boto_service_name": _get_boto_service_name,
        "_get_boto_service_action": _get_boto_service_action,
        "_normalise_parameters": _normalise_parameters,
        "_normalise_response": _normalise_response,
        "_from_error": _from_error,
    }


def _install_aws_sdk_task() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (  # noqa: E501
        StateTaskServiceAwsSdk,
    )

    if getattr(StateTaskServiceAwsSdk, _INSTALLED_MARK, False):
        return
    for name, function in _aws_sdk_patches().items():
        setattr(StateTaskServiceAwsSdk, name, function)
    setattr(StateTaskServiceAwsSdk, _INSTALLED_MARK, True)


# Modules that bind `extract_json` by name at import time.
_JSONPATH_USERS = (
    "moto.stepfunctions.parser.asl.utils.json_path",
    "moto.stepfunctions.parser.asl.component.common.string.string_expression",
    "moto.stepfunctions.parser.asl.component.intrinsic.argument.argument",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.timestamp_operators",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.boolean_equals",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.numeric",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.string_operators",
    "moto.stepfunctions.parser.asl.eval.states",
)


def _install_jsonpath() -> None:
    import importlib

    for module_name in _JSONPATH_USERS:
        importlib.import_module(module_name)
        sys.modules[module_name].extract_json = extract_json  # type: ignore[attr-defined]


def install(embedded: EmbeddedAws) -> None:
    """Patch moto's interpreter (idempotent: the patches replace, never wrap twice)."""
    _install_aws_sdk_task()
    _install_jsonpath()
    _install_execution_names()
    _install_execution_output()
    _install_jsonata()


def _install_execution_names() -> None:
    """StartExecution without a name: AWS names the execution with a fresh UUID; moto's
    interpreter backend names every one `None`, so the second unnamed start is refused."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    if getattr(StepFunctionsParserBackend.start_execution, _INSTALLED_MARK, False):
        return
    original = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: Any, state_machine_arn: str, name: str | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        return original(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    setattr(start_execution, _INSTALLED_MARK, True)
    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]


def _install_execution_output() -> None:
    """DescribeExecution's `output` is JSON text. moto keeps the final value and passes a
    `str` through unencoded (a machine returning "done" answered `done`), and `json.dumps`
    anything else; we store the JSON text once, with the interpreter's own encoder."""
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication

    target = BaseExecutionWorkerCommunication
    if getattr(target._reflect_execution_status, _INSTALLED_MARK, False):
        return
    original = target._reflect_execution_status

    def _reflect_execution_status(self: Any) -> None:
        original(self)
        if self.execution.output is not None:
            self.execution.output = to_json_str(self.execution.output, separators=(",", ":"))

    setattr(_reflect_execution_status, _INSTALLED_MARK, True)
    target._reflect_execution_status = _reflect_execution_status  # type: ignore[method-assign]


# -- JSONata ----------------------------------------------------------------------------------
def eval_jsonata(expression: str) -> Any:
    """Evaluate a self-contained JSONata expression (the interpreter has already bound
    `$states` and the variables into it). AWS runs the reference JSONata; moto ships
    LocalStack's JVM bridge without the JVM, so we use jsonata-python, a port of the same
    jsonata-java engine."""
    import jsonata
    from moto.stepfunctions.parser.asl.jsonata.jsonata import JSONataException

    try:
        result = jsonata.Jsonata(expression).evaluate(None)
    except Exception as exc:
        raise JSONataException("UNKNOWN", str(exc)) from exc
    # Plain JSON values only: the engine's own sequence and number types must not leak.
    return None if result is None else json.loads(json.dumps(result))


def _install_jsonata() -> None:
    from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata

    moto_jsonata._eval_jsonata = eval_jsonata
