"""Subcommands of `lattice-ingress local`. Each module registers its own parser."""

from __future__ import annotations

import argparse
import importlib

# module name -> register(subparsers) function; modules are imported lazily so a missing
# optional piece never breaks the others.
_COMMAND_MODULES = ("embedded_aws.serve", "embedded_aws.demo")


def register(subparsers: argparse._SubParsersAction) -> None:
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
