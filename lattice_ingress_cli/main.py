"""The `lattice-ingress` command. Local subcommands import the emulator lazily."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lattice-ingress")
    sub = parser.add_subparsers(dest="group", required=True)
    local = sub.add_parser("local", help="the embedded AWS stack (no AWS account, no Docker)")
    local_sub = local.add_subparsers(dest="command", required=True)

    from embedded_aws import commands  # the local stack is optional at import time

    commands.register(local_sub)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
