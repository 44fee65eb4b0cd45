"""Custom domain validation: only lower-case RFC 1123 host names inside the zones pass."""

from __future__ import annotations

import pytest

from lattice_ingress.logic.names import host_name_problem, in_zone, is_apex

HOSTILE_NAMES = {
    "path traversal": "../etc/passwd.example.com",
    "semicolon": "a;b.example.com",
    "nginx block": "a{b.example.com",
    "newline": "orders.example.com\nevil.example.com",
    "space": "orders example.com",
    "dollar variable": "$host.example.com",
    "upper case": "Orders.Example.com",
    "64-character label": "a" * 64 + ".example.com",
    "254-character name": ".".join(["a" * 63] * 3 + ["b" * 62]),
    "trailing dot": "orders.example.com.",
    "ip literal": "10.0.0.1",
    "link-local metadata address": "169.254.169.254",
    "localhost": "localhost",
    "unicode": "bücher.example.com",
    "leading hyphen": "-orders.example.com",
    "trailing hyphen": "orders-.example.com",
    "underscore": "_orders.example.com",
    "wildcard": "*.example.com",
    "empty label": "orders..example.com",
    "empty": "",
    "nul byte": "orders\x00.example.com",
}


def test_given_254_character_fixture_when_measured_then_it_is_just_over_the_limit() -> None:
    assert len(HOSTILE_NAMES["254-character name"]) == 254


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_given_hostile_name_when_validated_then_a_reason_is_given(name: str) -> None:
    assert host_name_problem(name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "orders.example.com",
        "a.b",
        "xn--bcher-kva.example.com",
        "0rders-1.internal.example.com",
        "a" * 63 + ".example.com",
        ".".join(["a" * 63] * 3 + ["b" * 61]),  # exactly 253
    ],
)
def test_given_valid_lower_case_host_name_when_validated_then_no_problem(name: str) -> None:
    assert len(name) <= 253
    assert host_name_problem(name) is None


def test_given_non_string_when_validated_then_rejected() -> None:
    assert host_name_problem(None) == "is empty"
    assert host_name_problem(42) == "is empty"


def test_given_upper_case_when_validated_then_reason_says_lower_case() -> None:
    assert host_name_problem("Orders.example.com") == "is not lower-case"


@pytest.mark.parametrize(
    ("name", "zone", "expected"),
    [
        ("orders.example.com", "example.com.", True),
        ("example.com", "example.com", True),
        ("orders.badexample.com", "example.com", False),
        ("orders.example.com.evil.net", "example.com", False),
        ("orders.example.com", "Example.COM.", True),
    ],
)
def test_given_name_and_zone_when_checked_then_label_boundary_decides(
    name: str, zone: str, expected: bool
) -> None:
    assert in_zone(name, zone) is expected


def test_given_zone_apex_when_checked_then_apex_detected() -> None:
    assert is_apex("example.com", "example.com.")
    assert not is_apex("www.example.com", "example.com.")
