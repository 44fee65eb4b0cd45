"""Logs and CloudWatch: log groups, alarms and dashboards."""

from __future__ import annotations

from typing import Any

from embedded_aws.deployer.context import Created, DeployContext, creator
from embedded_aws.deployer.helpers import ensure_log_group, json_text, pick


# -- Logs ------------------------------------------------------------------------------
@creator("AWS::Logs::LogGroup")
def _log_group(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("LogGroupName") or ctx.name(logical_id, 512)
    ensure_log_group(ctx, name)
    if "RetentionInDays" in props:
        ctx.client("logs").put_retention_policy(
            logGroupName=name, retentionInDays=int(props["RetentionInDays"])
        )
    arn = f"arn:aws:logs:{ctx.region}:{ctx.account_id}:log-group:{name}:*"
    return Created("AWS::Logs::LogGroup", name, {"Arn": arn})


# -- CloudWatch ------------------------------------------------------------------------
_ALARM_KEYS = (
    "AlarmDescription",
    "ActionsEnabled",
    "OKActions",
    "AlarmActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Unit",
    "ComparisonOperator",
    "TreatMissingData",
    "Metrics",
    "ThresholdMetricId",
)


@creator("AWS::CloudWatch::Alarm")
def _alarm(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("AlarmName") or ctx.name(logical_id, 255)
    request: dict[str, Any] = {"AlarmName": name, **pick(props, *_ALARM_KEYS)}
    for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if key in props:
            request[key] = int(props[key])
    if "Threshold" in props:
        request["Threshold"] = float(props["Threshold"])
    ctx.client("cloudwatch").put_metric_alarm(**request)
    arn = f"arn:aws:cloudwatch:{ctx.region}:{ctx.account_id}:alarm:{name}"
    return Created("AWS::CloudWatch::Alarm", name, {"Arn": arn})


@creator("AWS::CloudWatch::Dashboard")
def _dashboard(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    name = props.get("DashboardName") or ctx.name(logical_id, 255)
    ctx.client("cloudwatch").put_dashboard(
        DashboardName=name, DashboardBody=json_text(props["DashboardBody"])
    )
    return Created("AWS::CloudWatch::Dashboard", name)
