"""`lattice-ingress reconcile [--wait]`: start a full pass; with --wait, follow it to its end
and exit 1 unless it succeeded."""

from __future__ import annotations

import json
import sys
import time
import uuid
from typing import Any

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from lattice_ingress.adapters.clients import client
from lattice_ingress_cli.console import console, print_json
from lattice_ingress_cli.runs import Run, describe
from lattice_ingress_cli.stack import Stack, stack_options

POLL_SECONDS = 1.0


@click.command()
@click.option("--wait/--no-wait", default=False, help="Follow the pass until it ends.")
@click.option("--timeout", default=1800, show_default=True, help="Seconds --wait follows the pass.")
@stack_options
def reconcile(stack: Stack, as_json: bool, wait: bool, timeout: int) -> None:
    """Start a full reconcile pass (the state machine with input {})."""
    sfn = client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=stack.output("StateMachineArn"),
        name=f"cli-{uuid.uuid4()}",
        input=json.dumps({}),
    )["executionArn"]
    if not wait:
        if as_json:
            print_json({"executionArn": arn, "status": "RUNNING"})
        else:
            console().print(f"started {arn}", markup=False)
        return
    run = follow(sfn, arn, timeout, show=not as_json)
    if as_json:
        print_json({"executionArn": arn, **run.summary(), "output": run.output})
    else:
        style = "bold green" if run.status == "SUCCEEDED" else "bold red"
        console().print(f"{run.name}: {run.status}", style=style, markup=False)
        if run.error:
            console().print(f"error: {run.error}", markup=False)
    sys.exit(0 if run.status == "SUCCEEDED" else 1)


def follow(sfn: Any, arn: str, timeout: float, *, show: bool) -> Run:
    """Poll until the execution leaves RUNNING, showing the state it is in."""
    deadline = time.monotonic() + timeout
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console(),
        disable=not show,
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=None)
        while (run := describe(sfn, arn)).status == "RUNNING":
            if time.monotonic() > deadline:
                raise click.ClickException(f"{arn} still running after {timeout:.0f}s")
            progress.update(task, description=current_state(sfn, arn))
            time.sleep(POLL_SECONDS)
    return run


def current_state(sfn: Any, arn: str) -> str:
    history = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=20)
    for event in history["events"]:
        details = event.get("stateEnteredEventDetails")
        if details:
            return f"in state {details['name']}"
    return "starting"
