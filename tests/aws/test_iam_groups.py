"""Live IAM groups are judged for what they grant (moto, in-process)."""

from __future__ import annotations

import json

import boto3

from auditor.collectors.aws import AwsCollector
from auditor.collectors.base import CollectionSink
from auditor.resources import Role


def test_groups_and_not_action_users_from_a_live_account(aws: None) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    everything_but_describe = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": ["ec2:Describe*"], "Resource": "*"}]})
    iam.create_group(GroupName="ml-ops")
    iam.put_group_policy(GroupName="ml-ops", PolicyName="all-but-describe", PolicyDocument=everything_but_describe)
    iam.create_group(GroupName="viewers")
    iam.create_user(UserName="build-bot")
    iam.put_user_policy(UserName="build-bot", PolicyName="all-but-describe", PolicyDocument=everything_but_describe)
    sink = CollectionSink()
    AwsCollector(boto3.Session(region_name="us-east-1"), regions=["us-east-1"], max_workers=4).collect(sink)
    roles = {r.ref.name: r for r in sink.resources if isinstance(r, Role)}
    ops, viewers, bot = roles["ml-ops"], roles["viewers"], roles["build-bot"]
    assert ops.principal_type == "group" and ops.ref.id.endswith(":group/ml-ops")
    assert (ops.is_admin, ops.wildcard_data_access) == (True, True)
    assert "except ec2:Describe*" in (ops.admin_via or "")
    assert (viewers.is_admin, viewers.wildcard_data_access) == (False, False)
    assert (bot.is_admin, bot.wildcard_data_access) == (True, True)
