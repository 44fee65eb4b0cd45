"""`lattice-ingress status | explain | plan | reconcile | render` on the embedded stack.

The module stages one name of each kind (published, rejected, in conflict) through the real
pipeline (Lattice calls -> CloudTrail events -> the state machine), then asks the CLI."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(600)


@dataclass(frozen=True)
class Names:
    published: str
    rejected: str
    conflict: str


def wait_active(control_plane: Any, service_id: str) -> None:
    """Until Lattice reports the association ACTIVE (the emulator provisions in ~1 s)."""
    lattice = control_plane.client("vpc-lattice")
    deadline = time.monotonic() + 60
    while True:
        items = lattice.list_service_network_service_associations(serviceIdentifier=service_id)
        if items["items"] and all(i["status"] == "ACTIVE" for i in items["items"]):
            return
        assert time.monotonic() < deadline, f"{service_id} never became ACTIVE"
        time.sleep(0.25)


@pytest.fixture(scope="module")
def names(control_plane: Any) -> Names:
    domain = control_plane.domain
    published = f"{control_plane.unique('orders')}.{domain}"
    rejected = f"{control_plane.unique('pay_roll')}.{domain}"  # underscore: not a host name
    conflict = f"{control_plane.unique('taken')}.{domain}"
    control_plane.put_record(
        control_plane.consumer_zone_id, conflict, "CNAME", "someone-else.example.net"
    )
    for name in (published, rejected, conflict):
        control_plane.create_service(name.split(".")[0].replace("_", "-"), name)
    control_plane.wait_idle()
    return Names(published, rejected, conflict)


def test_status_json_lists_published_rejected_and_conflicting_names(admin, names):
    report = admin.json("status")

    assert names.published in {p["domain"] for p in report["published"]}
    rejected = {r["domain"]: r["reason"] for r in report["rejected"]}
    assert "invalid label" in rejected[names.rejected]
    conflicts = {(c["domain"], c["zone"]): c["reason"] for c in report["conflicts"]}
    assert "does not own" in conflicts[(names.conflict, "consumer")]
    assert names.conflict not in {p["domain"] for p in report["published"]}
    assert report["runs"] and report["runs"][0]["status"] in ("SUCCEEDED", "FAILED")
    assert report["config"]["upToDate"] is True


def test_status_table_shows_each_kind_of_name(admin, names):
    result = admin.run("status")

    assert result.exit_code == 0, result.output
    for heading in ("Parameters", "Last runs", "Published", "Rejected", "Conflicts"):
        assert heading in result.stdout
    for domain in (names.published, names.rejected, names.conflict):
        assert domain in result.stdout


def test_status_warns_first_when_no_trail_logs_the_region(admin, control_plane, names):
    cloudtrail = control_plane.client("cloudtrail")
    trails = cloudtrail.describe_trails()["trailList"]
    assert trails, "the embedded account has a trail, as the README requires"
    assert admin.json("status")["warnings"] == []

    for trail in trails:
        cloudtrail.stop_logging(Name=trail["TrailARN"])
    try:
        result = admin.run("status")
        report = admin.json("status")
    finally:
        for trail in trails:
            cloudtrail.start_logging(Name=trail["TrailARN"])

    assert result.stdout.startswith("WARNING: no logging CloudTrail trail covers us-east-1")
    assert len(report["warnings"]) == 1


def test_explain_published_name_exits_0_with_each_step(admin, names):
    report = admin.json("explain", names.published, exit_code=0)

    assert report["domain"] == names.published
    assert report["published"] is True
    steps = report["reasons"]
    assert steps[0].startswith("Lattice: service") and "ACTIVE" in steps[0]
    assert any(s.startswith("consumer zone") and "in place" in s for s in steps)
    assert any(s.startswith("proxy zone") and "in place" in s for s in steps)
    assert any(
        s.startswith("config version") and f"routes {names.published} ->" in s for s in steps
    )
    assert any(s.startswith("last run naming it") for s in steps)


def test_explain_rejected_and_conflicting_names_exit_1_saying_why(admin, names):
    rejected = admin.json("explain", names.rejected, exit_code=1)
    conflict = admin.json("explain", names.conflict, exit_code=1)
    unknown = admin.json("explain", f"nobody.{names.published}", exit_code=1)

    assert rejected["published"] is False
    assert any(r.startswith("validation: rejected") for r in rejected["reasons"])
    assert conflict["published"] is False
    assert any(
        "conflict: name holds records this stack does not own" in r for r in conflict["reasons"]
    )
    assert any("owner" not in r or "no ownership marker" in r for r in conflict["reasons"])
    assert unknown["reasons"][0].startswith("Lattice: no service associated")


def test_explain_table_form_and_exit_code(admin, names):
    published = admin.run("explain", names.published)
    conflict = admin.run("explain", names.conflict)

    assert published.exit_code == 0 and f"{names.published}: published" in published.stdout
    assert conflict.exit_code == 1 and "NOT published" in conflict.stdout


def test_plan_shows_staged_changes_and_reconcile_wait_applies_them(
    admin, control_plane, names, set_rules
):
    set_rules(enabled=False)  # no event-driven pass: the change stays staged
    try:
        domain = f"{control_plane.unique('staged')}.{control_plane.domain}"
        wait_active(control_plane, control_plane.create_service(domain.split(".")[0], domain))

        before = admin.json("plan")["changes"]
        table = admin.run("plan")
        done = admin.process("reconcile", "--wait")
        after = admin.json("plan")["changes"]
    finally:
        set_rules(enabled=True)

    staged = {(c["domain"], c.get("zone") or "config", c["action"]) for c in before}
    assert {(domain, "consumer", "create"), (domain, "proxy", "create")} <= staged
    assert (domain, "config", "create") in staged
    assert table.exit_code == 0 and f"+ │ {domain}" in table.stdout.replace("  ", " ")
    assert done.returncode == 0, done.stderr
    assert "SUCCEEDED" in done.stdout
    assert all(c["domain"] != domain for c in after)
    assert admin.json("explain", domain, exit_code=0)["published"] is True


def test_reconcile_wait_exits_non_zero_when_the_pass_fails(admin, control_plane, names, set_rules):
    from embedded_aws.compat import ecs

    set_rules(enabled=False)
    ecs.fail_next_rollout()
    try:
        domain = f"{control_plane.unique('doomed')}.{control_plane.domain}"
        wait_active(control_plane, control_plane.create_service(domain.split(".")[0], domain))
        process = admin.process("reconcile", "--wait", "--output", "json")
    finally:
        ecs.clear_planned_failures()
        set_rules(enabled=True)

    assert process.returncode == 1, process.stderr
    result = json.loads(process.stdout)
    assert result["status"] == "FAILED"
    assert result["error"] == "RolloutFailedError"


def test_render_prints_the_config_the_catalog_renders_to_without_publishing(
    admin, control_plane, names
):
    versions = control_plane.config_versions()
    text = admin.run("render")
    report = admin.json("render")

    assert text.exit_code == 0
    assert f"{names.published} " in text.stdout and "stream {" in text.stdout
    assert names.rejected not in text.stdout
    assert report["config"] == text.stdout
    assert control_plane.config_versions() == versions


def test_a_missing_outputs_file_is_a_usage_error(admin, tmp_path):
    from click.testing import CliRunner

    from lattice_ingress_cli.main import cli

    result = CliRunner().invoke(cli, ["status", "--outputs", str(tmp_path / "none.json")])
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_stack_option_reads_the_cloudformation_outputs(admin, control_plane, names, monkeypatch):
    """--stack NAME: the outputs come from DescribeStacks through the usual credential
    chain (here the embedded endpoint, as AWS_ENDPOINT_URL)."""
    from click.testing import CliRunner

    from lattice_ingress_cli.main import cli

    template = {
        "Resources": {"Marker": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {
            key: {"Value": control_plane.outputs[key]}
            for key in ("StateMachineArn", "DiscoverFunctionName")
        },
    }
    control_plane.client("cloudformation").create_stack(
        StackName="lattice-ingress-cli", TemplateBody=json.dumps(template)
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", control_plane.embedded.endpoint)

    result = CliRunner().invoke(
        cli, ["explain", names.published, "--stack", "lattice-ingress-cli", "--output", "json"]
    )
    missing = CliRunner().invoke(cli, ["status", "--stack", "no-such-stack"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["published"] is True
    assert missing.exit_code == 2 and "cannot describe stack no-such-stack" in missing.output
