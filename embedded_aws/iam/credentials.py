"""Temporary credentials of a role (moto's STS AssumeRole, so GetCallerIdentity answers the
assumed-role ARN), and the reverse look-up the authoriser needs: access key id -> session.

The identity policies are read from moto's IAM at each call, so a test (or an update) that
changes a role's policy changes what the role may do at once, as in AWS."""

from __future__ import annotations

import threading
from dataclasses import dataclass

DEFAULT_PARTITION = "aws"


@dataclass(frozen=True)
class RoleSession:
    role_arn: str
    session_arn: str  # arn:aws:sts::<account>:assumed-role/<role name>/<session>
    access_key_id: str
    secret_access_key: str
    session_token: str

    @property
    def account_id(self) -> str:
        return self.role_arn.split(":")[4]

    def environment(self) -> dict[str, str]:
        """What Lambda and ECS put in the process environment."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


_lock = threading.Lock()
_by_key: dict[str, RoleSession] = {}
_by_role: dict[tuple[str, str], RoleSession] = {}


def role_session(role_arn: str, session_name: str, region: str = "us-east-1") -> RoleSession:
    """Credentials for `role_arn` (minted once per role and session name, never expiring
    locally: AWS rotates them before they expire, which the SDKs handle)."""
    from moto.sts.models import sts_backends

    with _lock:
        known = _by_role.get((role_arn, session_name))
        if known is not None:
            return known
        account = role_arn.split(":")[4]
        assumed = sts_backends[account][DEFAULT_PARTITION].assume_role(
            region_name=region,
            role_session_name=session_name,
            role_arn=role_arn,
            policy="",
            duration=43200,
            external_id="",
        )
        session = RoleSession(
            role_arn=role_arn,
            session_arn=assumed.arn,
            access_key_id=assumed.access_key_id,
            secret_access_key=assumed.secret_access_key,
            session_token=assumed.session_token,
        )
        _by_role[(role_arn, session_name)] = session
        _by_key[session.access_key_id] = session
        return session


def session_for_key(access_key_id: str) -> RoleSession | None:
    with _lock:
        return _by_key.get(access_key_id)


def identity_policies(role_arn: str) -> list[str]:
    """The role's inline and attached managed policy documents (JSON text), from moto's IAM.
    A role that no longer exists has none."""
    from moto.iam.models import iam_backends

    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    try:
        role = iam_backends[account][DEFAULT_PARTITION].get_role(name)
    except Exception:  # noqa: BLE001 - moto raises its own NoSuchEntity: no role, no grants
        return []
    documents = list(role.policies.values())
    for managed in role.managed_policies.values():
        documents.extend(v.document for v in managed.versions if v.is_default)
    return documents
