"""Split change groups into ChangeResourceRecordSets batches within Route 53's limits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
    return [flatten(batch) for batch in batch_groups(groups, max_elements, max_characters)]


def flatten(groups: Iterable[ChangeGroup]) -> list[RecordChange]:
    return [change for group in groups for change in group.changes]


def isolate_refused(
    batch: Sequence[ChangeGroup], apply: Callable[[list[ChangeGroup]], str | None]
) -> dict[str, str]:
    """Apply `batch`; if it is refused whole (`apply` returns the reason), bisect it until
    each refused name stands alone, so every other name is still applied. Returns refused
    name -> reason. A batch with one bad name costs about 2*log2(len) extra calls."""
    reason = apply(list(batch))
    if reason is None:
        return {}
    if len(batch) == 1:
        return {batch[0].name: reason}
    middle = len(batch) // 2
    refused = isolate_refused(batch[:middle], apply)
    refused.update(isolate_refused(batch[middle:], apply))
    return refused


def batch_groups(
    groups: Iterable[ChangeGroup],
    max_elements: int = MAX_RECORD_ELEMENTS,
    max_characters: int = MAX_VALUE_CHARACTERS,
) -> list[list[ChangeGroup]]:
    """`batch_changes`, keeping the groups (one name each) of every batch."""
    batches: list[list[ChangeGroup]] = []
    current: list[ChangeGroup] = []
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
        current.append(group)
        elements += cost.elements
        characters += cost.characters
    if current:
        batches.append(current)
    return batches
