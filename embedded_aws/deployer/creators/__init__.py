"""The creators, one module per AWS area; importing this package registers them all in
`CREATORS`."""

from __future__ import annotations

from embedded_aws.deployer.creators import (
    cloudformation,
    compute,
    dns,
    iam,
    monitoring,
    network,
    serverless,
    storage,
    teardown,
)

__all__ = [
    "cloudformation",
    "compute",
    "dns",
    "iam",
    "monitoring",
    "network",
    "serverless",
    "storage",
    "teardown",
]
