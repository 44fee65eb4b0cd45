"""Storage and messaging: S3 buckets and bucket policies, DynamoDB tables, SNS topics,
subscriptions and topic policies, SQS queues."""

from __future__ import annotations

from typing import Any

from embedded_aws.deployer.context import Created, DeployContext, creator, logger
from embedded_aws.deployer.helpers import json_text, pick, tag_list


# -- storage and messaging -------------------------------------------------------------
@creator("AWS::S3::Bucket")
def _bucket(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    s3 = ctx.client("s3")
    name = props.get("BucketName") or ctx.name(logical_id, 63, lower=True)
    request: dict[str, Any] = {"Bucket": name}
    if ctx.region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
    s3.create_bucket(**request)
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(
            Bucket=name,
            VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]},
        )
    encryption = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration")
    if encryption:
        rules = [  # CloudFormation drops the API's "Apply" prefix
            {
                "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                **pick(rule, "BucketKeyEnabled"),
            }
            for rule in encryption
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if (props.get("NotificationConfiguration") or {}).get("EventBridgeConfiguration") is not None:
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
    if props.get("OwnershipControls"):
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    if props.get("LifecycleConfiguration"):
        logger.info("%s: lifecycle rules not applied locally (nothing expires here)", logical_id)
    if props.get("Tags"):
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(props)})
    return Created(
        "AWS::S3::Bucket",
        name,
        {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
        },
    )


@creator("AWS::S3::BucketPolicy")
def _bucket_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    # Stored whole: compat/iam.py evaluates it, conditions included (moto's own check,
    # which ignores conditions, is switched off there).
    policy = json_text(props["PolicyDocument"])
    ctx.client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=policy)
    return Created("AWS::S3::BucketPolicy", ctx.name(logical_id))


@creator("AWS::DynamoDB::Table")
def _table(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    dynamodb = ctx.client("dynamodb")
    name = props.get("TableName") or ctx.name(logical_id, 255)
    request: dict[str, Any] = {
        "TableName": name,
        **pick(
            props,
            "AttributeDefinitions",
            "KeySchema",
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "ProvisionedThroughput",
        ),
        "BillingMode": props.get(
            "BillingMode", "PROVISIONED" if "ProvisionedThroughput" in props else "PAY_PER_REQUEST"
        ),
    }
    if "StreamSpecification" in props:
        request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    if "SSESpecification" in props:
        request["SSESpecification"] = {"Enabled": bool(props["SSESpecification"].get("SSEEnabled"))}
    if props.get("Tags"):
        request["Tags"] = tag_list(props)
    table = dynamodb.create_table(**request)["TableDescription"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "Enabled": bool(ttl.get("Enabled")),
                "AttributeName": ttl["AttributeName"],
            },
        )
    attributes = {"Arn": table["TableArn"]}
    if "LatestStreamArn" in table:
        attributes["StreamArn"] = table["LatestStreamArn"]
    return Created("AWS::DynamoDB::Table", name, attributes)


@creator("AWS::SNS::Topic")
def _topic(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    sns = ctx.client("sns")
    name = props.get("TopicName") or ctx.name(logical_id, 256)
    attributes = {k: str(v) for k, v in pick(props, "DisplayName", "KmsMasterKeyId").items()}
    if props.get("FifoTopic"):
        attributes["FifoTopic"] = "true"
    arn = sns.create_topic(Name=name, Attributes=attributes, Tags=tag_list(props))["TopicArn"]
    for subscription in props.get("Subscription") or []:
        sns.subscribe(
            TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"]
        )
    return Created("AWS::SNS::Topic", arn, {"TopicArn": arn, "TopicName": name})


@creator("AWS::SNS::Subscription")
def _subscription(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    arn = ctx.client("sns").subscribe(
        TopicArn=props["TopicArn"],
        Protocol=props["Protocol"],
        Endpoint=props.get("Endpoint", ""),
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return Created("AWS::SNS::Subscription", arn, {"Arn": arn})


@creator("AWS::SNS::TopicPolicy")
def _topic_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    for topic in props.get("Topics") or []:
        ctx.client("sns").set_topic_attributes(
            TopicArn=topic,
            AttributeName="Policy",
            AttributeValue=json_text(props["PolicyDocument"]),
        )
    return Created("AWS::SNS::TopicPolicy", ctx.name(logical_id))


@creator("AWS::SQS::QueuePolicy")
def _queue_policy(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    for url in props.get("Queues") or []:
        ctx.client("sqs").set_queue_attributes(
            QueueUrl=url, Attributes={"Policy": json_text(props["PolicyDocument"])}
        )
    return Created("AWS::SQS::QueuePolicy", ctx.name(logical_id))


@creator("AWS::SQS::Queue")
def _queue(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    sqs = ctx.client("sqs")
    name = props.get("QueueName") or ctx.name(logical_id, 80)
    attributes = {
        key: json_text(value) if isinstance(value, dict) else str(value)
        for key, value in props.items()
        if key not in ("QueueName", "Tags")
    }
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return Created("AWS::SQS::Queue", url, {"Arn": arn, "QueueName": name, "QueueUrl": url})


# -- Secrets Manager -------------------------------------------------------------------
@creator("AWS::SecretsManager::Secret")
def _secret(ctx: DeployContext, logical_id: str, props: dict[str, Any]) -> Created:
    """SecretString, or GenerateSecretString's PasswordLength/ExcludePunctuation generated
    by Secrets Manager itself (GetRandomPassword) as CloudFormation does. Ref = the ARN."""
    secrets = ctx.client("secretsmanager")
    name = props.get("Name") or ctx.name(logical_id, 512)
    value = props.get("SecretString")
    generate = props.get("GenerateSecretString")
    if value is None and generate is not None:
        value = secrets.get_random_password(
            **pick(generate, "PasswordLength", "ExcludePunctuation", "ExcludeCharacters")
        )["RandomPassword"]
    request: dict[str, Any] = {"Name": name, "SecretString": value or ""}
    request.update(pick(props, "Description"))
    arn = secrets.create_secret(**request)["ARN"]
    return Created("AWS::SecretsManager::Secret", arn, {"Id": arn})
