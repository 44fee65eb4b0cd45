"""Scheduled rules locally: `rate(...)` periods and the bounded thread that fires enabled
rules to their targets while the deployment runs."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from typing import Any

from embedded_aws.deployer.context import DeployContext

logger = logging.getLogger(__package__)  # the package's logger, as in context

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_RATE_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


# -- scheduled rules -------------------------------------------------------------------
def rate_seconds(expression: str) -> int | None:
    """Seconds between firings of a `rate(...)` expression; None for cron and others."""
    match = _RATE.match(expression.strip())
    if match is None:
        return None
    unit = match.group(2).rstrip("s")
    return int(match.group(1)) * _RATE_SECONDS[unit]


class RuleScheduler:
    """Fires enabled `rate(...)` rules to their targets while the local stack runs.

    EventBridge's own scheduler has no API to drive, so each firing sends the "Scheduled
    Event" to the rule's targets the way EventBridge would (Input / InputPath honoured).
    """

    def __init__(
        self, ctx: DeployContext, rules: list[tuple[str, str]], time_scale: float = 1.0
    ) -> None:
        self._ctx = ctx
        self._periods: dict[str, float] = {}
        for name, expression in rules:
            seconds = rate_seconds(expression)
            if seconds is None:
                logger.warning("rule %s: %s is not fired locally (rate() only)", name, expression)
            else:
                self._periods[name] = seconds * time_scale
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rule-scheduler", daemon=True)

    def start(self) -> RuleScheduler:
        if self._periods:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        due = dict.fromkeys(self._periods, 0.0)
        elapsed = 0.0
        tick = min(self._periods.values())
        while not self._stop.wait(tick):  # ends as soon as stop() is called
            elapsed += tick
            for name, period in self._periods.items():
                if elapsed - due[name] >= period:
                    due[name] = elapsed
                    try:
                        self.fire(name)
                    except Exception:  # one bad firing must not stop the scheduler
                        logger.exception("scheduled rule %s failed to fire", name)

    def fire(self, rule_name: str) -> int:
        """Deliver one Scheduled Event to the rule's targets; returns how many got it.

        Delivery goes through moto's own target dispatch (extended by compat.events), so a
        scheduled firing reaches every target kind an event-pattern match would.
        """
        from moto.events.models import events_backends

        backend = events_backends[self._ctx.account_id][self._ctx.region]
        rule = backend.describe_rule(rule_name, None)
        if rule.state != "ENABLED":
            return 0
        now = time.time()
        event: dict[str, Any] = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self._ctx.account_id,
            "time": now,  # moto's own events carry epoch seconds; targets see ISO-8601
            "region": self._ctx.region,
            "resources": [rule.arn],
            "detail": {},
            "ingestion-time": now,
        }
        rule.send_to_targets(event)  # type: ignore[arg-type]  # moto types it as a TypedDict
        return len(rule.targets)
