"""AllowedClientCidrs -> per-family prefix list entries and the modify batches."""

from __future__ import annotations

import pytest

from lattice_ingress.logic.client_prefix_lists import ENTRIES_PER_CALL, batches, by_family


def test_given_both_families_when_split_then_each_list_gets_its_own_deduplicated() -> None:
    families = by_family(["2001:db8::/32", "10.0.0.0/8", " 10.0.0.0/8", "", "192.0.2.0/24"])

    assert families == {"IPv4": ["10.0.0.0/8", "192.0.2.0/24"], "IPv6": ["2001:db8::/32"]}


def test_given_host_bits_when_split_then_refused_as_the_nginx_model_refuses_them() -> None:
    with pytest.raises(ValueError, match="host bits"):
        by_family(["10.0.0.1/8"])


def test_given_more_than_100_changes_when_planned_then_removals_first_in_calls_of_100() -> None:
    current = [f"10.0.{i}.0/24" for i in range(150)]
    wanted = [f"10.1.{i}.0/24" for i in range(120)]

    calls = batches(current, wanted, max_entries=200)

    assert [(len(c.add), len(c.remove)) for c in calls] == [(0, 100), (0, 50), (100, 0), (20, 0)]
    assert all(len(c.add) <= ENTRIES_PER_CALL for c in calls)


def test_given_more_cidrs_than_max_entries_when_planned_then_refused_before_any_call() -> None:
    with pytest.raises(ValueError, match="MaxEntries"):
        batches([], [f"10.0.{i}.0/24" for i in range(31)], max_entries=30)


def test_given_the_same_set_when_planned_then_no_call() -> None:
    assert batches(["10.0.0.0/8"], ["10.0.0.0/8"], max_entries=1) == []
