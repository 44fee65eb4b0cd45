"""Feedback from the fleet: what each proxy task reports (nginx/entrypoint.sh, real nginx).

Each task uploads fleet/<task id>.json after every apply or rejection; serve writes the
ConfigRejected and PollerStale metrics as EMF records to its log.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from runtime_helpers import eventually, simple_config

from embedded_aws.dataplane.backends import free_port
from embedded_aws.dataplane.runner import ProxyTask

pytestmark = pytest.mark.dataplane

TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/proxy-cluster/0123456789abcdef0123456789abcdef"


@pytest.fixture
def versioned(embedded: Any, config_bucket: str) -> Callable[[str], str]:
    """Publish into a versioned bucket (as the stack's); returns the new version id."""
    s3 = embedded.client("s3")
    s3.put_bucket_versioning(Bucket=config_bucket, VersioningConfiguration={"Status": "Enabled"})

    def _publish(text: str) -> str:
        put = s3.put_object(Bucket=config_bucket, Key="nginx/nginx.conf", Body=text.encode())
        return str(put["VersionId"])

    return _publish


def report(embedded: Any, bucket: str, arn: str = TASK_ARN) -> dict[str, Any] | None:
    s3 = embedded.client("s3")
    try:
        body = s3.get_object(Bucket=bucket, Key=f"fleet/{arn.rsplit('/', 1)[-1]}.json")["Body"]
    except s3.exceptions.NoSuchKey:
        return None
    return dict(json.loads(body.read()))


def metrics(task: ProxyTask, name: str) -> list[dict[str, Any]]:
    return [e for e in task.events("metric") if name in e]


def test_given_reload_mode_when_configs_are_applied_and_rejected_then_the_task_reports_each(
    embedded: Any,
    config_bucket: str,
    versioned: Callable[[str], str],
    make_task: Callable[..., ProxyTask],
    tmp_path: Path,
) -> None:
    port = free_port()
    good = versioned(simple_config(tmp_path, port, "v1"))
    task = make_task(rollout_mode="reload", task_arn=TASK_ARN).start()
    task.wait_until_listening(port)
    assert eventually(lambda: (report(embedded, config_bucket) or {}).get("versionId") == good)
    first = report(embedded, config_bucket)

    bad = versioned(simple_config(tmp_path, port, "v2").replace("return 200", "return_typo 200"))
    task.wait_for_event("config_rejected")
    assert eventually(lambda: (report(embedded, config_bucket) or {}).get("versionId") == bad)
    rejected = report(embedded, config_bucket)

    assert first is not None and rejected is not None
    assert first["taskArn"] == TASK_ARN
    assert first["state"] == "applied" and first["servingVersionId"] == good
    assert rejected["state"] == "rejected"
    assert rejected["servingVersionId"] == good  # still serving the last good config
    [metric] = metrics(task, "ConfigRejected")
    assert metric["ConfigRejected"] == 1 and metric["Fleet"]
    [directive] = metric["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "LatticeIngress/Fleet"
    assert directive["Metrics"] == [{"Name": "ConfigRejected", "Unit": "Count"}]


def test_given_redeploy_mode_when_a_new_task_replaces_the_old_then_it_reports_the_new_version(
    embedded: Any,
    config_bucket: str,
    versioned: Callable[[str], str],
    make_task: Callable[..., ProxyTask],
    tmp_path: Path,
) -> None:
    port = free_port()
    first = versioned(simple_config(tmp_path, port, "v1"))
    task = make_task(rollout_mode="redeploy", task_arn=TASK_ARN).start()
    task.wait_until_listening(port)
    assert eventually(lambda: report(embedded, config_bucket) is not None)

    second = versioned(simple_config(tmp_path, port, "v2"))
    new_arn = TASK_ARN[:-4] + "ffff"
    task.redeploy(task_arn=new_arn)

    assert eventually(
        lambda: (report(embedded, config_bucket, new_arn) or {}).get("servingVersionId") == second
    )
    old = report(embedded, config_bucket)
    assert old is not None and old["versionId"] == first and old["state"] == "applied"


def test_given_the_poller_dies_when_serving_then_serve_emits_poller_stale(
    make_task: Callable[..., ProxyTask],
    versioned: Callable[[str], str],
    tmp_path: Path,
) -> None:
    port = free_port()
    versioned(simple_config(tmp_path, port, "v1"))
    task = make_task(
        rollout_mode="reload", poller_stale_intervals=1, poller_stale_min_seconds=0
    ).start()
    task.wait_until_listening(port)
    assert task.events("poller_stale") == []

    fetcher = task._fetcher
    assert fetcher is not None
    os.killpg(fetcher.pid, signal.SIGKILL)
    stale = task.wait_for_event("poller_stale", timeout=30)

    assert stale["level"] == "ERROR"
    assert eventually(lambda: bool(metrics(task, "PollerStale")), attempts=200)
    assert task.serving  # nginx keeps serving the last config
