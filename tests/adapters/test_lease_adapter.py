"""The DynamoDB lease: one holder, expiry, and exactly one queued pass per busy period."""

from __future__ import annotations

import pytest

from lattice_ingress.adapters.lease import Lease
from lattice_ingress.models.errors import LeaseLostError

from .conftest import Account


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def lease(account: Account, clock: Clock) -> Lease:
    return Lease(account.dynamodb, account.table, ttl_seconds=300, clock=clock)


def test_given_free_lease_when_acquired_then_granted(account: Account) -> None:
    assert lease(account, Clock()).acquire("run-1") is True


def test_given_held_lease_when_another_acquires_then_refused(account: Account) -> None:
    clock = Clock()
    lease(account, clock).acquire("run-1")

    assert lease(account, clock).acquire("run-2") is False


def test_given_holder_when_acquiring_again_then_granted(account: Account) -> None:
    clock = Clock()
    lease(account, clock).acquire("run-1")

    assert lease(account, clock).acquire("run-1") is True


def test_given_no_trigger_during_run_when_released_then_no_more_pass(account: Account) -> None:
    clock = Clock()
    held = lease(account, clock)
    held.acquire("run-1")

    assert held.release("run-1") is False
    assert held.acquire("run-2") is True


def test_given_burst_during_run_when_released_then_exactly_one_more_pass(
    account: Account,
) -> None:
    clock = Clock()
    held = lease(account, clock)
    held.acquire("run-1")
    refused = [held.acquire(f"burst-{i}") for i in range(100)]

    first = held.release("run-1")
    second = held.release("run-1")

    assert not any(refused)
    assert (first, second) == (True, False)
    assert held.acquire("later") is True


def test_given_more_pass_when_released_then_lease_kept_for_holder(account: Account) -> None:
    clock = Clock()
    held = lease(account, clock)
    held.acquire("run-1")
    held.acquire("run-2")

    assert held.release("run-1") is True
    assert held.acquire("run-3") is False  # still held by run-1 for its extra pass


def test_given_crashed_holder_when_lease_expires_then_next_run_acquires(
    account: Account,
) -> None:
    clock = Clock()
    held = lease(account, clock)
    held.acquire("crashed")
    clock.now += 301

    assert held.acquire("run-2") is True
    assert held.release("crashed") is False  # the old holder no longer owns it


def test_given_not_holder_when_released_then_nothing_changes(account: Account) -> None:
    clock = Clock()
    held = lease(account, clock)
    held.acquire("run-1")

    assert held.release("someone-else") is False
    assert held.acquire("run-2") is False


def test_given_triggers_while_settling_when_looked_then_consumed_once_and_renewed(
    account: Account,
) -> None:
    clock = Clock()
    held = lease(account, clock)
    held.acquire("run-1")
    for i in range(5):
        held.acquire(f"burst-{i}")  # refused: each records the pending pass

    clock.now += 200
    busy = held.settle("run-1")  # the burst's triggers are consumed...
    clock.now += 200  # ...and the lease renewed: 400 s after acquiring it is still ours
    quiet = held.settle("run-1")

    assert (busy, quiet) == (True, False)
    assert held.release("run-1") is False  # nothing left pending: the pass covered them
    clock.now += 1
    held.acquire("run-2")
    with pytest.raises(LeaseLostError):
        held.settle("run-1")
