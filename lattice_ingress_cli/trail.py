"""Is a CloudTrail trail logging in the stack's Region? Without one, EventBridge receives no
"AWS API Call via CloudTrail" events and only the schedule publishes new services."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from lattice_ingress.adapters.clients import client


def trail_warnings(region: str | None) -> list[str]:
    """Empty when a logging trail covers `region`; otherwise one warning saying why not.
    A trail whose status cannot be read (another account's organization trail, missing
    permission) is skipped, not fatal: another trail may still cover the Region."""
    cloudtrail = client("cloudtrail")
    try:
        trails = cloudtrail.describe_trails(includeShadowTrails=True)["trailList"]
    except (ClientError, BotoCoreError) as exc:
        return [f"cannot list CloudTrail trails ({exc}); Lattice events may not arrive"]
    unreadable = []
    for trail in trails:
        if not (trail.get("IsMultiRegionTrail") or trail.get("HomeRegion") == region):
            continue
        arn = trail.get("TrailARN") or trail["Name"]
        try:
            if cloudtrail.get_trail_status(Name=arn).get("IsLogging"):
                return []
        except (ClientError, BotoCoreError):
            unreadable.append(trail["Name"])
    detail = f" ({len(unreadable)} unreadable: {', '.join(unreadable)})" if unreadable else ""
    return [
        f"no logging CloudTrail trail covers {region}{detail}: Lattice changes start no pass, "
        "only the schedule publishes them"
    ]
