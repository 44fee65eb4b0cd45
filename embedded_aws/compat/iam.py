"""IAM, enforced: every request signed with a role's credentials is authorised against that
role's identity policies (and, for S3, the bucket policy) before moto sees it.

* Who: the SigV4 access key id. Keys minted by `embedded_aws.iam.credentials.role_session`
  (each Lambda function's execution role, the state machine's role, the proxy task's role)
  are that role's session; any other key is the account's root (the dummy credentials of
  tests and the demo): allowed, except where a bucket policy explicitly denies.
* What: `embedded_aws/iam/actions.py` maps the operation to IAM actions and resource ARNs;
  an operation missing there is denied to roles, naming that file.
* Refusals are spelled as each service spells them (S3/Route 53: AccessDenied, 403;
  JSON protocols: AccessDeniedException; SNS: AuthorizationError; EC2: UnauthorizedOperation).
* S3: GetObject/HeadObject of a missing key answers 404 only if the caller may also
  s3:ListBucket the bucket, else 403, as S3 does. moto's own bucket-policy check (which
  ignores conditions) is switched off: this module evaluates the policy, conditions included.
* Step Functions: the interpreter's SDK clients (Lambda invoke, aws-sdk and optimised
  integrations) sign with the execution role's credentials instead of moto's fixed key.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel
from moto.core.request import determine_request_protocol
from moto.core.utils import get_service_model
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from embedded_aws.compat.faults import (
    Fault,
    buffered_request,
    credential_scope,
    error_response,
    match_operation,
)
from embedded_aws.iam import actions
from embedded_aws.iam.authorizer import Denial, authorize, decide
from embedded_aws.iam.credentials import (
    RoleSession,
    identity_policies,
    role_session,
    session_for_key,
)

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws, WsgiApp

logger = logging.getLogger(__name__)

_INSTALLED_MARK = "_lattice_ingress_iam"
_KEY = re.compile(r"Credential=([^/,\s]+)/")
# How each service spells a refusal: (error code, HTTP status).
_REFUSALS = {
    "s3": ("AccessDenied", 403),
    "route53": ("AccessDenied", 403),
    "sts": ("AccessDenied", 403),
    "iam": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403),
    "ec2": ("UnauthorizedOperation", 403),
    "dynamodb": ("AccessDeniedException", 400),
    "ecs": ("AccessDeniedException", 400),
    "stepfunctions": ("AccessDeniedException", 400),
}
_DEFAULT_REFUSAL = ("AccessDeniedException", 403)  # rest-json services: Lambda, VPC Lattice


def _signing_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for service in dict.fromkeys(service for service, _ in actions.ACTIONS):
        model = get_service_model(service)
        for name in {model.signing_name, model.endpoint_prefix}:
            names.setdefault(name, []).append(service)
    return names


def _access_key(environ: dict[str, Any]) -> str | None:
    match = _KEY.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1)
    query = environ.get("QUERY_STRING", "")
    presigned = re.search(r"X-Amz-Credential=([^%&/]+)(?:%2F|/)", query)
    return presigned.group(1) if presigned else None


def _operation(signing: str, request: Any) -> tuple[str, OperationModel, dict[str, Any]] | None:
    for service in _signing_names().get(signing, []):
        try:
            operation, uri_params = match_operation(service, request)
        except (NotFound, NotImplementedError):
            continue
        return service, operation, dict(uri_params)
    return None


def _bucket_policy(account: str, bucket: str | None) -> str | None:
    if not bucket:
        return None
    from moto.s3.models import s3_backends

    found = s3_backends[account]["aws"].buckets.get(bucket)
    policy = getattr(found, "policy", None) if found else None
    return policy.decode() if isinstance(policy, bytes) else policy


def _object_missing(account: str, bucket: str, key: str) -> bool:
    from moto.s3.models import FakeDeleteMarker, s3_backends

    found = s3_backends[account]["aws"].buckets.get(bucket)
    if found is None:
        return False
    # A delete marker as the current version: S3 "behaves as if the object was deleted".
    current = found.keys.get(key)
    return current is None or isinstance(current, FakeDeleteMarker)


def _refusal(operation: OperationModel, content_type: str, denial: Denial, method: str) -> Response:
    service = operation.service_model.service_name
    code, status = _REFUSALS.get(service, _DEFAULT_REFUSAL)
    protocol = determine_request_protocol(operation.service_model, content_type)
    fault = Fault(service=service, errorCode=code, status=status, message=denial.message)
    response = error_response(operation.service_model, protocol, fault, str(uuid.uuid4()))
    if method == "HEAD":  # S3 answers HEAD with the status alone
        response.set_data(b"")
    return response


def _authorise(environ: dict[str, Any]) -> Response | None:
    scope = credential_scope(environ)
    if scope is None:
        return None
    region, signing = scope
    key = _access_key(environ)
    session = session_for_key(key) if key else None
    if session is None and signing != "s3":
        return None  # the account's root: only bucket policies can refuse it
    request, body = buffered_request(environ)
    matched = _operation(signing, request)
    if matched is None:
        if session is None:
            return None
        raise_unmapped = f"{signing} request {request.method} {request.path}"
        logger.warning("IAM: no operation matched for %s; denied", raise_unmapped)
        return Response(f"no IAM mapping for {raise_unmapped}", 403)
    service, operation, uri_params = matched
    from embedded_aws.iam.authorizer import request_parameters

    params = request_parameters(
        service, operation, uri_params, request.args, dict(request.headers), body
    )
    account = session.account_id if session else "123456789012"
    resource_policy = _bucket_policy(account, params.get("Bucket")) if service == "s3" else None
    denial = authorize(
        session,
        service,
        operation.name,
        params,
        body,
        region=region,
        account=account,
        resource_policy=resource_policy,
    )
    if denial is None and service == "s3" and operation.name in ("GetObject", "HeadObject"):
        denial = _missing_object_check(session, operation.name, params, account, resource_policy)
    if denial is None:
        return None
    logger.info("IAM: %s", denial.message)
    return _refusal(operation, request.content_type or "", denial, request.method)


MISSING_KEY = " (missing key)"


def _missing_object_check(
    session: RoleSession | None,
    operation: str,
    params: dict[str, Any],
    account: str,
    policy: str | None,
) -> Denial | None:
    bucket, key = params.get("Bucket"), params.get("Key")
    if session is None or not bucket or not key or not _object_missing(account, bucket, key):
        return None
    # S3 says 404 only to whoever may list the bucket; otherwise the key's absence is a secret.
    return decide(
        session,
        session.session_arn,
        "s3:ListBucket",
        f"arn:aws:s3:::{bucket}",
        {"aws:SecureTransport": ["true"]},
        identity_policies(session.role_arn),
        policy,
        f"s3:{operation}{MISSING_KEY}",
    )


def _iam_middleware(app: WsgiApp) -> WsgiApp:
    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        refusal = _authorise(environ)
        if refusal is not None:
            return refusal(environ, start_response)
        return app(environ, start_response)

    return middleware


# -- moto patches ---------------------------------------------------------------------------
_SFN_CLIENT_MODULES = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_events",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported",
)


def _install_state_machine_credentials() -> None:
    """The interpreter signs every SDK call with the execution role's session."""
    import boto3
    from botocore.config import Config
    from moto.stepfunctions.parser.asl.utils import boto_client as origin

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        role_arn = getattr(state_credentials, "role_arn", None)
        if not role_arn:
            return original(region, service, state_credentials)
        session = role_session(role_arn, "states-execution", region)
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=f"http://localhost:{origin.moto_server_port()}",
            aws_access_key_id=session.access_key_id,
            aws_secret_access_key=session.secret_access_key,
            aws_session_token=session.session_token,
            config=Config(
                parameter_validation=False,
                retries={"max_attempts": 0, "total_max_attempts": 1},
                connect_timeout=origin.TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                read_timeout=origin.TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
            ),
        )

    original = origin.boto_client_for
    for name in _SFN_CLIENT_MODULES:
        importlib.import_module(name)
    for name, module in list(sys.modules.items()):
        if (
            name.startswith("moto.stepfunctions.parser")
            and getattr(module, "boto_client_for", None) is original
        ):
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]


def _install_bucket_policies() -> None:
    """moto applies bucket policies without conditions; here they are evaluated in full."""
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        return PermissionResult.NEUTRAL

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


def install(embedded: EmbeddedAws) -> None:
    embedded.add_middleware(_iam_middleware)
    from moto.stepfunctions.parser.asl.utils import boto_client

    if getattr(boto_client, _INSTALLED_MARK, False):
        return
    _install_state_machine_credentials()
    _install_bucket_policies()
    setattr(boto_client, _INSTALLED_MARK, True)
