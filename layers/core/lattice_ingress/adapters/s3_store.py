"""S3: the catalog and large DNS plans (by reference), and the versioned NGINX config."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lattice_ingress.logic.render import HASH_METADATA_KEY, RenderedConfig
from lattice_ingress.models.catalog import Catalog, S3ObjectRef
from lattice_ingress.models.errors import (
    CatalogStoreError,
    ConfigStoreError,
    LatticeIngressError,
)

_UNSAFE_KEY_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


def object_key(prefix: str, name: str, suffix: str = ".json") -> str:
    """Execution ids are ARNs (with ':'): keep keys to characters every tool accepts."""
    base = _UNSAFE_KEY_CHARS.sub("-", name.rsplit(":", 1)[-1]).strip("-") or "run"
    return f"{prefix.rstrip('/')}/{base}{suffix}" if prefix else f"{base}{suffix}"


def put_json(s3: Any, ref: S3ObjectRef, body: Any) -> None:
    try:
        s3.put_object(
            Bucket=ref.bucket,
            Key=ref.key,
            Body=json.dumps(body, separators=(",", ":")).encode(),
            ContentType="application/json",
        )
    except (ClientError, BotoCoreError) as exc:
        raise CatalogStoreError(f"cannot write s3://{ref.bucket}/{ref.key}: {exc}") from exc


def put_catalog(s3: Any, ref: S3ObjectRef, catalog: Catalog) -> bool:
    """Store the catalog unless an object already holds it. Catalog keys are content
    addressed (the catalog hash), so an unchanged desired state is never written again:
    a reconcile that finds nothing to do makes no catalog write. True when written."""
    if object_exists(s3, ref):
        return False
    put_json(s3, ref, catalog.model_dump(mode="json", by_alias=True))
    return True


def object_exists(s3: Any, ref: S3ObjectRef) -> bool:
    return _head(s3, ref.bucket, ref.key, CatalogStoreError) is not None


def _head(
    s3: Any, bucket: str, key: str, error: type[LatticeIngressError]
) -> dict[str, Any] | None:
    """HeadObject's answer, or None when there is no such object."""
    try:
        head: dict[str, Any] = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _NOT_FOUND:
            return None
        raise error(f"cannot read s3://{bucket}/{key}: {exc}") from exc
    except BotoCoreError as exc:
        raise error(f"cannot read s3://{bucket}/{key}: {exc}") from exc
    return head


def get_catalog(s3: Any, ref: S3ObjectRef) -> Catalog:
    try:
        body = s3.get_object(Bucket=ref.bucket, Key=ref.key)["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise CatalogStoreError(f"cannot read s3://{ref.bucket}/{ref.key}: {exc}") from exc
    return Catalog.model_validate_json(body)


@dataclass(frozen=True)
class CurrentConfig:
    sha256: str | None
    version_id: str | None


@dataclass(frozen=True)
class ConfigStore:
    """The one config object the proxies load; the bucket is versioned, so every upload is
    a restorable version."""

    s3: Any
    bucket: str
    key: str

    def current(self) -> CurrentConfig | None:
        """Hash and version of the current object (HeadObject), None if there is none."""
        head = _head(self.s3, self.bucket, self.key, ConfigStoreError)
        if head is None:
            return None
        return CurrentConfig(
            sha256=head.get("Metadata", {}).get(HASH_METADATA_KEY),
            version_id=_version(head.get("VersionId")),
        )

    def publish(self, config: RenderedConfig) -> str | None:
        """Upload a new version; returns its version id."""
        try:
            response = self.s3.put_object(
                Bucket=self.bucket,
                Key=self.key,
                Body=config.text.encode(),
                ContentType="text/plain; charset=utf-8",
                Metadata=config.metadata,
            )
        except (ClientError, BotoCoreError) as exc:
            raise ConfigStoreError(f"cannot upload {self._url}: {exc}") from exc
        return _version(response.get("VersionId"))

    def restore(self, version_id: str) -> str | None:
        """Copy `version_id` back on top (a new version with the old content and metadata),
        so the proxies' next load gets the last good config; returns the new version id."""
        try:
            response = self.s3.copy_object(
                Bucket=self.bucket,
                Key=self.key,
                CopySource={"Bucket": self.bucket, "Key": self.key, "VersionId": version_id},
                MetadataDirective="COPY",
            )
        except (ClientError, BotoCoreError) as exc:
            raise ConfigStoreError(
                f"cannot restore version {version_id} of {self._url}: {exc}"
            ) from exc
        return _version(response.get("VersionId"))

    @property
    def _url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def _version(value: str | None) -> str | None:
    # Unversioned buckets report the version "null".
    return None if value in (None, "", "null") else value
