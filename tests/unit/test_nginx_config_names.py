"""The renderer's last check on names and paths: a trailing newline must not slip through
(`re.match` with `$` accepts one, which would reach nginx.conf)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lattice_ingress.logic.nginx_config import ProxyOptions, UnsafeNameError, validate_host_name

from .test_names import HOSTILE_NAMES


@pytest.mark.parametrize(
    "name",
    [*HOSTILE_NAMES.values(), "orders.example.com\n"],
    ids=[*HOSTILE_NAMES, "trailing newline"],
)
def test_given_hostile_name_when_validated_then_unsafe_name_error(name: str) -> None:
    with pytest.raises(UnsafeNameError):
        validate_host_name(name)


def test_given_path_with_trailing_newline_when_options_built_then_rejected() -> None:
    with pytest.raises(ValidationError, match="unsafe path"):
        ProxyOptions(vpc_cidrs=["10.0.0.0/16"], allowed_client_cidrs=[], pid_path="/run/x.pid\n")
