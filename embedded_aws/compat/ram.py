"""AWS RAM for VPC Lattice: a service owner shares its service with another account, which
may then associate it with its own service network (`compat/vpclattice.py` asks
`is_shared_with` and refuses the association otherwise).

What moto 5.2.x gets wrong and this module fixes:
- Lattice services and service networks cannot be shared at all (moto's list of shareable
  resource types has neither: MalformedArnException "You cannot share the selected resource
  type");
- a share may name any ARN: AWS shares only resources the caller owns and that exist
  (UnknownResourceException here, for Lattice resources).

Shares are ACTIVE at once for every principal (AWS: an account outside the owner's
organization must first accept an invitation); only account-id principals grant access
(organization and OU principals are accepted but grant nothing here). Both are listed in
docs/emulator.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moto.ram import models as ram_models
from moto.ram.exceptions import UnknownResourceException
from moto.vpclattice import models as lattice_models

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

# The resource-type part of a Lattice ARN (`...:service/svc-...`), as moto matches it.
LATTICE_SHAREABLE = ("service", "servicenetwork")

_patched = False


def _arn_parts(arn: str) -> tuple[str, str, str, str, str] | None:
    """(service, region, account, resource type, id) of `arn:aws:<service>:...`, else None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or "/" not in parts[5]:
        return None
    kind, _, ident = parts[5].partition("/")
    return parts[2], parts[3], parts[4], kind, ident


def _lattice_resource_exists(account_id: str, region: str, kind: str, ident: str) -> bool:
    backend = lattice_models.vpclattice_backends[account_id][region]
    items = backend.services if kind == "service" else backend.service_networks
    return ident in items


def is_shared_with(resource_arn: str, account_id: str) -> bool:
    """Whether an ACTIVE share of the resource's owner names `account_id` as a principal."""
    parts = _arn_parts(resource_arn)
    if parts is None:
        return False
    _, region, owner, _, _ = parts
    backend = ram_models.ram_backends[owner][region]
    principals = {account_id, f"arn:aws:iam::{account_id}:root"}
    return any(
        share.status == "ACTIVE"
        and resource_arn in share.resource_arns
        and principals.intersection(share.principals)
        for share in backend.resource_shares
    )


def _add_resources(original: Any) -> Any:
    def add_resources(self: Any, resource_arns: list[str]) -> None:
        for arn in resource_arns:
            parts = _arn_parts(arn)
            if parts is None or parts[0] != "vpc-lattice":
                continue
            _, region, owner, kind, ident = parts
            if owner != self.account_id or not _lattice_resource_exists(owner, region, kind, ident):
                raise UnknownResourceException(
                    f"The specified resource ARN {arn} does not exist in account "
                    f"{self.account_id}. Verify the ARN and try again."
                )
        original(self, resource_arns)

    return add_resources


def _patch_moto() -> None:
    global _patched
    if _patched:
        return
    share: Any = ram_models.ResourceShare
    share.SHAREABLE_RESOURCES = [*share.SHAREABLE_RESOURCES, *LATTICE_SHAREABLE]
    share.add_resources = _add_resources(share.add_resources)
    _patched = True


def install(embedded: EmbeddedAws) -> None:
    _patch_moto()
