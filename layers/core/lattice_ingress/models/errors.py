"""Domain exceptions. Adapters turn botocore `ClientError`s into these (`raise ... from exc`)
so handlers and the state machine see errors named after what went wrong, not how."""

from __future__ import annotations


class LatticeIngressError(Exception):
    """Base class of every error the control plane raises on purpose."""


class InvalidInputError(LatticeIngressError):
    """A manual execution input is malformed (unknown key, wrong type)."""


class SettingsError(LatticeIngressError):
    """The function's environment variables are missing or invalid."""


class LatticeApiError(LatticeIngressError):
    """The VPC Lattice (or EC2 endpoint) API call failed."""


class HostedZoneError(LatticeIngressError):
    """A Route 53 read or change failed."""


class HostedZoneThrottledError(HostedZoneError):
    """Route 53 still throttled (Throttling / PriorRequestNotComplete) after the client's own
    retries; the state machine retries the whole sync with a longer backoff (by this name)."""


class InvalidChangeBatchError(HostedZoneError):
    """Route 53 refused a change batch (InvalidChangeBatch): nothing of it was applied.
    `detail` is Route 53's own message, naming the refused record sets."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.detail = detail


class CatalogStoreError(LatticeIngressError):
    """The catalog (or a large DNS plan) could not be written to or read from S3."""


class ConfigStoreError(LatticeIngressError):
    """The NGINX config object could not be read, written or restored."""


class LeaseError(LatticeIngressError):
    """The DynamoDB lease could not be read or written (not: the lease is busy)."""


class LeaseLostError(LeaseError):
    """This run no longer holds the lease (it expired or another run took it): the run stops
    before writing anything; the holder of the lease publishes instead."""


class FleetReadError(LatticeIngressError):
    """The proxy service's tasks or their reports (fleet/ on S3) could not be read."""


class FleetRejectedConfigError(LatticeIngressError):
    """A running proxy task rejected the published config (nginx -t failed on it)."""


class FleetNotConvergedError(LatticeIngressError):
    """Not every running proxy task applied the published config within the wait budget."""
