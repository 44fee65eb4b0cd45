"""A custom resource handler speaking CloudFormation's protocol with nothing but the
standard library: it records each request in a bucket, then PUTs its answer to the
pre-signed ResponseURL. Properties steer it: Fail=yes answers FAILED, Silent=yes never
answers, Generation is echoed as Data and, on Update, a new value of Replace gives a new
physical id (a replacement)."""

import json
import os
import urllib.request

import boto3


def lambda_handler(event, context):
    props = event["ResourceProperties"]
    boto3.client("s3").put_object(
        Bucket=os.environ["LOG_BUCKET"],
        Key=f"requests/{event['RequestId']}.json",
        Body=json.dumps(event).encode(),
    )
    if props.get("Silent") == "yes":
        return {}
    physical = event.get("PhysicalResourceId") or f"thing-{props['Replace']}"
    if event["RequestType"] == "Update":
        old = event["OldResourceProperties"]
        if old.get("Replace") != props.get("Replace"):
            physical = f"thing-{props['Replace']}"
    failed = props.get("Fail") == "yes" and event["RequestType"] != "Delete"
    body = json.dumps(
        {
            "Status": "FAILED" if failed else "SUCCESS",
            "Reason": "asked to fail" if failed else "",
            "PhysicalResourceId": physical,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": {"Generation": props.get("Generation", "")},
        }
    ).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=10):
        pass
    return {}
