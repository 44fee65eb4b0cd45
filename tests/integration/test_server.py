"""The embedded server answers plain boto3 on 127.0.0.1."""

from __future__ import annotations


def test_given_running_server_when_boto3_creates_bucket_then_it_is_listed(embedded):
    s3 = embedded.client("s3")

    s3.create_bucket(Bucket="smoke-bucket")

    assert "smoke-bucket" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert embedded.endpoint.startswith("http://127.0.0.1:")
