"""Where moto 5.2.x differs from AWS in what lattice-ingress uses, one module per service.

Each module exposes `install(embedded)`: it patches moto (idempotently: installing twice
changes nothing) and may add WSGI middlewares. `docs/emulator.md` indexes every fix and
the differences from AWS that remain.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from embedded_aws.server import EmbeddedAws

# Order matters only for middlewares: the first listed wraps outermost.
MODULES = (
    "faults",  # injected AWS errors (Throttling, PriorRequestNotComplete, ...)
    "iam",  # every role's call authorised against its policies and the bucket policy
    "stepfunctions",  # aws-sdk tasks as AWS runs them
    "lambda_runtime",  # real handlers, in process
    "events",  # EventBridge -> Step Functions / Lambda targets
    "route53",  # change batches validated and applied atomically
    "ram",  # Lattice services shared with other accounts
    "vpclattice",  # DNS names, statuses, missing operations, shared services
    "cloudtrail",  # "AWS API Call via CloudTrail" events for Lattice calls
    "ecs",  # deployments that roll out
    "ec2",  # prefix lists and security group rule quotas as AWS enforces them
    "elbv2",  # load balancer and target group IP address types as AWS enforces them
)


def install(embedded: EmbeddedAws) -> None:
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}").install(embedded)
