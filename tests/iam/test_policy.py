"""The IAM evaluator alone: each rule of AWS's evaluation logic the embedded AWS relies on,
each case failing against a lenient evaluator (allow-all, ignore conditions or Deny)."""

from __future__ import annotations

import pytest

from embedded_aws.iam.policy import AuthRequest, Decision, evaluate, wildcard

ROLE = "arn:aws:sts::123456789012:assumed-role/Fn-Role/fn"
BUCKET = "arn:aws:s3:::config"


def _allow(action, resource, **extra):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}],
    }


def _ask(policies, action, resource, context=None, resource_policy=None, **kw):
    return evaluate(
        policies, AuthRequest(ROLE, action, resource, context or {}), resource_policy, **kw
    )


def test_given_no_statement_for_the_action_then_implicitly_denied():
    assert _ask(
        [_allow("s3:PutObject", f"{BUCKET}/*")], "s3:GetObject", f"{BUCKET}/k"
    ).decision is (Decision.IMPLICIT_DENY)


@pytest.mark.parametrize(
    ("pattern", "action", "allowed"),
    [
        ("s3:Get*", "s3:GetObject", True),
        ("S3:getobject", "s3:GetObject", True),
        ("s3:Get?bject", "s3:GetObject", True),
        ("s3:Get*", "s3:PutObject", False),
    ],
)
def test_given_action_wildcards_then_matched_case_insensitively(pattern, action, allowed):
    assert _ask([_allow(pattern, "*")], action, f"{BUCKET}/k").allowed is allowed


def test_given_not_action_then_everything_else_is_allowed():
    policy = {"Statement": [{"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "*"}]}
    assert _ask([policy], "s3:GetObject", f"{BUCKET}/k").allowed
    assert not _ask([policy], "s3:DeleteObject", f"{BUCKET}/k").allowed


def test_given_resource_wildcard_then_only_matching_arns_are_allowed():
    policies = [_allow("s3:GetObject", f"{BUCKET}/catalog/*")]
    assert _ask(policies, "s3:GetObject", f"{BUCKET}/catalog/a.json").allowed
    assert not _ask(policies, "s3:GetObject", f"{BUCKET}/nginx/nginx.conf").allowed
    # Resource ARNs are case-sensitive.
    assert not _ask(policies, "s3:GetObject", f"{BUCKET}/CATALOG/a.json").allowed


def test_given_action_without_resource_level_permission_then_only_star_grants_it():
    named = [_allow("vpc-lattice:ListServiceNetworkServiceAssociations", "arn:aws:vpc-lattice:*")]
    star = [_allow("vpc-lattice:ListServiceNetworkServiceAssociations", "*")]
    action = "vpc-lattice:ListServiceNetworkServiceAssociations"
    assert not _ask(named, action, "*").allowed
    assert _ask(star, action, "*").allowed


def test_given_explicit_deny_then_it_wins_over_any_allow():
    deny = {"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    result = _ask([_allow("s3:GetObject", "*"), deny], "s3:GetObject", f"{BUCKET}/k")
    assert result.decision is Decision.IDENTITY_DENY


def test_given_tls_only_bucket_policy_then_plain_http_is_denied_even_to_root():
    tls_only = {
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [BUCKET, f"{BUCKET}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    }
    request = AuthRequest(ROLE, "s3:GetObject", f"{BUCKET}/k", {"aws:SecureTransport": ["false"]})
    assert evaluate([_allow("s3:*", "*")], request, tls_only).decision is Decision.RESOURCE_DENY
    assert (
        evaluate([], request, tls_only, identity_applies=False).decision is Decision.RESOURCE_DENY
    )
    secure = AuthRequest(ROLE, "s3:GetObject", f"{BUCKET}/k", {"aws:SecureTransport": ["true"]})
    assert evaluate([_allow("s3:*", "*")], secure, tls_only).allowed


def test_given_bucket_policy_naming_the_role_then_its_sessions_are_allowed():
    grant = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:role/Fn-Role"},
                "Action": "s3:GetObject",
                "Resource": f"{BUCKET}/*",
            }
        ]
    }
    assert _ask([], "s3:GetObject", f"{BUCKET}/k", resource_policy=grant).allowed
    other = {
        "Statement": [
            {**grant["Statement"][0], "Principal": {"AWS": "arn:aws:iam::123456789012:role/Other"}}
        ]
    }
    assert not _ask([], "s3:GetObject", f"{BUCKET}/k", resource_policy=other).allowed


def test_given_condition_key_absent_then_a_positive_condition_does_not_match():
    policies = [
        _allow(
            "s3:ListBucket", BUCKET, Condition={"StringEquals": {"s3:prefix": "nginx/nginx.conf"}}
        )
    ]
    assert not _ask(policies, "s3:ListBucket", BUCKET).allowed
    assert _ask(policies, "s3:ListBucket", BUCKET, {"s3:prefix": ["nginx/nginx.conf"]}).allowed
    assert not _ask(policies, "s3:ListBucket", BUCKET, {"S3:Prefix": ["other"]}).allowed


def test_given_for_all_values_on_record_names_then_every_name_must_match():
    policies = [
        _allow(
            "route53:ChangeResourceRecordSets",
            "*",
            Condition={
                "ForAllValues:StringLike": {
                    "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["*.example.com"]
                }
            },
        )
    ]
    inside = {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["a.example.com", "b.example.com"]
    }
    outside = {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["a.example.com", "evil.test"]
    }
    assert _ask(policies, "route53:ChangeResourceRecordSets", "*", inside).allowed
    assert not _ask(policies, "route53:ChangeResourceRecordSets", "*", outside).allowed


def test_given_unknown_condition_operator_then_allow_fails_closed_and_deny_applies():
    allow = [_allow("s3:GetObject", "*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})]
    result = _ask(allow, "s3:GetObject", f"{BUCKET}/k")
    assert not result.allowed and result.unsupported == ("IpAddress",)
    deny = {
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}},
            }
        ]
    }
    assert (
        _ask([_allow("*", "*"), deny], "s3:GetObject", f"{BUCKET}/k").decision
        is Decision.IDENTITY_DENY
    )


def test_given_iam_wildcards_then_brackets_are_literal():
    assert wildcard("a[b]*", "a[b]c")
    assert not wildcard("a[bc]", "ab")
