"""The local stand-in for CloudWatch Logs' EMF extraction (embedded_aws/dataplane/emf.py)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from embedded_aws.dataplane.emf import EmfExtractor, metric_data


def emf(namespace: str, fleet: str, name: str, value: float) -> str:
    return json.dumps(
        {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": namespace,
                        "Dimensions": [["Fleet"]],
                        "Metrics": [{"Name": name, "Unit": "Count"}],
                    }
                ],
            },
            "Fleet": fleet,
            name: value,
        }
    )


def test_given_a_record_without_the_aws_key_then_it_is_no_metric() -> None:
    assert metric_data({"event": "started", "Fleet": "x", "ConfigRejected": 1}) is None


def test_given_emf_lines_in_a_log_when_drained_then_cloudwatch_has_their_metrics_once(
    embedded: Any, tmp_path: Path
) -> None:
    namespace = f"Test/{uuid.uuid4().hex[:8]}"
    log = tmp_path / "task.log"
    log.write_text(
        "nginx: plain stderr line\n"
        + emf(namespace, "stack-a", "ConfigRejected", 1)
        + "\n"
        + '{"event": "started"}\n'
        + emf(namespace, "stack-a", "ConfigRejected", 1)[:20]  # incomplete: not yet read
    )
    extractor = EmfExtractor(log)
    cloudwatch = embedded.client("cloudwatch")

    first = extractor.drain(cloudwatch)
    again = extractor.drain(cloudwatch)
    now = datetime.now(UTC)
    stats = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="ConfigRejected",
        Dimensions=[{"Name": "Fleet", "Value": "stack-a"}],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )

    assert (first, again) == (1, 0)
    assert sum(p["Sum"] for p in stats["Datapoints"]) == 1
