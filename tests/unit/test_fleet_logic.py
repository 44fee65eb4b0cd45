"""Pure fleet decisions (lattice_ingress.logic.fleet): who serves the expected version."""

from __future__ import annotations

from lattice_ingress.logic.fleet import assess, describe, next_wait_seconds
from lattice_ingress.models.fleet import FleetTask, TaskReport

ARN = "arn:aws:ecs:us-east-1:123456789012:task/proxy/"


def task(name: str, state: str | None = None, decided: str = "", serving: str = "") -> FleetTask:
    report = None
    if state is not None:
        report = TaskReport(
            task_arn=ARN + name, state=state, version_id=decided, serving_version_id=serving
        )
    return FleetTask(task_arn=ARN + name, report=report)


def test_given_each_kind_of_task_then_each_lands_in_its_group() -> None:
    view = assess(
        "v2",
        [
            task("serves", "applied", "v2", "v2"),
            task("relabelled", "applied", "v2", "v2"),
            task("rejected", "rejected", "v2", "v1"),
            task("rejected-older", "rejected", "v1", "v0"),  # may still apply v2
            task("behind", "applied", "v1", "v1"),
            task("silent"),
        ],
    )

    assert [a.rsplit("/", 1)[-1] for a in view.applied] == ["serves", "relabelled"]
    assert [a.rsplit("/", 1)[-1] for a in view.rejected] == ["rejected"]
    assert [a.rsplit("/", 1)[-1] for a in view.pending] == ["rejected-older", "behind", "silent"]
    assert not view.complete
    assert "rejected it (nginx -t failed): rejected" in describe(view)
    assert "not applied it yet: rejected-older, behind, silent" in describe(view)
    assert "2 of 6 running tasks serve it" in describe(view)


def test_given_no_running_task_then_the_fleet_is_complete() -> None:
    assert assess("v1", []).complete


def test_given_attempts_then_the_wait_doubles_up_to_the_cap() -> None:
    assert [next_wait_seconds(a, 10) for a in range(6)] == [1, 2, 4, 8, 10, 10]
    assert next_wait_seconds(100, 30) == 30
    assert next_wait_seconds(0, 1) == 1
