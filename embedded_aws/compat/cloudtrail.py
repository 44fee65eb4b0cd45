""" "AWS API Call via CloudTrail" events for mutating VPC Lattice calls, as a trail would.

Every Create*/Delete*/Update*/Put*/Tag*/Untag* VPC Lattice request that reaches the emulator
(succeeded or failed) becomes one event on the default bus of the caller's account and
Region: `source` aws.vpc-lattice, `detail-type` "AWS API Call via CloudTrail", and a `detail`
shaped like the CloudTrail record (eventSource vpc-lattice.amazonaws.com, eventName,
requestParameters, responseElements or errorCode/errorMessage, ...).

It is a WSGI middleware: it sees the request as sent and the response as answered, after
the vpclattice compat module has shaped it. Events go to moto's EventBridge backend
`put_events`, so ordinary rules fire. Like CloudTrail, delivery is asynchronous (one worker
thread keeps call order); `wait_for_delivery()` lets tests wait for it.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel
from werkzeug.exceptions import NotFound

from embedded_aws.compat.faults import (
    buffered_request,
    credential_scope,
    match_operation,
)

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws, WsgiApp

SERVICE = "vpc-lattice"
EVENT_SOURCE = "vpc-lattice.amazonaws.com"
DETAIL_TYPE = "AWS API Call via CloudTrail"
MUTATING_PREFIXES = ("Create", "Delete", "Update", "Put", "Tag", "Untag", "Register", "Deregister")

logger = logging.getLogger(__name__)

_delivery = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cloudtrail-delivery")
_installed: weakref.WeakSet[EmbeddedAws] = weakref.WeakSet()


def is_mutating(operation_name: str) -> bool:
    return operation_name.startswith(MUTATING_PREFIXES)


def wait_for_delivery(timeout: float = 10.0) -> None:
    """Block until every event recorded so far is on its bus."""
    _delivery.submit(lambda: None).result(timeout=timeout)


@contextmanager
def delayed_delivery(timeout: float = 60.0) -> Iterator[None]:
    """Hold every event recorded inside the block, then deliver them all, in call order.

    CloudTrail delivers within minutes on AWS, so an event can reach EventBridge after
    calls made later (a service shared and associated before its CreateService event
    arrives); this lets a test stage exactly that."""
    released = threading.Event()
    _delivery.submit(released.wait, timeout)
    try:
        yield
    finally:
        released.set()
        wait_for_delivery()


# -- record shape -------------------------------------------------------------------------
def request_parameters(
    operation: OperationModel, uri_params: dict[str, Any], query: dict[str, list[str]], body: bytes
) -> dict[str, Any] | None:
    """Parameters by their API member names: URI labels, query string members, JSON body."""
    params: dict[str, Any] = {}
    shape = operation.input_shape
    members = shape.members if shape is not None else {}
    for name, member in members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri" and wire in uri_params:
            params[name] = uri_params[wire]
        elif location == "querystring" and wire in query:
            values = query[wire]
            params[name] = values if member.type_name == "list" else values[0]
    if body:
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            params.update(decoded)
    return params or None


def error_of(status: int, headers: dict[str, str], body: bytes) -> tuple[str, str] | None:
    """(errorCode, errorMessage) of a rest-json error response, None on success."""
    if status < 400:
        return None
    try:
        decoded = json.loads(body) if body else {}
    except ValueError:
        decoded = {}
    decoded = decoded if isinstance(decoded, dict) else {}
    raw = headers.get("x-amzn-errortype") or decoded.get("__type") or decoded.get("code") or ""
    code = str(raw).split(":", 1)[0].rsplit("#", 1)[-1] or f"HTTP{status}"
    message = decoded.get("message") or decoded.get("Message") or ""
    return code, str(message)


def cloudtrail_detail(
    *,
    operation: str,
    account_id: str,
    region: str,
    access_key: str,
    source_ip: str,
    user_agent: str,
    parameters: dict[str, Any] | None,
    response: dict[str, Any] | None,
    error: tuple[str, str] | None,
    request_id: str,
) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    detail: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEMBEDDEDLOCALUSER",
            "arn": f"arn:aws:iam::{account_id}:user/local",
            "accountId": account_id,
            "accessKeyId": access_key,
            "userName": "local",
        },
        "eventTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": EVENT_SOURCE,
        "eventName": operation,
        "awsRegion": region,
        "sourceIPAddress": source_ip,
        "userAgent": user_agent,
        "requestParameters": parameters,
        "responseElements": None if error else response,
        "requestID": request_id,
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account_id,
        "eventCategory": "Management",
    }
    if error:
        detail["errorCode"], detail["errorMessage"] = error
    return detail


def _put_on_default_bus(account_id: str, region: str, detail: dict[str, Any]) -> None:
    from moto.events.models import events_backends

    try:
        _put_event(events_backends[account_id][region], detail)
    except Exception:  # a failed delivery must not kill the worker; CloudTrail is best effort
        logger.exception("could not deliver CloudTrail event %s", detail["eventName"])


def _put_event(backend: Any, detail: dict[str, Any]) -> None:
    backend.put_events(
        [
            {
                "Source": "aws.vpc-lattice",
                "DetailType": DETAIL_TYPE,
                "Detail": json.dumps(detail),
                "EventBusName": "default",
                "Resources": [],
            }
        ]
    )


# -- middleware ---------------------------------------------------------------------------
def _access_key(environ: dict[str, Any]) -> str:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    marker = "Credential="
    if marker not in auth:
        return "AKIAEXAMPLE"
    return auth.split(marker, 1)[1].split("/", 1)[0]


def _caller_account(environ: dict[str, Any]) -> str | None:
    from moto.iam.models import get_account_id_from

    access_key = _access_key(environ)
    return get_account_id_from(access_key) if access_key else None


def _cloudtrail_middleware(embedded: EmbeddedAws) -> Callable[[WsgiApp], WsgiApp]:
    def wrap(app: WsgiApp) -> WsgiApp:
        def middleware(
            environ: dict[str, Any], start_response: Callable[..., Any]
        ) -> Iterable[bytes]:
            scope = credential_scope(environ)
            if scope is None or scope[1] != SERVICE or environ.get("REQUEST_METHOD") == "GET":
                return app(environ, start_response)
            request, body = buffered_request(environ)
            try:
                operation, uri_params = match_operation(SERVICE, request)
            except (NotFound, NotImplementedError):
                return app(environ, start_response)
            if not is_mutating(operation.name):
                return app(environ, start_response)

            captured: dict[str, Any] = {}

            def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
                captured["status"] = int(status.split(" ", 1)[0])
                captured["headers"] = {key.lower(): value for key, value in headers}
                return start_response(status, headers, *args)

            chunks = app(environ, capture)
            try:
                response_body = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
            status, headers = captured.get("status", 500), captured.get("headers", {})
            error = error_of(status, headers, response_body)
            response = None
            if error is None and response_body:
                try:
                    response = json.loads(response_body)
                except ValueError:
                    response = None
            # The caller's account (moto maps assumed-role keys to the role's account), so a
            # second account's calls land on its own default bus, as CloudTrail's would.
            account_id = _caller_account(environ) or embedded.account_id
            detail = cloudtrail_detail(
                operation=operation.name,
                account_id=account_id,
                region=scope[0],
                access_key=_access_key(environ),
                source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
                user_agent=environ.get("HTTP_USER_AGENT", ""),
                parameters=request_parameters(
                    operation, uri_params, request.args.to_dict(flat=False), body
                ),
                response=response,
                error=error,
                request_id=headers.get("x-amzn-requestid", str(uuid.uuid4())),
            )
            _delivery.submit(_put_on_default_bus, account_id, scope[0], detail)
            return [response_body]

        return middleware

    return wrap


def install(embedded: EmbeddedAws) -> None:
    # The middleware closes over `embedded`, so add_middleware cannot see a repeat by identity.
    if embedded in _installed:
        return
    _installed.add(embedded)
    embedded.add_middleware(_cloudtrail_middleware(embedded))
