"""S3 adapters: catalog by reference, versioned config with hash metadata, restore."""

from __future__ import annotations

import pytest

from lattice_ingress.adapters.s3_store import (
    ConfigStore,
    get_catalog,
    object_key,
    put_catalog,
)
from lattice_ingress.logic.render import RenderedConfig
from lattice_ingress.models.catalog import Catalog, PublishedService, S3ObjectRef
from lattice_ingress.models.errors import CatalogStoreError, ConfigStoreError

from .conftest import Account


def config(text: str) -> RenderedConfig:
    return RenderedConfig(text=text, sha256=f"hash-of-{text}", service_count=1)


def test_given_execution_arn_when_keyed_then_safe_key_under_prefix() -> None:
    arn = "arn:aws:states:us-east-1:123456789012:execution:reconcile:run/1 x"

    assert object_key("catalog/", arn) == "catalog/run-1-x.json"
    assert object_key("", "abc") == "abc.json"


def test_given_catalog_when_stored_and_read_then_equal(account: Account) -> None:
    catalog = Catalog(
        service_network="sn-1",
        services=(PublishedService(service_id="svc-1", domain="a.example.com", upstream="u"),),
    )
    ref = S3ObjectRef(bucket=account.bucket, key="catalog/run.json")

    put_catalog(account.s3, ref, catalog)

    assert get_catalog(account.s3, ref) == catalog


def test_given_missing_catalog_when_read_then_catalog_store_error(account: Account) -> None:
    with pytest.raises(CatalogStoreError, match=r"catalog/none\.json"):
        get_catalog(account.s3, S3ObjectRef(bucket=account.bucket, key="catalog/none.json"))


def test_given_no_config_when_current_then_none(account: Account) -> None:
    assert ConfigStore(account.s3, account.bucket, "nginx/nginx.conf").current() is None


def test_given_published_config_when_current_then_hash_and_version(account: Account) -> None:
    store = ConfigStore(account.s3, account.bucket, "nginx/nginx.conf")

    version = store.publish(config("one"))
    current = store.current()

    assert current is not None
    assert (current.sha256, current.version_id) == ("hash-of-one", version)
    head = account.s3.head_object(Bucket=account.bucket, Key="nginx/nginx.conf")
    assert head["Metadata"]["service-count"] == "1"


def test_given_two_versions_when_restoring_first_then_its_content_is_current(
    account: Account,
) -> None:
    store = ConfigStore(account.s3, account.bucket, "nginx/nginx.conf")
    first = store.publish(config("one"))
    second = store.publish(config("two"))
    assert first and second and first != second

    restored = store.restore(first)

    body = account.s3.get_object(Bucket=account.bucket, Key="nginx/nginx.conf")["Body"].read()
    assert body == b"one"
    assert restored not in (None, first, second)
    current = store.current()
    assert current is not None and current.sha256 == "hash-of-one"


def test_given_unknown_version_when_restoring_then_config_store_error(account: Account) -> None:
    store = ConfigStore(account.s3, account.bucket, "nginx/nginx.conf")
    store.publish(config("one"))

    with pytest.raises(ConfigStoreError):
        store.restore("no-such-version")


def test_given_missing_bucket_when_publishing_then_config_store_error(account: Account) -> None:
    with pytest.raises(ConfigStoreError, match="s3://nope/"):
        ConfigStore(account.s3, "nope", "k").publish(config("x"))
