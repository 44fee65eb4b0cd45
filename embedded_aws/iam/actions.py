"""THE table: which IAM action (and on which resource) each API operation needs.

One row per (boto3 service name, API operation name). A call made with a role's credentials
to an operation missing here is DENIED, naming this file: strict, so that a new AWS call
cannot slip past IAM locally. To let code make a new call, add its row here AND grant the
action in template.yaml.

Resource templates use `{partition}`, `{region}`, `{account}` and request parameters by
their API member name (`{Bucket}`, `{Key}`, `{TableName}`...), normalised by `PARAMS` below
(a Lambda FunctionName may be a name or an ARN; an ECS cluster defaults to "default"). A
parameter holding a list (ECS DescribeServices `services`) is authorised once per item.
`"*"` marks actions that support no resource-level permission: only `Resource: "*"` grants
those. `when`/`unless` make a row depend on a parameter's presence (S3 versioned reads).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Need:
    action: str
    resource: str = "*"
    when: str | None = None  # only if this parameter is present
    unless: str | None = None  # only if this parameter is absent


S3_OBJECT = "arn:{partition}:s3:::{Bucket}/{Key}"
S3_BUCKET = "arn:{partition}:s3:::{Bucket}"
ZONE = "arn:{partition}:route53:::hostedzone/{HostedZoneId}"
TABLE = "arn:{partition}:dynamodb:{region}:{account}:table/{TableName}"
ECS_SERVICE = "arn:{partition}:ecs:{region}:{account}:service/{cluster}/{service}"
FUNCTION = "arn:{partition}:lambda:{region}:{account}:function:{FunctionName}"
PREFIX_LIST = "arn:{partition}:ec2:{region}:{account}:prefix-list/{PrefixListId}"

ACTIONS: dict[tuple[str, str], tuple[Need, ...]] = {
    # ---- S3 (HeadObject is authorised as GetObject; a versionId needs ...Version) -----
    ("s3", "GetObject"): (
        Need("s3:GetObject", S3_OBJECT, unless="VersionId"),
        Need("s3:GetObjectVersion", S3_OBJECT, when="VersionId"),
    ),
    ("s3", "HeadObject"): (
        Need("s3:GetObject", S3_OBJECT, unless="VersionId"),
        Need("s3:GetObjectVersion", S3_OBJECT, when="VersionId"),
    ),
    ("s3", "PutObject"): (Need("s3:PutObject", S3_OBJECT),),
    ("s3", "CopyObject"): (
        Need("s3:PutObject", S3_OBJECT),
        Need(
            "s3:GetObject",
            "arn:{partition}:s3:::{CopySourceBucket}/{CopySourceKey}",
            unless="CopySourceVersionId",
        ),
        Need(
            "s3:GetObjectVersion",
            "arn:{partition}:s3:::{CopySourceBucket}/{CopySourceKey}",
            when="CopySourceVersionId",
        ),
    ),
    ("s3", "DeleteObject"): (
        Need("s3:DeleteObject", S3_OBJECT, unless="VersionId"),
        Need("s3:DeleteObjectVersion", S3_OBJECT, when="VersionId"),
    ),
    ("s3", "ListObjects"): (Need("s3:ListBucket", S3_BUCKET),),
    ("s3", "ListObjectsV2"): (Need("s3:ListBucket", S3_BUCKET),),
    ("s3", "ListObjectVersions"): (Need("s3:ListBucketVersions", S3_BUCKET),),
    ("s3", "ListBuckets"): (Need("s3:ListAllMyBuckets"),),
    # ---- Route 53 ------------------------------------------------------------------------
    ("route53", "GetHostedZone"): (
        Need("route53:GetHostedZone", "arn:{partition}:route53:::hostedzone/{Id}"),
    ),
    ("route53", "ListResourceRecordSets"): (Need("route53:ListResourceRecordSets", ZONE),),
    ("route53", "ChangeResourceRecordSets"): (Need("route53:ChangeResourceRecordSets", ZONE),),
    ("route53", "GetChange"): (Need("route53:GetChange", "arn:{partition}:route53:::change/{Id}"),),
    ("route53", "ListHostedZones"): (Need("route53:ListHostedZones"),),
    # ---- VPC Lattice and EC2 (listings support no resource-level permission) ----------
    ("vpc-lattice", "ListServiceNetworkServiceAssociations"): (
        Need("vpc-lattice:ListServiceNetworkServiceAssociations"),
    ),
    ("vpc-lattice", "ListServices"): (Need("vpc-lattice:ListServices"),),
    ("ec2", "DescribeVpcEndpointAssociations"): (Need("ec2:DescribeVpcEndpointAssociations"),),
    # Managed prefix lists (the client CIDRs custom resource); Describe* is account-wide.
    ("ec2", "DescribeManagedPrefixLists"): (Need("ec2:DescribeManagedPrefixLists"),),
    ("ec2", "GetManagedPrefixListEntries"): (Need("ec2:GetManagedPrefixListEntries", PREFIX_LIST),),
    ("ec2", "ModifyManagedPrefixList"): (Need("ec2:ModifyManagedPrefixList", PREFIX_LIST),),
    # ---- DynamoDB ------------------------------------------------------------------------
    ("dynamodb", "GetItem"): (Need("dynamodb:GetItem", TABLE),),
    ("dynamodb", "PutItem"): (Need("dynamodb:PutItem", TABLE),),
    ("dynamodb", "UpdateItem"): (Need("dynamodb:UpdateItem", TABLE),),
    ("dynamodb", "DeleteItem"): (Need("dynamodb:DeleteItem", TABLE),),
    # ---- ECS ----------------------------------------------------------------------------
    ("ecs", "DescribeServices"): (
        Need("ecs:DescribeServices", ECS_SERVICE.replace("{service}", "{services}")),
    ),
    ("ecs", "UpdateService"): (Need("ecs:UpdateService", ECS_SERVICE),),
    # ListTasks names no task: policies scope it with the ecs:cluster condition key.
    ("ecs", "ListTasks"): (Need("ecs:ListTasks"),),
    ("ecs", "DescribeTasks"): (
        Need("ecs:DescribeTasks", "arn:{partition}:ecs:{region}:{account}:task/{cluster}/{tasks}"),
    ),
    # ---- Lambda, SNS, Step Functions, STS ----------------------------------------------
    ("lambda", "Invoke"): (Need("lambda:InvokeFunction", FUNCTION),),
    ("sns", "Publish"): (Need("sns:Publish", "{TopicArn}"),),
    ("stepfunctions", "StartExecution"): (Need("states:StartExecution", "{stateMachineArn}"),),
    ("stepfunctions", "ListExecutions"): (Need("states:ListExecutions", "{stateMachineArn}"),),
    ("stepfunctions", "DescribeExecution"): (Need("states:DescribeExecution", "{executionArn}"),),
    ("stepfunctions", "StopExecution"): (Need("states:StopExecution", "{executionArn}"),),
    ("sqs", "SendMessage"): (
        Need("sqs:SendMessage", "arn:{partition}:sqs:{region}:{account}:{QueueUrl}"),
    ),
    # SecretId as the caller passes it: the control plane passes the secret's full ARN.
    ("secretsmanager", "GetSecretValue"): (Need("secretsmanager:GetSecretValue", "{SecretId}"),),
    ("sts", "GetCallerIdentity"): (),  # needs no permission
}


# boto3 service name -> IAM action prefix, where they differ.
_IAM_PREFIXES = {"stepfunctions": "states", "elbv2": "elasticloadbalancing", "events": "events"}


def iam_prefix(service: str) -> str:
    return _IAM_PREFIXES.get(service, service)


def _function_name(value: str) -> str:
    # name, name:qualifier, or arn:aws:lambda:region:account:function:name[:qualifier]
    if value.startswith("arn:"):
        return value.split(":")[6]
    return value.split(":")[0]


def _last_segment(value: str) -> str:
    # ECS accepts a name or an ARN (.../cluster/name or .../name).
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def _last_path_segment(value: str) -> str:
    # /hostedzone/Z123 -> Z123; http://host/123456789012/queue -> queue
    return value.rsplit("/", 1)[-1]


# (service, parameter) -> normaliser; defaults for parameters AWS defaults.
PARAMS = {
    ("lambda", "FunctionName"): _function_name,
    ("ecs", "cluster"): _last_segment,
    ("ecs", "service"): _last_segment,
    ("ecs", "services"): _last_segment,
    ("ecs", "tasks"): _last_segment,
    ("route53", "Id"): _last_path_segment,
    ("route53", "HostedZoneId"): _last_path_segment,
    ("sqs", "QueueUrl"): _last_path_segment,
}
DEFAULTS = {("ecs", "cluster"): "default"}
