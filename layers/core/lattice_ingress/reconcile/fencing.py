"""The fence every writer of published state passes right before each write (Route 53
batch, config upload, config restore): the write happens only while this run holds the
lease (adapters/lease.py, `Lease.fence`)."""

from __future__ import annotations

from lattice_ingress.adapters.clients import client
from lattice_ingress.adapters.lease import Lease
from lattice_ingress.settings import Settings


def fence(settings: Settings, holder: str | None) -> None:
    """Raises LeaseLostError when `holder` lost the lease; renews it otherwise."""
    settings.require("lease_table")
    if holder is None:  # the request models require a holder for every write
        raise ValueError("a write needs the holder of the lease")
    Lease(client("dynamodb"), settings.lease_table, settings.lease_ttl_seconds).fence(holder)
