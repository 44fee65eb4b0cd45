"""Installing a compat module twice on one stack adds nothing the second time."""

from __future__ import annotations

from embedded_aws.compat import cloudtrail, ecs, faults, vpclattice
from embedded_aws.server import EmbeddedAws


def test_installs_with_middlewares_are_idempotent() -> None:
    embedded = EmbeddedAws()  # never started: installs only record middlewares
    for module in (faults, vpclattice, cloudtrail, ecs):
        module.install(embedded)
    installed = list(embedded._middlewares)
    for module in (faults, vpclattice, cloudtrail, ecs):
        module.install(embedded)
    assert embedded._middlewares == installed
    assert len(installed) == 5  # faults has its control endpoint and its injector
