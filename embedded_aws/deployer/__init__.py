"""Deploy template.yaml into the embedded AWS stack, generically over resource types.

template.yaml is the only description of the stack: resources are created in dependency
order, each by the creator registered for its type (`CREATORS`), through boto3 against the
emulator. A type without a creator, or one moto cannot serve, is recorded as skipped
(not emulated) with a placeholder physical id and logged; it is never dropped silently.

Scheduled rules are created DISABLED unless `enable_schedules=True`; then a bounded
scheduler thread fires `rate(...)` rules for as long as the deployment runs.

Modules: `context` (DeployContext, Created, the creator/updater/deleter registries),
`engine` (ordering, `deploy`, `deploy_stack`, create rollback), `lifecycle` (`update_stack`,
`delete_stack`), `tasks` (ECS steady state: one task run from its task definition),
`helpers` (shared by creators), `scheduler` (rate rules) and `creators/<area>` (one per AWS
area; importing this package registers them all).
"""

from __future__ import annotations

from embedded_aws.deployer import creators
from embedded_aws.deployer.context import (
    CREATORS,
    Created,
    Creator,
    DeployContext,
    DeployError,
    creator,
)
from embedded_aws.deployer.engine import (
    DEFAULT_STACK_NAME,
    SKIPPED_MARK,
    Deployment,
    StackFailed,
    deploy,
    deploy_stack,
)
from embedded_aws.deployer.lifecycle import delete_stack, update_stack
from embedded_aws.deployer.scheduler import RuleScheduler, rate_seconds

__all__ = [
    "CREATORS",
    "DEFAULT_STACK_NAME",
    "SKIPPED_MARK",
    "Created",
    "Creator",
    "DeployContext",
    "DeployError",
    "Deployment",
    "RuleScheduler",
    "StackFailed",
    "creator",
    "creators",
    "delete_stack",
    "deploy",
    "deploy_stack",
    "rate_seconds",
    "update_stack",
]
