"""Opt-out and opt-in by tag on the embedded stack: the real ASL and handlers, CloudTrail
TagResource/UntagResource events, and a PublishMode update of the deployed stack."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(600)

TAG = "lattice-ingress:publish"


class Selection:
    def __init__(self, control_plane: Any, stack: Any) -> None:
        self.cp = control_plane
        self.stack = stack

    def create(self, label: str, tags: dict[str, str] | None = None) -> tuple[str, str]:
        name = self.cp.unique(label)
        domain = f"{name}.{self.cp.domain}"
        lattice = self.cp.client("vpc-lattice")
        service_id = str(
            lattice.create_service(name=name, customDomainName=domain, tags=tags or {})["id"]
        )
        lattice.create_service_network_service_association(
            serviceIdentifier=service_id, serviceNetworkIdentifier=self.cp.service_network_id
        )
        return service_id, domain

    def arn(self, service_id: str) -> str:
        return str(self.cp.client("vpc-lattice").get_service(serviceIdentifier=service_id)["arn"])

    def published(self, domain: str) -> bool:
        consumer = self.cp.record_target(self.cp.consumer_zone_id, domain) is not None
        proxy = self.cp.record_target(self.cp.proxy_zone_id, domain) is not None
        in_config = domain in self.cp.config_text()
        assert consumer == proxy == in_config, (consumer, proxy, in_config)
        return consumer


@pytest.fixture(scope="module")
def selection(control_plane: Any) -> Selection:
    return Selection(control_plane, control_plane.stack)


def _triggers(cp: Any, executions: list[dict[str, Any]]) -> list[str]:
    sfn = cp.client("stepfunctions")
    names = []
    for execution in executions:
        raw = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
        names.append((raw.get("detail") or {}).get("eventName", ""))
    return names


def test_given_service_tagged_opt_out_when_created_and_reconciled_then_never_published(
    selection: Selection,
) -> None:
    _, kept_out = selection.create("private", {TAG: "false"})
    _, published = selection.create("public")
    selection.cp.wait_idle()
    selection.cp.reconcile({})

    assert selection.published(published)
    assert not selection.published(kept_out)


def test_given_published_service_when_tagged_opt_out_then_tag_event_starts_a_pass_that_withdraws(
    selection: Selection,
) -> None:
    service_id, domain = selection.create("later-private")
    selection.cp.wait_idle()
    assert selection.published(domain)
    lattice = selection.cp.client("vpc-lattice")

    lattice.tag_resource(resourceArn=selection.arn(service_id), tags={TAG: "false"})
    executions = selection.cp.wait_idle()

    assert "TagResource" in _triggers(selection.cp, executions)
    assert not selection.published(domain)

    lattice.untag_resource(resourceArn=selection.arn(service_id), tagKeys=[TAG])
    executions = selection.cp.wait_idle()

    assert "UntagResource" in _triggers(selection.cp, executions)
    assert selection.published(domain)


def test_given_tagged_mode_when_reconciled_then_only_services_tagged_true_are_published(
    selection: Selection,
) -> None:
    _, untagged = selection.create("untagged")
    _, opted_in = selection.create("opted-in", {TAG: "true"})
    selection.cp.wait_idle()
    assert selection.published(untagged)

    selection.stack.update({"PublishMode": "tagged"})
    try:
        selection.cp.reconcile({})

        assert selection.published(opted_in)
        assert not selection.published(untagged)
    finally:
        selection.stack.update({"PublishMode": "all"})
