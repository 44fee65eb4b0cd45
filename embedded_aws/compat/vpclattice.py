"""VPC Lattice as AWS runs it, on top of moto's half of the API.

What moto 5.2.x gets wrong and this module fixes:
- ids are `svc-` + 17 hex digits (moto cuts a UUID, dashes included);
- `dnsEntry` is the generated `<name>-<id-hex>.<7-hex>.vpc-lattice-svcs.<region>.on.aws` with
  a Lattice hosted-zone id, never the custom domain; associations carry the service's entry
  and custom domain, plus serviceName/serviceArn/serviceNetworkName/serviceNetworkArn;
- statuses move: CREATE_IN_PROGRESS -> ACTIVE after `LATTICE_INGRESS_LOCAL_PROVISION_SECONDS`
  (default 1, 0 = by the next read); deletes answer DELETE_IN_PROGRESS and the resource disappears
  after the same delay. Transitions are applied lazily, before each Lattice request;
- DeleteService (ConflictException while associated), UpdateService,
  DeleteServiceNetworkServiceAssociation, Get/DeleteServiceNetworkVpcAssociation;
- identifiers may be ids or ARNs, as the real API accepts;
- custom domain names as the API documents them: 3-255 characters (ValidationException; the
  SDKs check only the minimum), and unique per service network (ConflictException when a
  service is associated with a network where another service already has its domain);
- service-network VPC endpoints: EC2 CreateVpcEndpoint keeps `ServiceNetworkArn` and
  DescribeVpcEndpointAssociations (missing in moto) lists a DNS name per associated service;
- ListServices/ListServiceNetworks pagination (moto reads `MaxResults`, the wire says
  `maxResults`, so the boto3 paginator never advanced).

Local control endpoint: `POST /_lattice_ingress/lattice/hold {"serviceName": "orders"}` keeps
services of that name (existing or future) and their associations in CREATE_IN_PROGRESS;
`DELETE /_lattice_ingress/lattice/hold` with the same body (or none, for all) releases them.
`hold()` / `release()` do the same in-process.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from moto.core.exceptions import JsonRESTError
from moto.vpclattice import models as lattice_models
from moto.vpclattice.exceptions import ResourceNotFoundException, ValidationException
from moto.vpclattice.responses import VPCLatticeResponse
from werkzeug.wrappers import Request, Response

from embedded_aws.compat import ram
from embedded_aws.compat.control import control_endpoint, json_response, seconds_from_env

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

PROVISION_SECONDS_ENV = "LATTICE_INGRESS_LOCAL_PROVISION_SECONDS"
DEFAULT_PROVISION_SECONDS = 1.0
HOLD_PATH = "/_lattice_ingress/lattice/hold"

CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
ACTIVE = "ACTIVE"
DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"

_lock = threading.RLock()
_held_names: set[str] = set()
_patched = False


class ConflictException(JsonRESTError):
    """AWS's ConflictException (HTTP 409); named after the wire error code, as moto's are."""

    code = 409

    def __init__(self, message: str, resource_id: str, resource_type: str) -> None:
        super().__init__("ConflictException", message)
        body = json.loads(self.description)
        body.update(resourceId=resource_id, resourceType=resource_type)
        self.description = json.dumps(body)


class AccessDeniedException(JsonRESTError):
    """AWS's AccessDeniedException (HTTP 403)."""

    code = 403

    def __init__(self, message: str) -> None:
        super().__init__("AccessDeniedException", message)


class FieldValidationException(ValidationException):
    """ValidationException with the `reason` and `fieldList` members of Lattice's model."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(
            f"1 validation error detected: Value at '{field}' failed to satisfy "
            f"constraint: {problem}"
        )
        body = json.loads(self.description)
        body.update(reason="fieldValidationFailed", fieldList=[{"name": field, "message": problem}])
        self.description = json.dumps(body)


# CreateService's customDomainName (botocore model ServiceCustomDomainName).
CUSTOM_DOMAIN_MIN, CUSTOM_DOMAIN_MAX = 3, 255


@dataclass
class Lifecycle:
    """When a resource's next status change is due (monotonic clock)."""

    ready_at: float
    gone_at: float | None = None


# -- public in-process API -----------------------------------------------------------------
def hold(service_name: str) -> None:
    """Keep services named `service_name` (and their associations) in CREATE_IN_PROGRESS."""
    with _lock:
        _held_names.add(service_name)


def release(service_name: str | None = None) -> None:
    """Let held services (one name, or all) finish provisioning on their normal schedule."""
    with _lock:
        if service_name is None:
            _held_names.clear()
        else:
            _held_names.discard(service_name)


def provision_seconds() -> float:
    return seconds_from_env(PROVISION_SECONDS_ENV, DEFAULT_PROVISION_SECONDS)


# -- shapes -------------------------------------------------------------------------------
def resource_id(prefix: str) -> str:
    """Lattice ids are a prefix and 17 hex digits, e.g. svc-0a1b2c3d4e5f6a7b8."""
    return f"{prefix}-{secrets.token_hex(9)[:17]}"


def lattice_domain(label: str, account_id: str, region: str) -> str:
    """`<label>.<7-hex>.vpc-lattice-svcs.<region>.on.aws`, the suffix of Lattice's names."""
    # The middle label is stable per account and Region on AWS; derive it likewise.
    digest = hashlib.sha256(f"{account_id}:{region}".encode()).hexdigest()[:7]
    return f"{label}.{digest}.vpc-lattice-svcs.{region}.on.aws"


def generated_domain_name(name: str, service_id: str, account_id: str, region: str) -> str:
    return lattice_domain(f"{name}-{service_id.removeprefix('svc-')}", account_id, region)


def lattice_hosted_zone_id(region: str) -> str:
    """A Route 53 zone id (Z + 13 upper-case alphanumerics), one per Region like AWS's."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    digest = hashlib.sha256(f"vpc-lattice-svcs:{region}".encode()).digest()
    return "Z" + "".join(alphabet[b % len(alphabet)] for b in digest[:13])


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _identifier(value: str) -> str:
    """Accept an id or an ARN (`arn:...:service/svc-...`), as the real API does."""
    value = unquote(value or "")
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value not in (None, "")}


def _backend(account_id: str, region: str) -> lattice_models.VPCLatticeBackend:
    return lattice_models.vpclattice_backends[account_id][region]


# -- model patches ------------------------------------------------------------------------
def _service_init(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: Any, region: str, account_id: str, *args: Any, **kwargs: Any) -> None:
        original(self, region, account_id, *args, **kwargs)
        self.id = resource_id("svc")
        self.arn = f"arn:aws:vpc-lattice:{region}:{account_id}:service/{self.id}"
        self.dns_entry = lattice_models.VPCLatticeDNSEntry(region, self.id)
        self.dns_entry.domain_name = generated_domain_name(self.name, self.id, account_id, region)
        self.dns_entry.hosted_zone_id = lattice_hosted_zone_id(region)
        self.status = CREATE_IN_PROGRESS
        self.created_at = self.last_updated_at = _now_iso()
        self.lifecycle = Lifecycle(ready_at=time.monotonic() + provision_seconds())

    return __init__


def _service_to_dict(self: Any) -> dict[str, Any]:
    return _compact(
        {
            "arn": self.arn,
            "authType": self.auth_type or "NONE",
            "certificateArn": self.certificate_arn,
            "customDomainName": self.custom_domain_name,
            "dnsEntry": self.dns_entry.to_dict(),
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "createdAt": self.created_at,
            "lastUpdatedAt": self.last_updated_at,
        }
    )


def _network_init(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: Any, region: str, account_id: str, *args: Any, **kwargs: Any) -> None:
        original(self, region, account_id, *args, **kwargs)
        self.id = resource_id("sn")
        self.arn = f"arn:aws:vpc-lattice:{region}:{account_id}:servicenetwork/{self.id}"
        self.created_at = self.last_updated_at = _now_iso()

    return __init__


def _network_to_dict(self: Any) -> dict[str, Any]:
    return _compact(
        {
            "arn": self.arn,
            "authType": self.auth_type or "NONE",
            "id": self.id,
            "name": self.name,
            "sharingConfig": self.sharing_config or None,
            "createdAt": self.created_at,
            "lastUpdatedAt": self.last_updated_at,
        }
    )


def _vpc_association_init(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: Any, region: str, account_id: str, *args: Any, **kwargs: Any) -> None:
        original(self, region, account_id, *args, **kwargs)
        self.id = resource_id("snva")
        self.arn = (
            f"arn:aws:vpc-lattice:{region}:{account_id}:servicenetworkvpcassociation/{self.id}"
        )
        self.created_by = account_id

    return __init__


def _service_association_init(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(
        self: Any,
        region: str,
        account_id: str,
        service_network_identifier: str,
        service_identifier: str,
        *args: Any,
        service: Any = None,
        service_network: Any = None,
        **kwargs: Any,
    ) -> None:
        original(
            self,
            region,
            account_id,
            service_network_identifier,
            service_identifier,
            *args,
            **kwargs,
        )
        backend = _backend(account_id, region)
        self.id = resource_id("snsa")
        self.arn = (
            f"arn:aws:vpc-lattice:{region}:{account_id}:servicenetworkserviceassociation/{self.id}"
        )
        # A service or network shared by another account lives in that account's backend.
        self.service = service if service is not None else backend.services[service_identifier]
        self.service_network = (
            service_network
            if service_network is not None
            else backend.service_networks[service_network_identifier]
        )
        self.dns_entry = self.service.dns_entry
        self.custom_domain_name = self.service.custom_domain_name
        self.status = CREATE_IN_PROGRESS
        self.lifecycle = Lifecycle(ready_at=time.monotonic() + provision_seconds())

    return __init__


def _service_association_to_dict(self: Any) -> dict[str, Any]:
    return _compact(
        {
            "id": self.id,
            "arn": self.arn,
            "status": self.status,
            "createdBy": self.created_by,
            "createdAt": self.created_at,
            "customDomainName": self.service.custom_domain_name,
            "dnsEntry": self.service.dns_entry.to_dict(),
            "serviceId": self.service.id,
            "serviceName": self.service.name,
            "serviceArn": self.service.arn,
            "serviceNetworkId": self.service_network.id,
            "serviceNetworkName": self.service_network.name,
            "serviceNetworkArn": self.service_network.arn,
        }
    )


# -- lifecycle ----------------------------------------------------------------------------
def _is_held(service: Any) -> bool:
    return service.name in _held_names


def _advance(
    items: dict[str, Any], held: Callable[[Any], bool], forget: Callable[[Any], None]
) -> None:
    now = time.monotonic()
    for key, item in list(items.items()):
        lifecycle: Lifecycle | None = getattr(item, "lifecycle", None)
        if lifecycle is None:
            continue
        if item.status == CREATE_IN_PROGRESS and now >= lifecycle.ready_at and not held(item):
            item.status = ACTIVE
            item.last_updated_at = _now_iso()
        elif item.status == DELETE_IN_PROGRESS and now >= (lifecycle.gone_at or float("inf")):
            del items[key]
            forget(item)


def settle(backend: lattice_models.VPCLatticeBackend) -> None:
    """Apply every status change that is due: AWS does this in the background."""
    with _lock:

        def forget(item: Any) -> None:
            backend.tagger.delete_all_tags_for_resource(item.arn)

        _advance(backend.services, _is_held, forget)
        _advance(
            backend.service_network_service_associations,
            lambda assoc: _is_held(assoc.service),
            forget,
        )


def _begin_delete(item: Any) -> None:
    item.status = DELETE_IN_PROGRESS
    item.last_updated_at = _now_iso()
    lifecycle = getattr(item, "lifecycle", None) or Lifecycle(ready_at=0.0)
    lifecycle.gone_at = time.monotonic() + provision_seconds()
    item.lifecycle = lifecycle


# -- backend operations moto lacks or gets wrong -------------------------------------------
def _loaded_backends(region: str) -> list[Any]:
    """The Lattice backends of every account that has used this Region (without creating any)."""
    backends = []
    for regions in list(lattice_models.vpclattice_backends.values()):
        backend = dict.get(regions, region)
        if backend is not None:
            backends.append(backend)
    return backends


def _associations_of(backend: Any, service_id: str) -> list[Any]:
    """Every association of the service, in any account's network (a shared service can be
    associated with another account's network, and that association also blocks deletion)."""
    return [
        assoc
        for other in _loaded_backends(backend.region_name)
        for assoc in other.service_network_service_associations.values()
        if assoc.service_id == service_id
    ]


def delete_service(self: Any, service_identifier: str) -> Any:
    service = self.get_service(service_identifier)
    if _associations_of(self, service.id):
        raise ConflictException(
            f"Service {service.id} cannot be deleted while it is associated with a "
            "service network. Delete the service network service associations first.",
            resource_id=service.id,
            resource_type="SERVICE",
        )
    if service.status != DELETE_IN_PROGRESS:
        _begin_delete(service)
        if provision_seconds() == 0:
            settle(self)
    return service


def update_service(
    self: Any, service_identifier: str, auth_type: str | None, certificate_arn: str | None
) -> Any:
    service = self.get_service(service_identifier)
    if auth_type:
        service.auth_type = auth_type
    if certificate_arn is not None:
        service.certificate_arn = certificate_arn
    service.last_updated_at = _now_iso()
    return service


def delete_service_network_service_association(self: Any, identifier: str) -> Any:
    assoc = self.get_service_network_service_association(_identifier(identifier))
    if assoc.status != DELETE_IN_PROGRESS:
        _begin_delete(assoc)
        if provision_seconds() == 0:
            settle(self)
    return assoc


def get_service_network_vpc_association(self: Any, identifier: str) -> Any:
    assoc = self.service_network_vpc_associations.get(_identifier(identifier))
    if assoc is None:
        raise ResourceNotFoundException(f"Service network VPC association {identifier} not found")
    return assoc


def delete_service_network_vpc_association(self: Any, identifier: str) -> Any:
    assoc = get_service_network_vpc_association(self, identifier)
    del self.service_network_vpc_associations[assoc.id]
    self.tagger.delete_all_tags_for_resource(assoc.arn)
    assoc.status = DELETE_IN_PROGRESS
    return assoc


def _accept_arns(original: Callable[..., Any]) -> Callable[..., Any]:
    """Let a backend method take ids or ARNs in every `*identifier` argument."""

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        args = tuple(_identifier(a) if isinstance(a, str) else a for a in args)
        for name, value in kwargs.items():
            if name.endswith("identifier") and isinstance(value, str) and value:
                kwargs[name] = _identifier(value)
        return original(self, *args, **kwargs)

    return wrapper


def _create_service(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_service(self: Any, *args: Any, **kwargs: Any) -> Any:
        domain = kwargs.get("custom_domain_name")
        if domain is not None and len(domain) > CUSTOM_DOMAIN_MAX:
            raise FieldValidationException(
                "customDomainName",
                f"Member must have length less than or equal to {CUSTOM_DOMAIN_MAX}",
            )
        if domain is not None and len(domain) < CUSTOM_DOMAIN_MIN:
            raise FieldValidationException(
                "customDomainName",
                f"Member must have length greater than or equal to {CUSTOM_DOMAIN_MIN}",
            )
        return original(self, *args, **kwargs)

    return create_service


def _domain_taken_in(backend: Any, network_id: str, service: Any) -> Any | None:
    """Another service of the network with the same custom domain (case-insensitive)."""
    domain = (service.custom_domain_name or "").lower()
    if not domain:
        return None
    for assoc in backend.service_network_service_associations.values():
        if assoc.service_network_id != network_id or assoc.service_id == service.id:
            continue
        if assoc.status == DELETE_IN_PROGRESS:
            continue
        other = assoc.service
        if (other.custom_domain_name or "").lower() == domain:
            return assoc
    return None


def _create_association(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_service_network_service_association(
        self: Any,
        service_network_identifier: str,
        service_identifier: str,
        client_token: str = "",
        tags: dict[str, str] | None = None,
    ) -> Any:
        network, network_backend = _own_or_shared(
            self, service_network_identifier, "get_service_network"
        )
        service, service_backend = _own_or_shared(self, service_identifier, "get_service")
        if network_backend is not self and service_backend is not self:
            raise AccessDeniedException(
                "You cannot associate a service and service network that are shared with you. "
                "The caller must own either the service or the service network."
            )
        for assoc in _associations_of(self, service.id):
            if assoc.service_network_id == network.id:
                raise ConflictException(
                    f"Service {service.id} is already associated with service network "
                    f"{network.id}.",
                    resource_id=assoc.id,
                    resource_type="SERVICE_NETWORK_SERVICE_ASSOCIATION",
                )
        taken = _domain_taken_in(network_backend, network.id, service)
        if taken is not None:
            raise ConflictException(
                f"Custom domain name {service.custom_domain_name} is already used by service "
                f"{taken.service_id} in service network {network.id}. Custom domain names "
                "must be unique within a service network.",
                resource_id=taken.id,
                resource_type="SERVICE_NETWORK_SERVICE_ASSOCIATION",
            )
        association_type: Any = lattice_models.VPCLatticeServiceNetworkServiceAssociation
        assoc = association_type(
            self.region_name,
            self.account_id,
            network.id,
            service.id,
            client_token,
            tags,
            service=service,
            service_network=network,
        )
        # "The association is created in the service network account and the association
        # owner account": one object in both, so either listing shows it and a delete from
        # either side is seen by both.
        for backend in {id(self): self, id(network_backend): network_backend}.values():
            backend.service_network_service_associations[assoc.id] = assoc
        self.tag_resource(assoc.arn, tags or {})
        return assoc

    return create_service_network_service_association


def _own_or_shared(backend: Any, identifier: str, getter: str) -> tuple[Any, Any]:
    """(resource, backend holding it): the caller's own service or service network, or
    another account's that its owner shared with the caller through AWS RAM (by ARN: an id
    names a resource of the caller's account)."""
    identifier = unquote(identifier or "")
    owner = identifier.split(":")[4] if identifier.startswith("arn:") else backend.account_id
    if owner == backend.account_id:
        return getattr(backend, getter)(_identifier(identifier)), backend
    if not ram.is_shared_with(identifier, backend.account_id):
        raise AccessDeniedException(
            f"User: arn:aws:iam::{backend.account_id}:root is not authorized to perform: "
            f"vpc-lattice:CreateServiceNetworkServiceAssociation on resource: {identifier} "
            "because no resource share allows it (its owner must share it with this account "
            "through AWS RAM)"
        )
    owner_backend = _backend(owner, identifier.split(":")[3])
    settle(owner_backend)
    return getattr(owner_backend, getter)(_identifier(identifier)), owner_backend


# -- response handlers (rest-json; parameters parsed by moto from the botocore model) ------
def _respond_delete_service(self: Any) -> str:
    service = self.backend.delete_service(self._get_param("serviceIdentifier"))
    return json.dumps(
        {"arn": service.arn, "id": service.id, "name": service.name, "status": service.status}
    )


def _respond_update_service(self: Any) -> str:
    service = self.backend.update_service(
        self._get_param("serviceIdentifier"),
        auth_type=self._get_param("authType"),
        certificate_arn=self._get_param("certificateArn"),
    )
    # UpdateServiceResponse has no dnsEntry, status or timestamps.
    fields = ("arn", "authType", "certificateArn", "customDomainName", "id", "name")
    body = service.to_dict()
    return json.dumps({key: body[key] for key in fields if key in body})


def _respond_delete_service_association(self: Any) -> str:
    assoc = self.backend.delete_service_network_service_association(
        self._get_param("serviceNetworkServiceAssociationIdentifier")
    )
    return json.dumps({"arn": assoc.arn, "id": assoc.id, "status": assoc.status})


def _respond_get_vpc_association(self: Any) -> str:
    assoc = self.backend.get_service_network_vpc_association(
        self._get_param("serviceNetworkVpcAssociationIdentifier")
    )
    return json.dumps(assoc.to_dict())


def _respond_delete_vpc_association(self: Any) -> str:
    assoc = self.backend.delete_service_network_vpc_association(
        self._get_param("serviceNetworkVpcAssociationIdentifier")
    )
    return json.dumps({"arn": assoc.arn, "id": assoc.id, "status": assoc.status})


def _paged(list_name: str) -> Callable[[Any], str]:
    def respond(self: Any) -> str:
        items, next_token = getattr(self.backend, list_name)(
            max_results=self._get_int_param("maxResults"),
            next_token=self._get_param("nextToken"),
        )
        return json.dumps(
            _compact({"items": [i.to_dict() for i in items], "nextToken": next_token})
        )

    return respond


# -- EC2: service-network VPC endpoints (the proxy zone's target in endpoint mode) --------
def endpoint_association_id(endpoint_id: str, association_id: str) -> str:
    """Stable per (endpoint, service association), shaped like AWS's vpce-rsc-asc- ids."""
    digest = hashlib.sha256(f"{endpoint_id}:{association_id}".encode()).hexdigest()
    return f"vpce-rsc-asc-{digest[:17]}"


def endpoint_domain_name(
    endpoint_id: str, association_id: str, account_id: str, region: str
) -> str:
    """The per-service name a service-network endpoint gives each associated service."""
    return lattice_domain(f"{endpoint_id}-{association_id}", account_id, region)


def vpc_endpoint_associations(
    endpoints: Iterable[Any], account_id: str, region: str
) -> list[dict[str, Any]]:
    """One entry per (service-network endpoint, service associated with that network)."""
    backend = _backend(account_id, region)
    settle(backend)
    entries = []
    for endpoint in endpoints:
        network_arn = getattr(endpoint, "service_network_arn", None)
        if not network_arn:
            continue
        network = backend.service_networks.get(_identifier(network_arn))
        if network is None:
            continue
        associations: list[Any] = list(backend.service_network_service_associations.values())
        for assoc in associations:
            if assoc.service_network_id != network.id:
                continue
            entry = {
                "Id": endpoint_association_id(endpoint.id, assoc.id),
                "VpcEndpointId": endpoint.id,
                "ServiceNetworkArn": network.arn,
                "ServiceNetworkName": network.name,
                "AssociatedResourceAccessibility": "Accessible"
                if assoc.status == ACTIVE
                else "Inaccessible",
                "AssociatedResourceArn": assoc.service.arn,
                "DnsEntry": {
                    "DnsName": endpoint_domain_name(endpoint.id, assoc.id, account_id, region),
                    "HostedZoneId": lattice_hosted_zone_id(region),
                },
            }
            if assoc.service.custom_domain_name:
                entry["PrivateDnsEntry"] = {"DnsName": assoc.service.custom_domain_name}
            entries.append(entry)
    return entries


def _respond_create_vpc_endpoint(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_vpc_endpoint(self: Any) -> Any:
        result = original(self)
        network_arn = self._get_param("ServiceNetworkArn")
        if network_arn:  # moto drops it; endpoint mode needs it
            result.result["VpcEndpoint"].service_network_arn = network_arn
        return result

    return create_vpc_endpoint


def _respond_describe_vpc_endpoint_associations(self: Any) -> Any:
    from moto.core.responses import ActionResult

    wanted = set(self._get_param("VpcEndpointIds", []) or [])
    endpoints = [
        endpoint
        for endpoint in self.ec2_backend.vpc_end_points.values()
        if not wanted or endpoint.id in wanted
    ]
    entries = vpc_endpoint_associations(endpoints, self.current_account, self.region)
    return ActionResult({"VpcEndpointAssociations": entries})


def _settling(original: Callable[..., Any]) -> Callable[..., Any]:
    def call_action(self: Any) -> Any:
        settle(self.backend)
        return original(self)

    return call_action


def _patch_moto() -> None:
    global _patched
    if _patched:
        return
    m = lattice_models
    m.VPCLatticeService.__init__ = _service_init(m.VPCLatticeService.__init__)  # type: ignore[method-assign]
    m.VPCLatticeService.to_dict = _service_to_dict  # type: ignore[method-assign]
    m.VPCLatticeServiceNetwork.__init__ = _network_init(m.VPCLatticeServiceNetwork.__init__)  # type: ignore[method-assign]
    m.VPCLatticeServiceNetwork.to_dict = _network_to_dict  # type: ignore[method-assign]
    vpc_assoc = m.VPCLatticeServiceNetworkVpcAssociation
    vpc_assoc.__init__ = _vpc_association_init(vpc_assoc.__init__)  # type: ignore[method-assign]
    svc_assoc = m.VPCLatticeServiceNetworkServiceAssociation
    svc_assoc.__init__ = _service_association_init(svc_assoc.__init__)  # type: ignore[method-assign]
    svc_assoc.to_dict = _service_association_to_dict  # type: ignore[method-assign]

    # AWS answers ResourceNotFoundException with HTTP 404 (moto: 400).
    ResourceNotFoundException.code = 404
    backend: Any = m.VPCLatticeBackend
    backend.get_service = _accept_arns(backend.get_service)
    backend.get_service_network = _accept_arns(backend.get_service_network)
    backend.get_service_network_service_association = _accept_arns(
        backend.get_service_network_service_association
    )
    backend.list_service_network_service_associations = _accept_arns(
        backend.list_service_network_service_associations
    )
    backend.create_service_network_service_association = _create_association(
        backend.create_service_network_service_association
    )
    backend.create_service = _create_service(backend.create_service)
    backend.delete_service = delete_service
    backend.update_service = update_service
    backend.delete_service_network_service_association = delete_service_network_service_association
    backend.get_service_network_vpc_association = get_service_network_vpc_association
    backend.delete_service_network_vpc_association = delete_service_network_vpc_association

    response: Any = VPCLatticeResponse
    response.call_action = _settling(response.call_action)
    response.delete_service = _respond_delete_service
    response.update_service = _respond_update_service
    response.delete_service_network_service_association = _respond_delete_service_association
    response.get_service_network_vpc_association = _respond_get_vpc_association
    response.delete_service_network_vpc_association = _respond_delete_vpc_association
    response.list_services = _paged("list_services")
    response.list_service_networks = _paged("list_service_networks")

    from moto.ec2.responses import EC2Response

    ec2: Any = EC2Response
    ec2.create_vpc_endpoint = _respond_create_vpc_endpoint(ec2.create_vpc_endpoint)
    ec2.describe_vpc_endpoint_associations = _respond_describe_vpc_endpoint_associations
    _patched = True


# -- local control endpoint ---------------------------------------------------------------
def _answer_hold(request: Request) -> Response:
    body = request.get_json(silent=True) or {}
    name = body.get("serviceName")
    if request.method == "POST" and isinstance(name, str) and name:
        hold(name)
    elif request.method == "DELETE":
        release(name if isinstance(name, str) and name else None)
    else:
        return json_response({"message": 'POST needs {"serviceName": "..."}; DELETE releases'}, 400)
    with _lock:
        held = sorted(_held_names)
    return json_response({"held": held})


_hold_middleware = control_endpoint(HOLD_PATH, _answer_hold)


def install(embedded: EmbeddedAws) -> None:
    _patch_moto()
    embedded.add_middleware(_hold_middleware)
