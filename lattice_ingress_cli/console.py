"""Output helpers: rich tables for people, plain JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

# Not a terminal (pipes, CI logs, tests): never wrap a domain name across lines.
_PIPE_WIDTH = 240


def console() -> Console:
    """A console on the current stdout (created per call: click's test runner swaps it)."""
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=_PIPE_WIDTH)
    return out


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=True, default=str))


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    result = Table(title=title, title_justify="left")
    for column in columns:
        result.add_column(column, overflow="fold")
    for row in rows:
        # Text, not markup: a hostile name must print as written, brackets and all.
        result.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    return result
