"""Control-plane configuration: environment variables (set by template.yaml) parsed once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lattice_ingress.models.errors import SettingsError


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _empty_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class Settings(BaseModel):
    """Field aliases are the env var names of docs/contracts.md. Every field has a safe
    default except the resources a function cannot guess; a handler that needs a missing
    one fails with SettingsError naming it."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    service_network_id: str = Field(default="", alias="SERVICE_NETWORK_ID")
    consumer_zone_id: str = Field(default="", alias="CONSUMER_ZONE_ID")
    proxy_zone_id: str = Field(default="", alias="PROXY_ZONE_ID")
    # The zones' domains as the IAM conditions name them; empty = not checked.
    consumer_zone_name: str = Field(default="", alias="CONSUMER_ZONE_NAME")
    proxy_zone_name: str = Field(default="", alias="PROXY_ZONE_NAME")
    consumer_target_dns: str = Field(default="", alias="CONSUMER_TARGET_DNS")
    consumer_target_zone_id: str | None = Field(default=None, alias="CONSUMER_TARGET_ZONE_ID")
    record_type: str = Field(default="CNAME", alias="RECORD_TYPE")
    # `dualstack`: the NLBs have IPv6 addresses, so consumer ALIAS records get an AAAA too.
    nlb_ip_address_type: str = Field(default="ipv4", alias="NLB_IP_ADDRESS_TYPE")
    service_network_endpoint_id: str | None = Field(
        default=None, alias="SERVICE_NETWORK_ENDPOINT_ID"
    )
    config_bucket: str = Field(default="", alias="CONFIG_BUCKET")
    config_key: str = Field(default="nginx/nginx.conf", alias="CONFIG_KEY")
    catalog_prefix: str = Field(default="catalog/", alias="CATALOG_PREFIX")
    lease_table: str = Field(default="", alias="LEASE_TABLE")
    lease_ttl_seconds: int = Field(default=900, ge=30, alias="LEASE_TTL_SECONDS")
    # account:Region:stack UUID (template.yaml), unique to the stack; LEGACY_OWNER_ID is the
    # stack name, the owner id of markers written before ownership was signed.
    owner_id: str = Field(default="lattice-ingress", alias="OWNER_ID")
    legacy_owner_id: str | None = Field(default=None, alias="LEGACY_OWNER_ID")
    ownership_secret_arn: str = Field(default="", alias="OWNERSHIP_SECRET_ARN")
    vpc_cidrs: list[str] = Field(default_factory=lambda: ["10.0.0.0/16"], alias="VPC_CIDRS")
    allowed_client_cidrs: list[str] = Field(default_factory=list, alias="ALLOWED_CLIENT_CIDRS")
    tls_ports: list[int] = Field(default_factory=lambda: [443], alias="TLS_PORTS")
    http_port: int | None = Field(default=80, alias="HTTP_PORT")
    resolver: str | None = Field(default=None, alias="RESOLVER")
    listen_address: str | None = Field(default=None, alias="LISTEN_ADDRESS")
    rollout_mode: str = Field(default="redeploy", alias="ROLLOUT_MODE")
    notification_topic_arn: str | None = Field(default=None, alias="NOTIFICATION_TOPIC_ARN")
    # Above this many entries a DNS plan goes to S3 and only a summary is returned inline.
    plan_inline_limit: int = Field(default=100, ge=0, alias="PLAN_INLINE_LIMIT")

    _lists = field_validator("vpc_cidrs", "allowed_client_cidrs", "tls_ports", mode="before")(
        _split
    )
    _optional = field_validator(
        "consumer_target_zone_id",
        "service_network_endpoint_id",
        "http_port",
        "resolver",
        "listen_address",
        "notification_topic_arn",
        "legacy_owner_id",
        mode="before",
    )(_empty_to_none)

    @field_validator("record_type", mode="before")
    @classmethod
    def _record_type(cls, value: Any) -> Any:
        upper = value.strip().upper() if isinstance(value, str) else value
        if upper not in ("CNAME", "ALIAS"):
            raise ValueError("must be CNAME or ALIAS")
        return upper

    @field_validator("nlb_ip_address_type", mode="before")
    @classmethod
    def _ip_address_type(cls, value: Any) -> Any:
        lower = value.strip().lower() if isinstance(value, str) else value
        if lower in ("", None):
            return "ipv4"
        if lower not in ("ipv4", "dualstack"):
            raise ValueError("must be ipv4 or dualstack")
        return lower

    @property
    def nlb_dualstack(self) -> bool:
        return self.nlb_ip_address_type == "dualstack"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        try:
            return cls.model_validate(dict(env))
        except ValidationError as exc:
            raise SettingsError(f"invalid control-plane environment: {exc}") from exc

    def require(self, *fields: str) -> None:
        """Fail early, naming the env var, instead of an obscure AWS validation error."""
        missing = [
            type(self).model_fields[name].alias or name
            for name in fields
            if not getattr(self, name)
        ]
        if missing:
            raise SettingsError(f"missing environment variables: {', '.join(missing)}")

    def zone_ids(self) -> tuple[str, str]:
        return (self.consumer_zone_id, self.proxy_zone_id)

    def zone_name(self, zone: str) -> str:
        """`consumer` or `proxy` -> that zone's domain as the stack's parameters name it."""
        return self.consumer_zone_name if zone == "consumer" else self.proxy_zone_name

    def zone_id(self, zone: str) -> str:
        """`consumer` or `proxy` -> that zone's hosted zone id."""
        return self.consumer_zone_id if zone == "consumer" else self.proxy_zone_id

    def render_options(self) -> dict[str, Any]:
        """Keyword arguments for ProxyOptions (logic/nginx_config.py); unset ones are left
        to ProxyOptions' own defaults."""
        options: dict[str, Any] = {
            "vpc_cidrs": self.vpc_cidrs,
            "allowed_client_cidrs": self.allowed_client_cidrs,
            "tls_ports": self.tls_ports,
            "http_port": self.http_port,
        }
        if self.resolver:
            options["resolver"] = self.resolver
        if self.listen_address:
            options["listen_address"] = self.listen_address
        return options


@cache
def get_settings() -> Settings:
    """Parsed once per Lambda execution environment (its variables never change there).
    Tests that change the environment call `get_settings.cache_clear()`."""
    return Settings.from_env()
