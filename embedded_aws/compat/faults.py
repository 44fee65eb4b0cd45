"""Injected AWS errors, answered exactly as each service's protocol spells them.

`inject("route53", "ChangeResourceRecordSets", "Throttling", count=2)` makes the next two
matching requests fail with HTTP 400 and Route 53's REST-XML error body, so botocore's
standard/adaptive retry modes classify them as AWS's (Throttling and PriorRequestNotComplete
are throttling codes there). Over HTTP, for other processes:

    POST   /_lattice_ingress/faults  {"service": "route53", "operation": "ChangeResourceRecordSets",
                                      "errorCode": "Throttling", "count": 2,
                                      "status": 400, "message": "Rate exceeded"}
    DELETE /_lattice_ingress/faults  (clears every pending fault)
    GET    /_lattice_ingress/faults  (lists pending faults)

`service` is the boto3 client name; `operation` the API name (or its snake_case form, or
"*" for any). Requests are matched by their SigV4 credential scope (the signing name) and
the operation the botocore model routes them to: REST by method and requestUri, JSON by
X-Amz-Target, query by Action.

The helpers `buffered_request`, `credential_scope` and `match_operation` are shared with
the CloudTrail module, which needs the same view of a request.
"""

from __future__ import annotations

import io
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from botocore import xform_name
from botocore.model import OperationModel, ServiceModel
from moto.core.request import Request, determine_request_protocol
from moto.core.routing import get_service_router
from moto.core.utils import get_service_model
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request as WerkzeugRequest
from werkzeug.wrappers import Response

from embedded_aws.compat.control import control_endpoint, json_response

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws, WsgiApp

FAULTS_PATH = "/_lattice_ingress/faults"
ANY_OPERATION = "*"
_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/([^/,]+)/([^/,]+)/aws4_request")


class FaultError(ValueError):
    """A fault cannot be injected as asked (unknown service, operation or protocol)."""


class Fault(BaseModel):
    """One pending injected error; `count` is how many more requests it answers."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    service: str
    operation: str = ANY_OPERATION
    error_code: str = Field(alias="errorCode", min_length=1)
    count: int = Field(default=1, ge=1)
    status: int = Field(default=400, ge=400, le=599)
    message: str = "Rate exceeded"

    @field_validator("service")
    @classmethod
    def _known_service(cls, value: str) -> str:
        try:
            get_service_model(value)
        except Exception as exc:  # botocore raises UnknownServiceError and friends
            raise ValueError(f"unknown service {value!r}") from exc
        return value

    def matches(self, signing_name: str, operation: OperationModel) -> bool:
        model = get_service_model(self.service)
        if signing_name not in (model.signing_name, model.endpoint_prefix):
            return False
        if model.service_name != operation.service_model.service_name:
            return False
        wanted = self.operation
        return wanted == ANY_OPERATION or wanted in (operation.name, xform_name(operation.name))


_lock = threading.Lock()
_pending: list[Fault] = []


# -- public in-process API -----------------------------------------------------------------
def inject(
    service: str,
    operation: str,
    error_code: str,
    count: int = 1,
    status: int = 400,
    message: str = "Rate exceeded",
) -> Fault:
    """Answer the next `count` matching requests with `error_code` instead of moto."""
    try:
        fault = Fault(
            service=service,
            operation=operation,
            errorCode=error_code,
            count=count,
            status=status,
            message=message,
        )
    except ValidationError as exc:
        raise FaultError(str(exc)) from exc
    _check_operation(fault)
    with _lock:
        _pending.append(fault)
    return fault.model_copy()


def clear() -> None:
    with _lock:
        _pending.clear()


def pending() -> list[Fault]:
    with _lock:
        return [fault.model_copy() for fault in _pending]


def _check_operation(fault: Fault) -> None:
    model = get_service_model(fault.service)
    if fault.operation == ANY_OPERATION:
        return
    names = set(model.operation_names) | {xform_name(n) for n in model.operation_names}
    if fault.operation not in names:
        raise FaultError(f"{fault.service} has no operation {fault.operation!r}")


def _take(signing_name: str, operation: OperationModel) -> Fault | None:
    with _lock:
        for fault in _pending:
            if fault.matches(signing_name, operation):
                fault.count -= 1
                if fault.count == 0:
                    _pending.remove(fault)
                return fault.model_copy()
    return None


# -- request helpers (shared with cloudtrail) ----------------------------------------------
def buffered_request(environ: dict[str, Any]) -> tuple[Request, bytes]:
    """Read the body once, leave a fresh copy for the app, and return a parsable request."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > 0:
        body = environ["wsgi.input"].read(length)
    elif environ.get("wsgi.input_terminated"):  # chunked upload, de-chunked by the server
        body = environ["wsgi.input"].read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    request = Request(dict(environ, **{"wsgi.input": io.BytesIO(body)}))
    return request, body


def credential_scope(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(region, signing name) from the SigV4 Authorization header, as AWS routes it."""
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match.group(1), match.group(2)) if match else None


def match_operation(service: str, request: Request) -> tuple[OperationModel, dict[str, Any]]:
    """The botocore operation a request targets, and its URI parameters."""
    return get_service_router(service).match(request)


def _services_for(signing_name: str, faults: Iterable[Fault]) -> list[str]:
    names = []
    for fault in faults:
        model = get_service_model(fault.service)
        if signing_name in (model.signing_name, model.endpoint_prefix):
            names.append(fault.service)
    return list(dict.fromkeys(names))


# -- error bodies -------------------------------------------------------------------------
def error_response(
    service_model: ServiceModel, protocol: str, fault: Fault, request_id: str
) -> Response:
    """The error as the service's protocol spells it on the wire."""
    code, message = escape(fault.error_code), escape(fault.message)
    headers = {"x-amzn-RequestId": request_id}
    kind = "Sender" if fault.status < 500 else "Receiver"
    if protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return Response(body, fault.status, headers, mimetype="text/xml")
    if service_model.service_name == "s3":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        )
        return Response(body, fault.status, headers, mimetype="application/xml")
    if protocol in ("query", "rest-xml"):
        namespace = service_model.metadata.get("xmlNamespace")
        if isinstance(namespace, dict):
            namespace = namespace.get("uri")
        xmlns = f' xmlns="{namespace}"' if namespace else ""
        body = (
            f'<?xml version="1.0"?>\n<ErrorResponse{xmlns}><Error><Type>{kind}</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return Response(body, fault.status, headers, mimetype="text/xml")
    if protocol == "json":
        version = service_model.metadata.get("jsonVersion", "1.0")
        body = json.dumps({"__type": fault.error_code, "message": fault.message})
        return Response(body, fault.status, headers, mimetype=f"application/x-amz-json-{version}")
    if protocol == "rest-json":
        headers["x-amzn-ErrorType"] = fault.error_code
        body = json.dumps({"message": fault.message})
        return Response(body, fault.status, headers, mimetype="application/json")
    raise FaultError(f"no error format for protocol {protocol!r}")


# -- middleware ---------------------------------------------------------------------------
def _answer_control(request: WerkzeugRequest) -> Response:
    if request.method == "DELETE":
        clear()
    elif request.method == "POST":
        try:
            fault = Fault.model_validate(request.get_json(force=True, silent=True) or {})
            inject(
                fault.service,
                fault.operation,
                fault.error_code,
                fault.count,
                fault.status,
                fault.message,
            )
        except (ValidationError, FaultError) as exc:
            return json_response({"message": str(exc)}, 400)
    elif request.method != "GET":
        return Response("", 405)
    return json_response({"faults": [fault.model_dump(by_alias=True) for fault in pending()]})


_control_middleware = control_endpoint(FAULTS_PATH, _answer_control)


def _faults_middleware(app: WsgiApp) -> WsgiApp:
    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        scope = credential_scope(environ)
        with _lock:
            candidates = list(_pending)
        if not candidates or scope is None:
            return app(environ, start_response)
        signing_name = scope[1]
        request, _ = buffered_request(environ)
        for service in _services_for(signing_name, candidates):
            try:
                operation, _params = match_operation(service, request)
            except (NotFound, NotImplementedError):
                continue
            fault = _take(signing_name, operation)
            if fault is not None:
                model = operation.service_model
                protocol = determine_request_protocol(model, request.content_type)
                response = error_response(model, protocol, fault, str(uuid.uuid4()))
                return response(environ, start_response)
        return app(environ, start_response)

    return middleware


def install(embedded: EmbeddedAws) -> None:
    embedded.add_middleware(_control_middleware)
    embedded.add_middleware(_faults_middleware)
