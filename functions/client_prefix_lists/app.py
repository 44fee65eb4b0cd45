"""Custom resource ClientPrefixListEntries: AllowedClientCidrs, split by family, become the
entries of the two customer-managed prefix lists that the NLB security group references.

CloudFormation cannot split one list parameter by family into AWS::EC2::PrefixList Entries
objects, so the lists are created empty and filled here, on every Create and Update."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lattice_ingress.adapters import prefix_lists
from lattice_ingress.adapters.cfn_response import Outcome, run_custom_resource
from lattice_ingress.logic.client_prefix_lists import IPV4, IPV6, by_family
from lattice_ingress.observability import logger


def _fill(event: dict[str, Any]) -> Outcome:
    props = event["ResourceProperties"]
    cidrs = props.get("ClientCidrs") or []
    families = by_family(cidrs.split(",") if isinstance(cidrs, str) else cidrs)
    targets = {IPV4: str(props["Ipv4PrefixListId"]), IPV6: str(props["Ipv6PrefixListId"])}
    for family, prefix_list_id in targets.items():
        prefix_lists.set_entries(prefix_list_id, families[family])
    physical_id = f"{targets[IPV4]}+{targets[IPV6]}"
    return physical_id, {f"{f}Entries": str(len(families[f])) for f in families}


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("RequestType") == "Delete":
        # The lists themselves are stack resources; CloudFormation deletes them next.
        physical_id = str(event.get("PhysicalResourceId") or event["LogicalResourceId"])
        return run_custom_resource(event, lambda: (physical_id, {}))
    return run_custom_resource(event, lambda: _fill(event))
