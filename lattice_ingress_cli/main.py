"""The `lattice-ingress` command: operator commands (click) and `local ...` (the embedded
stack, whose argparse parsers live in embedded_aws and are imported only when used)."""

from __future__ import annotations

import argparse
import sys

import click

from lattice_ingress_cli.explain import explain
from lattice_ingress_cli.plan import plan
from lattice_ingress_cli.reconcile import reconcile
from lattice_ingress_cli.render import render
from lattice_ingress_cli.status import status


@click.group()
def cli() -> None:
    """Publish VPC Lattice services to clients outside AWS: inspect and drive the stack."""


@cli.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def local(args: tuple[str, ...]) -> None:
    """The embedded AWS stack (no AWS account, no Docker): serve, demo."""
    sys.exit(run_local(list(args)))


def run_local(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="lattice-ingress local")
    sub = parser.add_subparsers(dest="command", required=True)

    from embedded_aws import commands  # the local stack is optional at import time

    commands.register(sub)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


for _command in (status, explain, plan, reconcile, render):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="lattice-ingress", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
