"""A DynamoDB lease: one writer at a time, no trigger lost, no run wedges the system.

One item (partition key `pk` = LEASE_KEY) holds `holder`, `expiresAt` (epoch seconds) and
`pending`. Every transition is a single conditional UpdateItem, so concurrent executions
cannot both win. An expired lease is free, so a crashed run blocks others at most one TTL.

Fencing: before every write of published state a writer calls `fence(holder)`, a
conditional renewal that fails unless `holder` still holds an unexpired lease. A fence
renews for a whole TTL, and the template keeps the TTL longer than any single step
(template.yaml, LeaseTtlSeconds), so the write that follows a fence within the same step
completes before anyone else can take the lease.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lattice_ingress.models.errors import LeaseError, LeaseLostError

PARTITION_KEY = "pk"
LEASE_KEY = "reconcile"
# Each compare-and-set step fails only when another execution changed the item in between;
# three rounds cover acquire/release racing each other without looping on a broken table.
MAX_ROUNDS = 3


@dataclass
class Lease:
    dynamodb: Any
    table: str
    ttl_seconds: int
    clock: Callable[[], float] = field(default=time.time)

    def acquire(self, holder: str) -> bool:
        """True: `holder` runs now. False: another run holds it; one more pass is recorded
        (a boolean, so a burst of triggers collapses into a single pass)."""
        for _ in range(MAX_ROUNDS):
            now = int(self.clock())
            if self._update(
                "SET holder = :h, expiresAt = :exp, pending = :false",
                "attribute_not_exists(holder) OR expiresAt < :now OR holder = :h",
                {":h": holder, ":exp": now + self.ttl_seconds, ":now": now, ":false": False},
            ):
                return True
            if self._update(
                "SET pending = :true",
                "attribute_exists(holder) AND expiresAt >= :now AND holder <> :h",
                {":h": holder, ":now": now, ":true": True},
            ):
                return False
            # The lease was released or expired between the two steps: try to take it.
        raise LeaseError(f"lease {self.table}/{LEASE_KEY} is changing too fast to acquire")

    def fence(self, holder: str) -> None:
        """Prove `holder` still holds the lease and renew it; LeaseLostError when the lease
        expired or moved (an expired lease is lost even if nobody took it yet: another run
        may be about to)."""
        now = int(self.clock())
        if not self._update(
            "SET expiresAt = :exp",
            "holder = :h AND expiresAt >= :now",
            {":h": holder, ":exp": now + self.ttl_seconds, ":now": now},
        ):
            raise LeaseLostError(f"{holder} no longer holds the lease {self.table}/{LEASE_KEY}")

    def settle(self, holder: str) -> bool:
        """While `holder` waits for a burst of triggers to end: True when triggers arrived
        since the last look (consumed: the pass about to run covers them), False when it
        was quiet. Renews either way; LeaseLostError when the lease is no longer ours."""
        now = int(self.clock())
        if self._update(
            "SET pending = :false, expiresAt = :exp",
            "holder = :h AND expiresAt >= :now AND pending = :true",
            {
                ":h": holder,
                ":exp": now + self.ttl_seconds,
                ":now": now,
                ":true": True,
                ":false": False,
            },
        ):
            return True
        self.fence(holder)
        return False

    def hand_over(self, holder: str) -> bool:
        """Give the lease up even when a pass is pending (a failed run, or a run at its pass
        cap); True when a pass was pending: the caller starts a fresh execution for it."""
        for _ in range(MAX_ROUNDS):
            for pending in (True, False):
                if self._update(
                    "REMOVE holder, expiresAt SET pending = :false",
                    "holder = :h AND pending = :true"
                    if pending
                    else "holder = :h AND (attribute_not_exists(pending) OR pending = :false)",
                    {":h": holder, ":true": True, ":false": False}
                    if pending
                    else {":h": holder, ":false": False},
                ):
                    return pending
            if self._holder() != holder:
                # Our lease expired and another run took it: that run does the full pass.
                return False
        raise LeaseError(f"lease {self.table}/{LEASE_KEY} is changing too fast to hand over")

    def release(self, holder: str) -> bool:
        """True: a pass was requested meanwhile; `holder` keeps the lease (renewed) for it and
        the request is cleared. False: the lease is free (or no longer ours)."""
        for _ in range(MAX_ROUNDS):
            now = int(self.clock())
            if self._update(
                "SET pending = :false, expiresAt = :exp",
                "holder = :h AND pending = :true",
                {":h": holder, ":exp": now + self.ttl_seconds, ":true": True, ":false": False},
            ):
                return True
            if self._update(
                "REMOVE holder, expiresAt SET pending = :false",
                "holder = :h AND (attribute_not_exists(pending) OR pending = :false)",
                {":h": holder, ":false": False},
            ):
                return False
            if self._holder() != holder:
                # Our lease expired and another run took it: that run does the full pass.
                return False
        raise LeaseError(f"lease {self.table}/{LEASE_KEY} is changing too fast to release")

    def _update(self, expression: str, condition: str, values: dict[str, Any]) -> bool:
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={PARTITION_KEY: {"S": LEASE_KEY}},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeValues={k: _attr(v) for k, v in values.items()},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise LeaseError(f"lease update on {self.table} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise LeaseError(f"lease update on {self.table} failed: {exc}") from exc
        return True

    def _holder(self) -> str | None:
        try:
            item = self.dynamodb.get_item(
                TableName=self.table,
                Key={PARTITION_KEY: {"S": LEASE_KEY}},
                ConsistentRead=True,
            ).get("Item", {})
        except (ClientError, BotoCoreError) as exc:
            raise LeaseError(f"cannot read the lease in {self.table}: {exc}") from exc
        return item.get("holder", {}).get("S")


def _attr(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    return {"S": str(value)}
