"""Split change groups into ChangeResourceRecordSets batches within Route 53's limits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lattice_ingress.models.dns import ChangeAction, ChangeGroup, RecordChange

# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html
MAX_RECORD_ELEMENTS = 1000
MAX_VALUE_CHARACTERS = 32_000


class ChangeGroupTooLargeError(ValueError):
    """One name's changes alone exceed a batch limit (cannot happen for our record shapes)."""


@dataclass(frozen=True)
class BatchCost:
    elements: int
    characters: int


def change_cost(change: RecordChange) -> BatchCost:
    """ResourceRecord elements and value characters, both counted twice for UPSERT.

    An ALIAS record has no ResourceRecord element; it is counted as one to stay on the safe
    side of a limit AWS does not document for aliases."""
    record = change.record
    elements = max(len(record.values), 1)
    characters = sum(len(value) for value in record.values)
    factor = 2 if change.action is ChangeAction.UPSERT else 1
    return BatchCost(elements * factor, characters * factor)


def group_cost(group: ChangeGroup) -> BatchCost:
    costs = [change_cost(change) for change in group.changes]
    return BatchCost(sum(c.elements for c in costs), sum(c.characters for c in costs))


def batch_changes(
    groups: Iterable[ChangeGroup],
    max_elements: int = MAX_RECORD_ELEMENTS,
    max_characters: int = MAX_VALUE_CHARACTERS,
) -> list[list[RecordChange]]:
    """Greedy, order-preserving packing; a group (one name) is never split across batches."""
    batches: list[list[RecordChange]] = []
    current: list[RecordChange] = []
    elements = characters = 0
    for group in groups:
        cost = group_cost(group)
        if cost.elements > max_elements or cost.characters > max_characters:
            raise ChangeGroupTooLargeError(f"changes for {group.name} exceed one batch")
        if current and (
            elements + cost.elements > max_elements or characters + cost.characters > max_characters
        ):
            batches.append(current)
            current, elements, characters = [], 0, 0
        current.extend(group.changes)
        elements += cost.elements
        characters += cost.characters
    if current:
        batches.append(current)
    return batches
