"""Route 53 batch limits: 1000 ResourceRecord elements (UPSERT twice), 32,000 characters."""

from __future__ import annotations

import pytest

from lattice_ingress.logic.batching import (
    ChangeGroupTooLargeError,
    batch_changes,
    change_cost,
    isolate_refused,
)
from lattice_ingress.models.dns import (
    AliasTarget,
    ChangeAction,
    ChangeGroup,
    RecordChange,
    RecordSet,
)


def group(index: int, action: ChangeAction = ChangeAction.CREATE, value: str = "t") -> ChangeGroup:
    name = f"s{index}.example.com"
    return ChangeGroup(
        name=name,
        changes=(
            RecordChange(
                action=action,
                record=RecordSet(name=name, type="CNAME", ttl=300, values=(value,)),
            ),
        ),
    )


def sizes(batches: list[list[RecordChange]]) -> list[int]:
    return [len(batch) for batch in batches]


def test_given_exactly_1000_create_elements_when_batched_then_one_batch() -> None:
    assert sizes(batch_changes([group(i) for i in range(1000)])) == [1000]


def test_given_1001_create_elements_when_batched_then_two_batches() -> None:
    assert sizes(batch_changes([group(i) for i in range(1001)])) == [1000, 1]


def test_given_upserts_when_batched_then_each_counts_twice() -> None:
    groups = [group(i, ChangeAction.UPSERT) for i in range(501)]

    assert sizes(batch_changes(groups)) == [500, 1]


def test_given_values_at_the_character_limit_when_batched_then_split_exactly() -> None:
    # 32 values of 1000 characters = 32,000 characters: exactly one batch.
    at_limit = [group(i, value="x" * 1000) for i in range(32)]
    over = [*at_limit, group(99, value="x")]

    assert sizes(batch_changes(at_limit)) == [32]
    assert sizes(batch_changes(over)) == [32, 1]


def test_given_upsert_values_when_batched_then_characters_count_twice() -> None:
    groups = [group(i, ChangeAction.UPSERT, value="x" * 1000) for i in range(17)]

    assert sizes(batch_changes(groups)) == [16, 1]


def test_given_alias_change_when_costed_then_counts_as_one_element_and_no_characters() -> None:
    alias = RecordChange(
        action=ChangeAction.CREATE,
        record=RecordSet(
            name="a.example.com", type="A", alias=AliasTarget(hosted_zone_id="Z", dns_name="n")
        ),
    )

    cost = change_cost(alias)

    assert (cost.elements, cost.characters) == (1, 0)


def test_given_groups_when_batched_then_a_group_is_never_split() -> None:
    pair = ChangeGroup(name="p", changes=group(1).changes + group(2).changes)
    groups = [group(i) for i in range(999)] + [pair]

    batches = batch_changes(groups)

    assert sizes(batches) == [999, 2]


def test_given_group_larger_than_a_batch_when_batched_then_error() -> None:
    with pytest.raises(ChangeGroupTooLargeError):
        batch_changes([group(1, value="x" * 40_000)])


def test_given_nothing_when_batched_then_no_batches() -> None:
    assert batch_changes([]) == []


def test_given_one_refused_name_when_isolated_then_every_other_name_is_applied() -> None:
    groups = [group(i) for i in range(9)]
    applied: list[str] = []
    calls = 0

    def apply(batch: list[ChangeGroup]) -> str | None:
        # Route 53's all-or-nothing: one bad name refuses the whole call.
        nonlocal calls
        calls += 1
        if any(g.name == "s6.example.com" for g in batch):
            return "[bad name]"
        applied.extend(g.name for g in batch)
        return None

    refused = isolate_refused(groups, apply)

    assert refused == {"s6.example.com": "[bad name]"}
    assert sorted(applied) == sorted(g.name for g in groups if g.name != "s6.example.com")
    assert calls <= 1 + 2 * 4  # log2(9) rounds of two halves


def test_given_accepted_batch_when_isolated_then_applied_in_one_call() -> None:
    calls: list[int] = []

    refused = isolate_refused([group(i) for i in range(5)], lambda b: calls.append(len(b)))

    assert refused == {} and calls == [5]
