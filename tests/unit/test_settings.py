"""Settings: the contract's env vars, parsed once, with errors that name the variable."""

from __future__ import annotations

import pytest

from lattice_ingress.models.errors import SettingsError
from lattice_ingress.settings import Settings

FULL_ENV = {
    "SERVICE_NETWORK_ID": "sn-0123456789abcdef0",
    "CONSUMER_ZONE_ID": "ZCONSUMER",
    "PROXY_ZONE_ID": "ZPROXY",
    "CONSUMER_TARGET_DNS": "nlb.example.com",
    "CONSUMER_TARGET_ZONE_ID": "",
    "RECORD_TYPE": "alias",
    "SERVICE_NETWORK_ENDPOINT_ID": "",
    "CONFIG_BUCKET": "bucket",
    "CONFIG_KEY": "nginx/nginx.conf",
    "CATALOG_PREFIX": "catalog/",
    "LEASE_TABLE": "lease",
    "LEASE_TTL_SECONDS": "600",
    "OWNER_ID": "stack",
    "VPC_CIDRS": "10.0.0.0/16, 10.1.0.0/16",
    "ALLOWED_CLIENT_CIDRS": "0.0.0.0/0",
    "TLS_PORTS": "443,8443",
    "HTTP_PORT": "",
    "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t",
}


def test_given_full_environment_when_parsed_then_typed_values() -> None:
    settings = Settings.from_env(FULL_ENV)

    assert settings.record_type == "ALIAS"
    assert settings.vpc_cidrs == ["10.0.0.0/16", "10.1.0.0/16"]
    assert settings.tls_ports == [443, 8443]
    assert settings.http_port is None
    assert settings.consumer_target_zone_id is None
    assert settings.service_network_endpoint_id is None
    assert settings.lease_ttl_seconds == 600
    assert settings.zone_id("proxy") == "ZPROXY"


def test_given_bad_record_type_when_parsed_then_settings_error() -> None:
    with pytest.raises(SettingsError, match="RECORD_TYPE"):
        Settings.from_env({**FULL_ENV, "RECORD_TYPE": "MX"})


def test_given_missing_variable_when_required_then_error_names_it() -> None:
    settings = Settings.from_env({})

    with pytest.raises(SettingsError, match="LEASE_TABLE"):
        settings.require("lease_table")


def test_given_settings_when_render_options_then_proxy_options_accept_them() -> None:
    from lattice_ingress.logic.nginx_config import ProxyOptions

    options = ProxyOptions(**Settings.from_env(FULL_ENV).render_options())

    assert options.http_port is None
    assert [str(c) for c in options.vpc_cidrs] == ["10.0.0.0/16", "10.1.0.0/16"]


def test_given_execution_environment_when_get_settings_twice_then_parsed_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each function runs in a process of its own whose variables never change, as in
    # Lambda: the settings are parsed once per process (cache_clear for tests only).
    from lattice_ingress.settings import get_settings

    get_settings.cache_clear()
    monkeypatch.setenv("OWNER_ID", "stack-one")
    first = get_settings()
    monkeypatch.setenv("OWNER_ID", "stack-two")

    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().owner_id == "stack-two"
    get_settings.cache_clear()


def test_given_nlb_ip_address_type_when_parsed_then_dualstack_flag_follows_it() -> None:
    assert Settings.from_env({}).nlb_dualstack is False
    assert Settings.from_env({"NLB_IP_ADDRESS_TYPE": "dualstack"}).nlb_dualstack is True
    assert Settings.from_env({"NLB_IP_ADDRESS_TYPE": "ipv4"}).nlb_dualstack is False
    with pytest.raises(SettingsError, match="NLB_IP_ADDRESS_TYPE"):
        Settings.from_env({"NLB_IP_ADDRESS_TYPE": "ipv6"})
