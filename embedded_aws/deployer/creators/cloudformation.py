"""CloudFormation-only constructs: wait condition handles and wait conditions."""

from __future__ import annotations

from typing import Any

from embedded_aws.deployer.context import Created, DeployContext, creator


# -- CloudFormation-only constructs -----------------------------------------------------
@creator("AWS::CloudFormation::WaitConditionHandle", "AWS::CloudFormation::WaitCondition")
def _wait_condition(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    """Nothing to create: templates use handles to order resources (their Metadata refers
    to conditional ones), which the dependency graph already honours."""
    url = (
        f"https://cloudformation-waitcondition-{ctx.region}.s3.amazonaws.com/{ctx.name(logical_id)}"
    )
    return Created("AWS::CloudFormation::WaitConditionHandle", url, {"Data": "{}"})
