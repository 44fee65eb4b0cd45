"""Pure decisions about the fleet: who serves the expected config, how long to wait next."""

from __future__ import annotations

from lattice_ingress.models.fleet import FleetTask, FleetView


def assess(expected_version_id: str | None, tasks: list[FleetTask]) -> FleetView:
    """Sort running tasks into applied / rejected / pending against the expected version.

    A task that rejected the expected version will not apply it by waiting: it is reported
    at once. A task with no report, or one about another version, is pending.
    """
    view = FleetView(expected_version_id=expected_version_id, tasks=tasks)
    for task in tasks:
        report = task.report
        if report is not None and report.serving_version_id == expected_version_id:
            view.applied.append(task.task_arn)
        elif (
            report is not None
            and report.state == "rejected"
            and report.version_id == expected_version_id
        ):
            view.rejected.append(task.task_arn)
        else:
            view.pending.append(task.task_arn)
    return view


def next_wait_seconds(attempt: int, max_seconds: int) -> int:
    """Exponential backoff 1, 2, 4, ... seconds, capped at `max_seconds` (at least 1)."""
    return max(1, min(2 ** min(attempt, 16), max_seconds))


def describe(view: FleetView) -> str:
    """One line naming the tasks that do not serve the expected version, and why."""
    parts = []
    if view.rejected:
        parts.append("rejected it (nginx -t failed): " + ", ".join(_ids(view.rejected)))
    if view.pending:
        parts.append("not applied it yet: " + ", ".join(_ids(view.pending)))
    served = f"{len(view.applied)} of {len(view.tasks)} running tasks serve it"
    return f"config version {view.expected_version_id}: {served}; " + "; ".join(parts)


def _ids(arns: list[str]) -> list[str]:
    return [arn.rsplit("/", 1)[-1] for arn in arns]
