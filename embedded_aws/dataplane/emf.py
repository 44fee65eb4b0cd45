"""What CloudWatch Logs does with the proxy task's log: turn EMF records into metrics.

In AWS the awslogs driver ships the containers' stdout to the proxy log group, and CloudWatch
Logs extracts every record in the embedded metric format (a JSON object whose `_aws` key
lists the metrics) into CloudWatch metrics. Locally the task's log is a file: `EmfExtractor`
reads what was appended since its last call and puts those metrics into the emulated
CloudWatch, as the service would (no caller credentials: it is CloudWatch Logs' own doing).
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def metric_data(record: dict[str, Any]) -> tuple[str, list[dict[str, Any]]] | None:
    """(namespace, PutMetricData datums) for one EMF record, or None if it is not one."""
    meta = record.get("_aws")
    if not isinstance(meta, dict):
        return None
    directives = meta.get("CloudWatchMetrics")
    timestamp = meta.get("Timestamp")
    if not isinstance(directives, list) or not directives or not isinstance(timestamp, int):
        return None
    when = datetime.fromtimestamp(timestamp / 1000, tz=UTC)
    namespace = ""
    datums: list[dict[str, Any]] = []
    for directive in directives:
        namespace = str(directive.get("Namespace", ""))
        for dimension_set in directive.get("Dimensions") or [[]]:
            dimensions = [
                {"Name": d, "Value": str(record[d])} for d in dimension_set if d in record
            ]
            for metric in directive.get("Metrics") or []:
                name = metric.get("Name")
                value = record.get(name)
                if not isinstance(value, (int, float)):
                    continue
                datums.append(
                    {
                        "MetricName": name,
                        "Dimensions": dimensions,
                        "Timestamp": when,
                        "Value": float(value),
                        "Unit": metric.get("Unit", "None"),
                    }
                )
    return (namespace, datums) if namespace and datums else None


class EmfExtractor:
    """Follows one log file; `drain(cloudwatch)` puts the metrics of new EMF records."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self._offset = 0

    def drain(self, cloudwatch: Any) -> int:
        """Put the metrics of the complete lines appended since the last call; their count."""
        if not self.log_path.exists():
            return 0
        with self.log_path.open("rb") as log:
            log.seek(self._offset)
            chunk = log.read()
        complete = chunk.rpartition(b"\n")[0]
        if not complete:
            return 0
        self._offset += len(complete) + 1
        put = 0
        for line in complete.decode(errors="replace").splitlines():
            if '"_aws"' not in line:
                continue
            with contextlib.suppress(json.JSONDecodeError):
                record = json.loads(line)
                extracted = metric_data(record) if isinstance(record, dict) else None
                if extracted is not None:
                    namespace, datums = extracted
                    cloudwatch.put_metric_data(Namespace=namespace, MetricData=datums)
                    put += len(datums)
        return put
