"""`lattice-ingress render`: the NGINX config the current catalog renders to (not published)."""

from __future__ import annotations

import click

from lattice_ingress_cli.console import print_json
from lattice_ingress_cli.snapshot import take
from lattice_ingress_cli.stack import Stack, stack_options


@click.command()
@stack_options
def render(stack: Stack, as_json: bool) -> None:
    """Print the nginx.conf a pass would publish now, without publishing it."""
    snapshot = take(stack)
    rendered = snapshot.rendered
    if as_json:
        print_json(
            {
                "config": rendered.text,
                "sha256": rendered.sha256,
                "serviceCount": rendered.service_count,
                "published": snapshot.config is not None and not snapshot.config_changes(),
            }
        )
        return
    click.echo(rendered.text, nl=False)
